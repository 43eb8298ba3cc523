/**
 * The TTL engine's memory guard: a page of writes goes out only when the server's used memory plus
 * what the page can add stays under `pct` % of maxmemory. Each TTL given to a key without one adds
 * an entry to its DB's expires dict, and the dict doubles its bucket table when it fills, so a run
 * on a server near maxmemory would make it evict (allkeys-* / volatile-* policies) or refuse the
 * application's writes (noeviction). No option or flag turns it off: unthrottled runs drop the
 * keys/s budget and the latency guard, never this.
 *
 * INFO is read at most every `checkEveryMs`; between readings the growth of every page let through
 * is added to the last reading, so a fast run cannot overshoot between two readings. A pause lasts
 * until memory falls back; one longer than `timeoutMs` stops the run (`memory_guard_timeout`), its
 * last checkpoint kept for a resume.
 */

import type { Redis } from 'ioredis';
import { ErrorCode, MedicError } from '../errors.js';
import { sleep } from '../keyspace/pacing/sleep.js';
import { serverFacts } from '../keyspace/server-facts.js';

export interface MemoryGuardOptions {
  /** Used memory is kept at or below this percent of maxmemory. @defaultValue 95 */
  pct?: number;
  /** INFO is read at most this often while not paused. @defaultValue 1000 */
  checkEveryMs?: number;
  /** A paused guard re-reads INFO this often. @defaultValue 250 */
  pauseMs?: number;
  /** A pause longer than this stops the run with `memory_guard_timeout`. @defaultValue 10 min */
  timeoutMs?: number;
}

export const DEFAULT_MEMORY_GUARD: Readonly<Required<MemoryGuardOptions>> = Object.freeze({
  pct: 95,
  checkEveryMs: 1000,
  pauseMs: 250,
  timeoutMs: 10 * 60_000,
});

/**
 * Bytes one new expires-dict entry costs: a 24-byte dictEntry in jemalloc's 32-byte class, plus
 * margin for allocator rounding. Over-estimating only makes the guard pause a little earlier.
 */
const BYTES_PER_ENTRY = 48;
/** Bytes per bucket of a dict's table (one pointer). */
const BYTES_PER_BUCKET = 8;

/** Validated options, defaults filled in; a bad value is a caller's bug (RangeError). */
export function resolveMemoryGuard(
  opts: { [K in keyof MemoryGuardOptions]?: number | undefined } = {},
): Readonly<Required<MemoryGuardOptions>> {
  const merged = { ...DEFAULT_MEMORY_GUARD };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) merged[k as keyof MemoryGuardOptions] = v;
  if (!(merged.pct > 0 && merged.pct <= 100)) {
    throw new RangeError(`memory guard pct must be in (0, 100], got ${merged.pct}`);
  }
  for (const name of ['checkEveryMs', 'pauseMs', 'timeoutMs'] as const) {
    if (!(Number.isFinite(merged[name]) && merged[name] > 0)) {
      throw new RangeError(`memory guard ${name} must be > 0, got ${merged[name]}`);
    }
  }
  return merged;
}

interface Reading {
  used: number;
  max: number;
  /** Keys with a TTL per DB (INFO keyspace `expires=`). */
  expires: Map<number, number>;
}

/** What a paused run tells its reader. */
export interface MemoryPause {
  usedPct: number;
  limitPct: number;
  timeoutMs: number;
}

export class MemoryGuard {
  pauses = 0;
  pausedMs = 0;
  private readonly o: Readonly<Required<MemoryGuardOptions>>;
  private lastAt = Number.NEGATIVE_INFINITY;
  private reading: Reading | undefined;
  /** Growth (bytes) and new TTLs (per DB) let through since the last reading. */
  private pendingBytes = 0;
  private readonly pendingKeys = new Map<number, number>();

  constructor(
    private readonly redis: Redis,
    private readonly address: string,
    options: MemoryGuardOptions = {},
  ) {
    this.o = resolveMemoryGuard(options);
  }

  /**
   * Resolves when a page giving up to `keys` keys of DB `db` a TTL fits under the guard (at once
   * in the common case). Otherwise calls `onPause` once, waits for memory to fall, and throws
   * `MedicError(memory_guard_timeout)` after `timeoutMs`. Rejects with the signal's reason on abort.
   * `settle` is awaited before each INFO reading: the writes already sent must have landed, since a
   * reading replaces the estimate of everything let through before it.
   */
  async admit(
    signal: AbortSignal,
    keys: number,
    db: number,
    hooks: { settle: () => Promise<void>; onPause: (pause: MemoryPause) => Promise<void> | void },
  ): Promise<void> {
    const read = async () => {
      await hooks.settle();
      await this.read();
    };
    if (!this.reading || performance.now() - this.lastAt >= this.o.checkEveryMs) await read();
    // An estimate that says no is checked against a fresh reading before anyone is told of a pause.
    if (!this.fits(keys, db) && this.pendingBytes > 0) await read();
    if (!this.fits(keys, db)) {
      this.pauses++;
      const started = performance.now();
      try {
        await hooks.onPause(this.pauseInfo());
        for (;;) {
          const left = this.o.timeoutMs - (performance.now() - started);
          if (left <= 0) {
            throw new MedicError(
              ErrorCode.MemoryGuardTimeout,
              {
                target: this.address,
                usedPct: this.pauseInfo().usedPct,
                limitPct: this.o.pct,
                minutes: Math.round((this.o.timeoutMs / 60_000) * 10) / 10,
              },
              `memory guard: ${this.address} stayed above ${this.o.pct}% of maxmemory for ${this.o.timeoutMs} ms`,
            );
          }
          await sleep(Math.min(this.o.pauseMs, left), signal);
          await read();
          if (this.fits(keys, db)) break;
        }
      } finally {
        this.pausedMs += performance.now() - started;
      }
    }
    this.pendingBytes += this.growth(keys, db);
    this.pendingKeys.set(db, (this.pendingKeys.get(db) ?? 0) + keys);
  }

  private pauseInfo(): MemoryPause {
    const r = this.reading;
    const usedPct = r && r.max > 0 ? Math.round(((r.used + this.pendingBytes) / r.max) * 1000) / 10 : 0;
    return { usedPct, limitPct: this.o.pct, timeoutMs: this.o.timeoutMs };
  }

  private fits(keys: number, db: number): boolean {
    const r = this.reading;
    // No maxmemory: nothing to evict for and no limit to hit.
    if (!r || !(r.max > 0)) return true;
    return r.used + this.pendingBytes + this.growth(keys, db) <= (r.max * this.o.pct) / 100;
  }

  /** Upper bound of what `keys` new TTLs in DB `db` add: entries, plus the table doubling they may cause. */
  private growth(keys: number, db: number): number {
    const expires = (this.reading?.expires.get(db) ?? 0) + (this.pendingKeys.get(db) ?? 0);
    let bytes = keys * BYTES_PER_ENTRY;
    // The table has the next power of two ≥ its entries (at least 4) buckets and doubles when full.
    let size = 4;
    while (size < expires) size *= 2;
    if (expires + keys >= size) {
      let grown = size * 2;
      while (grown <= expires + keys) grown *= 2;
      bytes += grown * BYTES_PER_BUCKET;
    }
    return bytes;
  }

  private async read(): Promise<void> {
    const [memory, keyspace] = await Promise.all([this.redis.info('memory'), this.redis.info('keyspace')]);
    const expires = new Map(serverFacts(keyspace).dbs.map((d) => [d.db, d.expires] as const));
    const { usedMemory, maxmemory } = serverFacts(memory);
    this.reading = { used: usedMemory ?? 0, max: maxmemory ?? 0, expires };
    this.pendingBytes = 0;
    this.pendingKeys.clear();
    this.lastAt = performance.now();
  }
}
