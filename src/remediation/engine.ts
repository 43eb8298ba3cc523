/**
 * The TTL engine: applies one rule to every matching key of every primary (and of a standalone
 * server, the DB its URL names, else every DB), a SCAN page at a time, resumable from a checkpoint.
 *
 * Semantics:
 * - `set-missing`: only keys without a TTL get one, jittered uniformly over [ttl·(1−j), ttl]
 *   (`PEXPIREAT key time+ms NX`); a key that has a TTL keeps it exactly.
 * - `cap`: only keys whose TTL is above the cap get a jittered one in [cap·(1−j), cap]. The decision
 *   is made per key from its expiry read in the same page, and the write still says `XX LT` (`LT`
 *   for a key without TTL under `include-missing`), so a concurrent change can only ever lower a
 *   TTL. A blind `PEXPIREAT key jittered XX LT` would also lower a key at 85 d to 82 d under a 90 d cap
 *   with 10 % jitter: keys at or below the cap are never written.
 * - No TTL ever grows, no key is deleted (every expiry written is a server TIME read before the
 *   write, never ahead of the clock the write uses, plus a TTL ≥ 1 ms: at most the rule's), and no key
 *   outside the pattern is touched: SCAN MATCH, then `compileGlob` on every name before a write.
 *
 * Strategies. `options` (Redis ≥ 7.0): per page one pipeline of `PEXPIREAT … NX` (set-missing), or
 * a read pipeline (PEXPIRETIME) then a write pipeline (`PEXPIREAT … XX LT`) for `cap`. `lua` (any
 * version with scripting; the only safe way before 7.0, which has no EXPIRE options): one EVALSHA per
 * page (at most LUA_CHUNK keys) that reads PTTL and writes PEXPIREAT atomically per key. `auto`
 * picks `lua` where scripting works (fewer commands for Node to build and parse: measured faster,
 * see bench/remediation.ts), else `options` on 7.0+, else refuses.
 *
 * Resume. After each page `onPage` gets a checkpoint (cursor per primary/DB, counters, the jitter
 * salt, the server time of the page), and once before the first write of a fresh run. Pages are
 * written in order, at most WRITE_DEPTH (3 unthrottled, 1 throttled) beyond the last checkpoint
 * whose `onPage` resolved. Re-processing them is harmless (the rule's checks make every write
 * idempotent), and counted right: every expiry the run writes carries a stamp, a hash of (salt,
 * name) in its value (fingerprint.ts), so a key whose expiry carries its stamp and lies where a
 * write between the checkpoint's page and this attempt's start could have put it is recognised as
 * this run's own earlier write, and a TTL the application gave it meanwhile is not (it carries the
 * stamp by chance: 1 in the width of the jitter range in ms). Counters after a resume equal an
 * uninterrupted run's (tested by replaying a page that was written but never saved, with an
 * application giving TTLs in the rule's range meanwhile).
 * `ApplyResult.checkpoint` (the run returned: done, cancelled, paused) is `clean`: nothing to
 * recognise on resume, so a long pause can't mistake an application's own fresh TTL for ours.
 *
 * Only SCAN, PEXPIREAT, PEXPIRETIME, PTTL, TIME, INFO, DBSIZE, PING, SELECT (standalone), EVALSHA,
 * SCRIPT LOAD and (for a pattern with a range over bytes ≥ 0x80) COMMAND LIST are sent: what
 * ElastiCache allows (cluster runs also read slot ownership to follow a reshard, see reshard.ts).
 *
 * Before any write every node must be a primary (replica-check.ts), and before each page's writes
 * the memory guard must let it through (memory-guard.ts; on for every run, unthrottled included).
 * A write the server refuses fails the run with its reason: a run never ends as done with errors.
 */

import { once } from 'node:events';
import type { Redis } from 'ioredis';
import {
  DEFAULT_THROTTLE,
  LatencyGuard,
  resolveThrottle,
  type ThrottleOptions,
  TokenBucket,
} from '../census/throttle.js';
import { cursorFraction, walkKeys } from '../census/walker.js';
import { ErrorCode, errorMessage, MedicError } from '../errors.js';
import { compileGlob } from '../keyspace/glob.js';
import { luaScript } from '../keyspace/lua.js';
import { serverFacts } from '../keyspace/server-facts.js';
import type { TargetConnection } from '../redis/connect.js';
import { currentDb, dbsToWalk } from '../redis/databases.js';
import { classifyRedisError } from '../redis/errors.js';
import { RemediationError } from './errors.js';
import { isOwnExpiry, jitteredHash, markOf, type Stamp, stampedTtlMs, stampFor } from './fingerprint.js';
import {
  MemoryGuard,
  type MemoryGuardOptions,
  type MemoryPause,
  resolveMemoryGuard,
} from './memory-guard.js';
import { assertPrimary } from './replica-check.js';
import {
  isNotLocalError,
  keySlot,
  type Reshard,
  recountMovedSlots,
  routedPage,
  SlotLedger,
  slotOwners,
} from './reshard.js';
import { legacyRunStart, planResume, unitKey } from './resume-plan.js';
import { ttlRangeMs } from './rules.js';
import { serverGlob } from './server-glob.js';
import type {
  ApplyResult,
  EngineCheckpoint,
  EngineCounters,
  EnginePauseReason,
  EngineProgress,
  TtlRule,
} from './types.js';

export type EngineStrategy = 'options' | 'lua';

/** The census throttle plus the memory guard's threshold (see also `ApplyOptions.memoryGuard`). */
export interface EngineThrottle extends ThrottleOptions {
  /**
   * Keep used_memory at or below this percent of maxmemory (see memory-guard.ts). No maxmemory
   * set: no guard. @defaultValue 95
   */
  memoryGuardPct?: number;
  /** How often the memory guard reads INFO memory (between pages). @defaultValue 1000 */
  memoryCheckEveryMs?: number;
}

/** The census default (10 000 keys/s per primary, pages of 100, PING guard +2 ms) + memory guard 95 %. */
export const DEFAULT_ENGINE_THROTTLE: Readonly<Required<EngineThrottle>> = Object.freeze({
  ...DEFAULT_THROTTLE,
  memoryGuardPct: 95,
  memoryCheckEveryMs: 1000,
});

/** `signal.abort(PAUSE_REASON)` stops the run like a cancel but reports `stoppedBy: 'pause'`. */
export const PAUSE_REASON = 'pause';

export interface ApplyOptions {
  /** Resume from here (cursor per node, counters, salt). Nodes not in it start from cursor 0. */
  checkpoint?: EngineCheckpoint;
  /**
   * `false` = full speed: no keys/s budget, no latency guard. The memory guard stays on.
   * @defaultValue DEFAULT_ENGINE_THROTTLE
   */
  throttle?: EngineThrottle | false;
  /** The memory guard, on for every run (throttled or not); `pct` here wins over `throttle.memoryGuardPct`. */
  memoryGuard?: MemoryGuardOptions;
  /** @defaultValue 'auto' */
  strategy?: 'auto' | EngineStrategy;
  /** Stops within a page (before its writes are sent): `stoppedBy: 'cancel'` (or 'pause', see PAUSE_REASON). */
  signal?: AbortSignal;
  /**
   * After each page (and once before the first write of a fresh run, and at each guard pause): the
   * checkpoint to persist and the progress. Awaited: the node writes its next page only afterwards.
   * A throw fails the run.
   */
  onPage?: (cp: EngineCheckpoint, progress: EngineProgress) => Promise<void> | void;
  /** Draws the jitter salt of a fresh run. @defaultValue Math.random */
  random?: () => number;
  /** SCAN COUNT when unthrottled (throttled: the throttle's pageSize). @defaultValue 1000 */
  count?: number;
}

const FULL_SPEED_COUNT = 1000;
/** Keys per EVALSHA: bounds how long one script call blocks the server (~1–2 ms). */
const LUA_CHUNK = 1000;
/** Unthrottled: SCAN pages read ahead of the writes (bounds memory: a few pages per node). */
const READ_AHEAD = 3;
/** Unthrottled: pages whose writes are in flight at once (see walkUnit). */
const WRITE_DEPTH = 3;
/**
 * Options strategy: how old (local ms) the server time behind a stamped expiry may be. A page
 * written after a checkpoint may have stamped from a time up to this much before it, so the replay
 * window starts that much earlier.
 */
const CLOCK_STALE_MS = 250;
/** Clocks of two cluster nodes may disagree: a key written on one is read back on another. */
const CLOCK_SKEW_MS = 5000;
/**
 * MIGRATE moves a key's expiry as a relative TTL: on its new node the expiry is later by the time
 * the move took. Keys that may have moved match their stamp within this.
 */
const MIGRATED_TOLERANCE_MS = 1000;
/** A cluster run that saw slots move waits this long for a migration in progress to end, then recounts. */
const RESHARD_SETTLE_MS = 60_000;

/**
 * One page on the server. ARGV: mode (`s` set-missing, `c` cap, `C` cap + include-missing), cap ms,
 * replay window [lo, hi) in server ms (lo >= hi: none), `1` on Redis 7.0+ (EXPIRE options,
 * PEXPIRETIME), the rule's shortest TTL (ms), the stamp space (see fingerprint.ts) and how far (ms) an
 * expiry may sit from its stamp (0, or MIGRATED_TOLERANCE_MS for keys that may have moved), then the page:
 * per key its name's length (uint32 LE), the name, the length of its mark (one byte) and the mark in
 * decimal, packed into one argument (`packPage`: one argument instead of two per key keeps the
 * client's encoding cost out of the way). Per key, atomically: PTTL, then PEXPIREAT at the script's
 * TIME + the stamped TTL only when the rule says so (set-missing on 7.0+: `PEXPIREAT … NX` first,
 * PTTL only when it did nothing); TIME is never ahead of the clock the write uses, so no TTL exceeds
 * the rule's. Returns the server time (ms) and how many keys were changed, recognised as written by
 * an earlier attempt of this run (its stamp, inside the window; counted as changed), skipped, and
 * gone. Keys come as ARGV (numkeys 0): on a cluster node they are local keys SCAN just returned, so
 * no cross-slot declaration is needed.
 */
export const TTL_PAGE_SCRIPT = luaScript('ttl-page');

export function emptyCounters(): EngineCounters {
  return { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 };
}

/**
 * Applies `rule` to every matching key. Resolves when every node's cursor came back to 0
 * (`complete`), or on abort (`stoppedBy`). Connection loss and other Redis failures reject with the
 * classified `MedicError`; the last checkpoint handed to `onPage` is where to resume.
 */
export async function applyRule(
  conn: TargetConnection,
  rule: TtlRule,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const started = performance.now();
  const run = new EngineRun(conn, rule, opts);
  try {
    await run.prepare();
    await run.execute();
  } finally {
    run.close();
  }
  const checkpoint: EngineCheckpoint = { ...run.snapshot(), clean: true };
  const rejected = checkpoint.counters.errors - (opts.checkpoint?.counters.errors ?? 0);
  if (rejected > 0) {
    // Keys SCAN MATCH returned that the client-side check refused: left alone, so the run is not done.
    throw new RemediationError(
      ErrorCode.KeysNotMatched,
      { count: rejected, match: rule.match },
      `${rejected} keys returned by SCAN MATCH ${rule.match} failed the client-side match`,
    );
  }
  const aborted = opts.signal?.aborted === true && !checkpoint.nodes.every((n) => n.done);
  return {
    rule,
    counters: checkpoint.counters,
    complete: checkpoint.nodes.every((n) => n.done),
    ...(aborted
      ? { stoppedBy: opts.signal?.reason === PAUSE_REASON ? ('pause' as const) : ('cancel' as const) }
      : {}),
    durationMs: Math.round(performance.now() - started),
    strategy: run.strategy,
    checkpoint,
    pauses: run.pauses(),
    pausedMs: Math.round(run.pausedMs()),
    ...(run.approximate ? { approximate: true } : {}),
  };
}

/**
 * Keys matching `match` that have no TTL, over every primary and DB: the job's verify step. Uses the
 * census walker (read-only, throttled by default).
 */
export async function countWithoutTtl(
  conn: TargetConnection,
  match: string,
  opts: { throttle?: ThrottleOptions | false; signal?: AbortSignal } = {},
): Promise<number> {
  const matches = await serverGlob(conn, match);
  let count = 0;
  await walkKeys(
    conn,
    {
      match,
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    (keys) => {
      for (const key of keys) if (key.pttlMs === -1 && matches(key.name)) count++;
    },
  );
  return count;
}

/** The key's hash of salt and name scaled to [minMs, maxMs]: uniform over the range. */
export function jitteredMs(name: Uint8Array, salt: number, minMs: number, maxMs: number): number {
  return minMs + Math.floor(jitteredHash(name, salt) * (maxMs - minMs + 1));
}

// ---------------------------------------------------------------------------------------------

type Outcome = 'changed' | 'skipped' | 'vanished';

interface PageResult {
  changed: number;
  skipped: number;
  vanished: number;
  errors: number;
  /** Server time (ms) read with the page's writes. */
  timeMs: number;
}

interface Unit {
  node: NodeState;
  address: string;
  db: number;
  cursor: string;
  done: boolean;
  /** Server time of the last saved page (the replay window's lower bound). */
  timeMs: number | undefined;
  dbsize: number;
  /** Replay window [lo, hi) for this attempt; null: nothing to recognise. */
  window: { lo: number; hi: number } | null;
  /** This node/DB's share of the totals. */
  counters: EngineCounters;
}

interface NodeState {
  redis: Redis;
  /**
   * Where SCAN goes. Unthrottled: a second connection, so a SCAN's reply is sent as soon as it ran
   * instead of after the page writes queued behind it (Redis flushes a client's replies only once
   * its pipelined commands are processed): the server walks while Node writes. Else `redis`.
   */
  scanner: Redis;
  scannerDb: number | undefined;
  address: string;
  version: number[];
  hasOptions: boolean;
  sha: string;
  /** INFO `run_id`: a saved cursor is continued only on the same server process. */
  runId: string;
  bucket?: TokenBucket;
  guard?: LatencyGuard;
  memory?: MemoryGuard;
  /** The last server time read on this node and when (performance.now), for stamped expiries. */
  clock?: { serverMs: number; at: number };
  selectedDb: number | undefined;
  originalDb: number;
  units: Unit[];
}

class EngineRun {
  strategy: EngineStrategy = 'options';
  private readonly throttle: Readonly<Required<ThrottleOptions>> | null;
  private readonly memoryGuard: MemoryGuardOptions;
  private readonly count: number;
  private matches: (name: Uint8Array) => boolean;
  private readonly stamp: Stamp;
  private readonly capMs: number;
  private nodes: NodeState[] = [];
  private units: Unit[] = [];
  private counters: EngineCounters;
  private salt = 0;
  private startedAt: string;
  private startCounters: EngineCounters;
  private runStartMs = 0;
  /** Server time this attempt started (earliest over the nodes). */
  private attemptStartMs = 0;
  /** Cluster runs on the page script: what resharding needs (see reshard.ts). */
  private reshard: Reshard | undefined;
  /** Resumed from a checkpoint with progress: slot recounts can't see earlier attempts' counts. */
  private resumed = false;
  approximate = false;
  private startFraction = 0;
  private readonly t0 = performance.now();
  private chain: Promise<void> = Promise.resolve();
  private readonly internal = new AbortController();
  private readonly signal: AbortSignal;
  private failure: unknown;
  private pausedBy: EnginePauseReason | undefined;
  private memoryPause: MemoryPause | undefined;

  constructor(
    private readonly conn: TargetConnection,
    private readonly rule: TtlRule,
    private readonly opts: ApplyOptions,
  ) {
    const t = opts.throttle;
    const { memoryGuardPct, memoryCheckEveryMs, ...census } = t === false ? {} : (t ?? {});
    this.throttle = t === false ? null : resolveThrottle(census);
    // Resolved (and validated) now: a bad setting is refused before anything is read or written.
    const mg = opts.memoryGuard ?? {};
    this.memoryGuard = resolveMemoryGuard({
      pct: mg.pct ?? memoryGuardPct,
      checkEveryMs: mg.checkEveryMs ?? memoryCheckEveryMs,
      pauseMs: mg.pauseMs ?? this.throttle?.pauseMs,
      timeoutMs: mg.timeoutMs,
    });
    const requested = opts.count ?? FULL_SPEED_COUNT;
    if (!(Number.isFinite(requested) && requested >= 1)) throw new RangeError('count must be >= 1');
    this.count = Math.floor(this.throttle ? this.throttle.pageSize : requested);
    if (!(rule.ttlSec > 0) || !(rule.jitter >= 0 && rule.jitter < 1)) {
      throw new RangeError(`rule ${rule.name}: ttl must be > 0 and jitter in [0, 1)`);
    }
    this.matches = compileGlob(rule.match);
    const range = ttlRangeMs(rule);
    this.stamp = stampFor(range.minMs, range.maxMs);
    this.capMs = rule.ttlSec * 1000;
    this.counters = { ...emptyCounters(), ...(opts.checkpoint?.counters ?? {}) };
    this.startCounters = { ...this.counters };
    this.startedAt = opts.checkpoint?.startedAt ?? new Date().toISOString();
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.internal.signal]) : this.internal.signal;
  }

  /** The scanner connections (unthrottled runs) are closed; the caller's connection stays open. */
  close(): void {
    for (const node of this.nodes) {
      if (node.scanner !== node.redis) node.scanner.disconnect();
      node.scanner = node.redis;
    }
  }

  pauses(): number {
    return this.nodes.reduce((s, n) => s + (n.guard?.pauses ?? 0) + (n.memory?.pauses ?? 0), 0);
  }

  pausedMs(): number {
    return this.nodes.reduce((s, n) => s + (n.guard?.pausedMs ?? 0) + (n.memory?.pausedMs ?? 0), 0);
  }

  private units0(): Unit[] {
    return this.nodes.flatMap((n) => n.units);
  }

  /** INFO, DBs and DBSIZE, strategy, script, server time, throttle calibration; the initial checkpoint. */
  async prepare(): Promise<void> {
    const cluster = this.conn.target.mode === 'cluster';
    // The URL's DB (else every DB with keys) scopes the run; a bad one is refused before any call.
    dbsToWalk(this.conn.target, '');
    const cp = this.opts.checkpoint;
    this.nodes = await Promise.all(this.conn.primaries().map((redis) => this.prepareNode(redis, cluster)));
    // Byte-exact with the server's SCAN MATCH (a range over bytes ≥ 0x80 depends on its build).
    this.matches = await serverGlob(this.conn, this.rule.match);
    this.strategy = this.pickStrategy(cp?.strategy);
    if (this.strategy === 'lua') {
      await Promise.all(this.nodes.map((n) => this.loadScript(n)));
    }
    this.salt = cp?.salt ?? Math.floor((this.opts.random ?? Math.random)() * 4_294_967_296) >>> 0;
    const plan = cp
      ? planResume(
          cp,
          this.units0().map((u) => ({ address: u.address, db: u.db, runId: u.node.runId })),
        )
      : null;
    if (plan) {
      this.counters = { ...emptyCounters(), ...plan.counters };
      this.startCounters = { ...this.counters };
      this.approximate = !plan.exact;
    }
    const runStart = cp ? (cp.runStartMs ?? legacyRunStart(cp)) : undefined;
    let earliest = Number.POSITIVE_INFINITY;
    for (const node of this.nodes) {
      const now = await serverTimeMs(node.redis);
      earliest = Math.min(earliest, now);
      for (const unit of node.units) {
        const prev = plan?.continued.get(unitKey(unit));
        if (prev) {
          unit.counters = { ...emptyCounters(), ...prev.counters };
          unit.cursor = prev.cursor;
          unit.done = prev.done;
          unit.dbsize = prev.dbsize ?? unit.dbsize;
          // Writes of an earlier attempt after its last saved page: between that page's time and now.
          unit.timeMs = prev.timeMs;
          unit.window =
            prev.timeMs !== undefined && cp?.salt !== undefined && cp.clean !== true && !prev.done
              ? { lo: prev.timeMs - 1 - CLOCK_STALE_MS, hi: now }
              : null;
        } else {
          unit.timeMs = now;
          // Another process serves this node now (failover, restart): walked again from cursor 0,
          // with the old entry's counts taken out; keys carrying this run's stamp were written by it.
          if (plan && plan.replaced.length > 0 && runStart !== undefined) {
            unit.window = { lo: runStart - 1, hi: now };
          }
        }
      }
    }
    this.runStartMs = runStart ?? earliest;
    this.attemptStartMs = earliest;
    this.resumed = (cp?.counters.scanned ?? 0) > 0;
    const client = this.conn.client;
    if (cluster && this.strategy === 'lua' && 'nodes' in client && this.nodes[0]) {
      const probe = this.nodes[0].redis;
      this.reshard = {
        cluster: client,
        probe,
        startOwners: await slotOwners(probe),
        ledger: new SlotLedger(),
      };
    }
    this.units = this.units0();
    if (this.throttle) {
      const t = this.throttle;
      await Promise.all(
        this.nodes.map(async (node) => {
          node.bucket = new TokenBucket(t.keysPerSec, Math.max(t.pageSize, t.keysPerSec / 10));
          node.guard = new LatencyGuard(() => node.redis.ping(), {
            guardMs: t.latencyGuardMs,
            pauseMs: t.pauseMs,
          });
          await node.guard.calibrate();
        }),
      );
    }
    for (const node of this.nodes) node.memory = new MemoryGuard(node.redis, node.address, this.memoryGuard);
    if (!this.throttle) await Promise.all(this.nodes.map((n) => openScanner(n)));
    this.startFraction = this.fraction();
    // A fresh run's salt and time base must be saved before anything is written.
    if (!cp) await this.report();
  }

  private async prepareNode(redis: Redis, cluster: boolean): Promise<NodeState> {
    const address = `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;
    try {
      await assertPrimary(redis, address);
      const server = serverFacts(await redis.info('server'));
      const version = server.versionParts;
      const node: NodeState = {
        redis,
        scanner: redis,
        scannerDb: undefined,
        address,
        version,
        hasOptions: (version[0] ?? 0) >= 7,
        sha: '',
        runId: server.runId ?? '',
        selectedDb: undefined,
        originalDb: currentDb(redis),
        units: [],
      };
      const dbs = dbsToWalk(this.conn.target, cluster ? '' : await redis.info('keyspace'));
      for (const db of dbs) {
        await selectDb(node, db, cluster);
        const dbsize = Number(await redis.dbsize());
        node.units.push({
          node,
          address,
          db,
          cursor: '0',
          done: false,
          timeMs: undefined,
          dbsize,
          window: null,
          counters: emptyCounters(),
        });
      }
      return node;
    } catch (err) {
      if (err instanceof RemediationError) throw err;
      throw classifyRedisError(err, address);
    }
  }

  private pickStrategy(previous: EngineStrategy | undefined): EngineStrategy {
    const wanted = this.opts.strategy ?? 'auto';
    const allOptions = this.nodes.every((n) => n.hasOptions);
    if (wanted === 'options') {
      if (!allOptions) {
        const old = this.nodes.find((n) => !n.hasOptions);
        throw new RemediationError(ErrorCode.OptionsNeed7, {
          target: old?.address ?? '?',
          version: old?.version.join('.') ?? '?',
        });
      }
      return 'options';
    }
    if (wanted === 'lua') return 'lua';
    return previous ?? 'lua';
  }

  private async loadScript(node: NodeState): Promise<void> {
    try {
      node.sha = String(await node.redis.script('LOAD', TTL_PAGE_SCRIPT));
    } catch (err) {
      const classified = classifyRedisError(err, node.address);
      if (isConnectionCode(classified.code)) throw classified;
      // Scripting refused (ACL, proxy): the EXPIRE options do the same where they exist.
      if ((this.opts.strategy ?? 'auto') === 'auto' && this.nodes.every((n) => n.hasOptions)) {
        this.strategy = 'options';
        return;
      }
      throw new RemediationError(
        ErrorCode.NoSafeStrategy,
        { target: node.address, version: node.version.join('.') },
        `scripting refused on ${node.address}`,
        { cause: err },
      );
    }
  }

  async execute(): Promise<void> {
    await Promise.all(
      this.nodes.map((node) =>
        this.walkNode(node).catch((err: unknown) => {
          this.failure ??= err;
          this.internal.abort(err);
        }),
      ),
    );
    await Promise.all(this.nodes.map((n) => restoreDb(n, this.conn.target.mode === 'cluster')));
    await this.chain.catch(() => {});
    if (this.failure) throw this.failure;
    if (this.reshard && this.units.every((u) => u.done)) await this.recount(this.reshard);
  }

  /** Slots that moved during this attempt, counted again on their owner (see reshard.ts). */
  private async recount(reshard: Reshard): Promise<void> {
    const mode = this.rule.action === 'set-missing' ? 's' : this.rule.includeMissing ? 'C' : 'c';
    const node = this.nodes[0] as NodeState;
    try {
      const now = await serverTimeMs(node.redis);
      const result = await recountMovedSlots(reshard, {
        matches: this.matches,
        script: { sha: node.sha, text: TTL_PAGE_SCRIPT },
        args: [
          mode,
          String(this.capMs),
          String(this.attemptStartMs - 1 - CLOCK_SKEW_MS),
          String(now + CLOCK_SKEW_MS),
          node.hasOptions ? '1' : '0',
          String(this.stamp.minMs),
          String(this.stamp.space),
          String(MIGRATED_TOLERANCE_MS),
        ],
        pack: (key) => packPage([key], [markOf(key, this.salt, this.stamp)]),
        settleMs: RESHARD_SETTLE_MS,
        signal: this.signal,
      });
      if (!result) {
        this.approximate = true;
        return;
      }
      if (result.slots === 0) return;
      for (const k of Object.keys(this.counters) as (keyof EngineCounters)[]) {
        this.counters[k] += result.delta[k];
      }
      if (this.resumed) this.approximate = true;
      await this.report();
    } catch (err) {
      throw classifyRedisError(err, node.address);
    }
  }

  private async walkNode(node: NodeState): Promise<void> {
    const cluster = this.conn.target.mode === 'cluster';
    for (const unit of node.units) {
      if (unit.done) continue;
      if (this.signal.aborted) return;
      await selectDb(node, unit.db, cluster).catch((err: unknown) => {
        throw classifyRedisError(err, node.address);
      });
      await this.walkUnit(node, unit);
    }
  }

  /**
   * One DB of one primary. Unthrottled, a scanner keeps the next SCAN in flight from the moment the
   * previous one answers (up to READ_AHEAD pages ahead, on its own connection), and the writes of
   * up to WRITE_DEPTH pages are in flight at once, so the server always has work while Node builds
   * the next page: the walk runs at about the speed of a bare SCAN loop. Pages complete, are counted
   * and reported in order; a page is written only after the `onPage` of the page WRITE_DEPTH before
   * it resolved, so at most WRITE_DEPTH pages per node were written beyond the last saved
   * checkpoint (a resumed run recognises them, see the module comment). Throttled: one page at a
   * time, each SCAN after the guards and the budget, nothing read ahead.
   */
  private async walkUnit(node: NodeState, unit: Unit): Promise<void> {
    const free = !this.throttle;
    const depth = free ? WRITE_DEPTH : 1;
    const queue: Promise<{ next: string; names: Buffer[] }>[] = [];
    let scanFrom: string | null = unit.cursor;
    let scanning = false;
    const scan = (): void => {
      if (scanning || scanFrom === null || queue.length >= READ_AHEAD || this.signal.aborted) return;
      const cursor = scanFrom;
      scanning = true;
      const page = node.scanner.scanBuffer(cursor, 'MATCH', this.rule.match, 'COUNT', this.count).then(
        ([raw, names]) => {
          scanning = false;
          const next = raw.toString('latin1');
          scanFrom = next === '0' ? null : next;
          if (free) scan();
          return { next, names };
        },
        (err: unknown) => {
          scanning = false;
          scanFrom = null;
          throw classifyRedisError(err, node.address);
        },
      );
      page.catch(() => {});
      queue.push(page);
    };
    const inflight: {
      next: string;
      scanned: number;
      rejected: number;
      result: Promise<PageResult | null>;
    }[] = [];
    const settle = async (): Promise<void> => {
      const item = inflight.shift() as (typeof inflight)[number];
      const page = await item.result;
      for (const c of [this.counters, unit.counters]) {
        c.scanned += item.scanned;
        c.errors += item.rejected;
        if (page) {
          c.changed += page.changed;
          c.skipped += page.skipped;
          c.vanished += page.vanished;
          c.errors += page.errors;
        }
      }
      if (page) unit.timeMs = page.timeMs;
      unit.cursor = item.next;
      if (item.next === '0') unit.done = true;
      await this.report();
    };
    try {
      let last = false;
      while (!last && !this.signal.aborted) {
        if (queue.length === 0) {
          await this.pace(node);
          if (this.signal.aborted) break;
          scan();
        }
        const { next, names } = await (queue.shift() as Promise<{ next: string; names: Buffer[] }>);
        node.bucket?.charge(Math.max(0, names.length - this.count));
        if (this.signal.aborted) break;
        if (free) scan();
        const keys: Buffer[] = [];
        let rejected = 0;
        for (const name of names) {
          if (this.matches(name)) keys.push(name);
          else rejected++;
        }
        if (keys.length > 0) {
          await this.admitMemory(node, unit, keys.length, async () => {
            while (inflight.length > 0) await settle();
          });
          if (this.signal.aborted) break;
        }
        const result = keys.length > 0 ? this.writePage(node, unit, keys) : Promise.resolve(null);
        result.catch(() => {});
        inflight.push({ next, scanned: keys.length, rejected, result });
        last = next === '0';
        while (inflight.length >= depth) await settle();
      }
      // Pages already sent are always counted and checkpointed, also on abort.
      while (inflight.length > 0) await settle();
    } finally {
      for (const item of inflight) item.result.catch(() => {});
    }
  }

  /** Throttled: latency guard, memory guard, then the keys/s budget (SCAN COUNT per page). */
  private async pace(node: NodeState): Promise<void> {
    if (!this.throttle) return;
    try {
      if (node.guard) {
        await node.guard.check(this.signal, () => this.pauseReport('latency'));
      }
      this.pausedBy = undefined;
      await node.bucket?.take(this.count, this.signal);
    } catch (err) {
      if (this.signal.aborted) return;
      throw classifyRedisError(err, node.address);
    }
  }

  /**
   * The memory guard before each page's writes (every run, throttled or not). The pages in flight
   * are settled before each INFO reading (about once a second), so the reading includes them, and
   * the checkpoint reported with a pause (and kept when the pause times out) covers every write sent.
   */
  private async admitMemory(
    node: NodeState,
    unit: Unit,
    keys: number,
    drain: () => Promise<void>,
  ): Promise<void> {
    const memory = node.memory as MemoryGuard;
    let paused = false;
    try {
      await memory.admit(this.signal, keys, unit.db, {
        settle: drain,
        onPause: (pause: MemoryPause) => {
          paused = true;
          this.memoryPause = pause;
          this.pauseReport('memory');
        },
      });
    } catch (err) {
      if (this.signal.aborted) return;
      if (err instanceof MedicError) throw err;
      throw classifyRedisError(err, node.address);
    }
    if (paused && this.pausedBy === 'memory') {
      this.pausedBy = undefined;
      this.memoryPause = undefined;
      void this.report().catch(() => {});
    }
  }

  private pauseReport(reason: EnginePauseReason): void {
    if (this.pausedBy === reason) return;
    this.pausedBy = reason;
    void this.report().catch(() => {});
  }

  // ------------------------------------------------------------------------------------------
  // Writing one page

  private async writePage(node: NodeState, unit: Unit, keys: Buffer[]): Promise<PageResult> {
    const marks = keys.map((k) => markOf(k, this.salt, this.stamp));
    try {
      if (this.strategy === 'lua') return await this.writeLua(node, unit, keys, marks);
      if (this.rule.action === 'set-missing') return await this.writeSetMissing(node, unit, keys, marks);
      return await this.writeCap(node, unit, keys, marks);
    } catch (err) {
      if (err instanceof RemediationError) throw err;
      throw classifyRedisError(err, node.address);
    }
  }

  private async writeLua(node: NodeState, unit: Unit, keys: Buffer[], marks: number[]): Promise<PageResult> {
    const mode = this.rule.action === 'set-missing' ? 's' : this.rule.includeMissing ? 'C' : 'c';
    const lo = unit.window ? String(unit.window.lo) : '0';
    const hi = unit.window ? String(unit.window.hi) : '0';
    const out: PageResult = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: 0 };
    for (let start = 0; start < keys.length; start += LUA_CHUNK) {
      const end = Math.min(keys.length, start + LUA_CHUNK);
      const blob = packPage(keys, marks, start, end);
      const args = [
        '0',
        mode,
        String(this.capMs),
        lo,
        hi,
        node.hasOptions ? '1' : '0',
        String(this.stamp.minMs),
        String(this.stamp.space),
        '0',
        blob,
      ];
      const reply = await this.evalPage(node, args).catch((err: unknown) => {
        if (!this.reshard || !isNotLocalError(err)) throw err;
        return this.writeRouted(node, unit, keys.slice(start, end), marks.slice(start, end), args);
      });
      this.reshard?.ledger.record(keys, reply.codes, start);
      if (reply.changed + reply.replayed + reply.skipped + reply.vanished !== end - start) {
        throw new Error('TTL page script: reply count mismatch');
      }
      out.timeMs = reply.timeMs;
      out.changed += reply.changed + reply.replayed;
      out.skipped += reply.skipped;
      out.vanished += reply.vanished;
    }
    return out;
  }

  /**
   * A page whose script failed because a key left the node (resharding): key by key through the
   * cluster client, wherever each key is now. Keys the failed script had already written carry
   * this run's stamp and count as changed (window: since the node's last counted page).
   */
  private async writeRouted(
    node: NodeState,
    unit: Unit,
    keys: Buffer[],
    marks: number[],
    args: (string | Buffer)[],
  ): Promise<PageScriptReply> {
    const reshard = this.reshard as Reshard;
    const now = await serverTimeMs(node.redis);
    const lo = Math.min(
      unit.window?.lo ?? Number.POSITIVE_INFINITY,
      (unit.timeMs ?? this.attemptStartMs) - 1,
    );
    const routedArgs = [
      args[1],
      args[2],
      String(lo - CLOCK_SKEW_MS),
      String(now + CLOCK_SKEW_MS),
      ...args.slice(5, 8),
      String(MIGRATED_TOLERANCE_MS),
    ];
    for (const key of keys) reshard.ledger.notLocal.add(keySlot(key));
    const codes = await routedPage(
      reshard.cluster,
      { sha: node.sha, text: TTL_PAGE_SCRIPT },
      keys,
      keys.map((k, i) => packPage([k], [marks[i] as number])),
      routedArgs.map(String),
    );
    return countCodes(codes, now);
  }

  private async evalPage(node: NodeState, args: (string | Buffer)[]): Promise<PageScriptReply> {
    let reply: unknown;
    try {
      reply = await node.redis.callBuffer('EVALSHA', node.sha, ...args);
    } catch (err) {
      if (!/NOSCRIPT/.test(errorMessage(err))) throw err;
      // The script cache was flushed (SCRIPT FLUSH, a restart behind a proxy): load it once more.
      node.sha = String(await node.redis.script('LOAD', TTL_PAGE_SCRIPT));
      reply = await node.redis.callBuffer('EVALSHA', node.sha, ...args);
    }
    return parsePageScriptReply(reply);
  }

  /**
   * A server time not ahead of the node's clock, for the stamped expiries of the options strategy:
   * the TIME read with an earlier page, read again when it is older than CLOCK_STALE_MS, so a TTL
   * written from it falls short of the stamped one by at most that (never exceeds it).
   */
  private async baseTime(node: NodeState): Promise<number> {
    const clock = node.clock;
    if (clock && performance.now() - clock.at < CLOCK_STALE_MS) return clock.serverMs;
    const serverMs = await serverTimeMs(node.redis);
    node.clock = { serverMs, at: performance.now() };
    return serverMs;
  }

  /** `PEXPIREAT key stamped NX` per key, then (only for the 0 replies) PEXPIRETIME: skipped, vanished or replayed. */
  private async writeSetMissing(node: NodeState, unit: Unit, keys: Buffer[], marks: number[]) {
    const base = await this.baseTime(node);
    const p = node.redis.pipeline();
    for (let i = 0; i < keys.length; i++) {
      const at = base + stampedTtlMs(marks[i] as number, base, this.stamp);
      p.call('PEXPIREAT', keys[i] as Buffer, String(at), 'NX');
    }
    p.time();
    const sent = performance.now();
    const replies = (await p.exec()) ?? [];
    const out = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: timeReply(replies[keys.length]) };
    if (out.timeMs > 0) node.clock = { serverMs: out.timeMs, at: sent };
    const zeros: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const [err, value] = replies[i] ?? [new Error('missing reply'), null];
      // A refused write (READONLY, NOPERM…) fails the run with its reason: it must never end as done.
      if (err) throw err;
      if (Number(value) === 1) out.changed++;
      else zeros.push(i);
    }
    if (zeros.length === 0) return out;
    const q = node.redis.pipeline();
    for (const i of zeros) q.call('PEXPIRETIME', keys[i] as Buffer);
    const reads = (await q.exec()) ?? [];
    zeros.forEach((i, j) => {
      const [err, value] = reads[j] ?? [new Error('missing reply'), null];
      // A refused read fails the run with its reason, like a refused write.
      if (err) throw err;
      out[this.settled(unit, Number(value), marks[i] as number)]++;
    });
    return out;
  }

  /**
   * `cap`: PEXPIRETIME per key and TIME after them (so `expiry − time` never overstates a TTL), then
   * `PEXPIREAT key stamped XX LT` only for keys above the cap (`LT` for keys without TTL under
   * include-missing), stamped from that TIME.
   */
  private async writeCap(node: NodeState, unit: Unit, keys: Buffer[], marks: number[]) {
    const r = node.redis.pipeline();
    for (const key of keys) r.call('PEXPIRETIME', key);
    r.time();
    const reads = (await r.exec()) ?? [];
    const now = timeReply(reads[keys.length]);
    const out = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: now };
    const writes: number[] = [];
    const w = node.redis.pipeline();
    const at = (i: number) => String(now + stampedTtlMs(marks[i] as number, now, this.stamp));
    for (let i = 0; i < keys.length; i++) {
      const [err, value] = reads[i] ?? [new Error('missing reply'), null];
      if (err) throw err;
      const expiry = Number(value);
      if (expiry === -2) out.vanished++;
      else if (expiry === -1) {
        if (this.rule.includeMissing) {
          w.call('PEXPIREAT', keys[i] as Buffer, at(i), 'LT');
          writes.push(i);
        } else out.skipped++;
      } else if (expiry - now > this.capMs) {
        w.call('PEXPIREAT', keys[i] as Buffer, at(i), 'XX', 'LT');
        writes.push(i);
      } else {
        out[this.settled(unit, expiry, marks[i] as number) === 'changed' ? 'changed' : 'skipped']++;
      }
    }
    if (writes.length === 0) return out;
    const replies = (await w.exec()) ?? [];
    writes.forEach((_, j) => {
      const [err, value] = replies[j] ?? [new Error('missing reply'), null];
      if (err) throw err;
      if (Number(value) === 1) out.changed++;
      // 0: the key changed meanwhile (gone, persisted, or already lower): left alone.
      else out.skipped++;
    });
    return out;
  }

  /** A key the rule did not write now: this run's own earlier write (its stamp), or skipped / gone. */
  private settled(unit: Unit, expiry: number, mark: number): Outcome {
    if (expiry === -2) return 'vanished';
    if (!unit.window) return 'skipped';
    return isOwnExpiry(expiry, mark, unit.window, this.stamp) ? 'changed' : 'skipped';
  }

  // ------------------------------------------------------------------------------------------
  // Checkpoints and progress

  snapshot(): EngineCheckpoint {
    return {
      nodes: this.units.map((u) => ({
        address: u.address,
        db: u.db,
        cursor: u.cursor,
        done: u.done,
        ...(u.timeMs !== undefined ? { timeMs: u.timeMs } : {}),
        dbsize: u.dbsize,
        runId: u.node.runId,
        counters: { ...u.counters },
      })),
      counters: { ...this.counters },
      salt: this.salt,
      runStartMs: this.runStartMs,
      strategy: this.strategy,
      startedAt: this.startedAt,
    };
  }

  private fraction(): number {
    const total = this.units.reduce((s, u) => s + u.dbsize, 0);
    const part = (u: Unit) => (u.done ? 1 : cursorFraction(u.cursor));
    if (total === 0) {
      return this.units.length ? this.units.reduce((s, u) => s + part(u), 0) / this.units.length : 1;
    }
    return this.units.reduce((s, u) => s + u.dbsize * part(u), 0) / total;
  }

  private progress(): EngineProgress {
    const elapsedSec = Math.max(1e-3, (performance.now() - this.t0) / 1000);
    const fraction = this.fraction();
    const walked = fraction - this.startFraction;
    return {
      counters: { ...this.counters },
      total: this.units.reduce((s, u) => s + u.dbsize, 0),
      keysPerSec: Math.round((this.counters.scanned - this.startCounters.scanned) / elapsedSec),
      etaSec: fraction >= 1 ? 0 : walked > 0 ? Math.round((elapsedSec * (1 - fraction)) / walked) : null,
      paused: this.pausedBy !== undefined,
      ...(this.pausedBy ? { pausedBy: this.pausedBy } : {}),
      ...(this.pausedBy === 'memory' && this.memoryPause ? { memory: this.memoryPause } : {}),
      fraction,
      pauses: this.pauses(),
    };
  }

  /** Serialized: one `onPage` at a time, each with a consistent snapshot. */
  private report(): Promise<void> {
    const onPage = this.opts.onPage;
    if (!onPage) return Promise.resolve();
    const next = this.chain.then(() => onPage(this.snapshot(), this.progress()));
    this.chain = next.catch(() => {});
    return next;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Keys [start, end) and their marks as the page script reads them: `<I4 name B mark-in-decimal` per key. */
export function packPage(
  keys: readonly Uint8Array[],
  marks: readonly number[],
  start = 0,
  end = keys.length,
): Buffer {
  const digits: string[] = [];
  let size = 0;
  for (let i = start; i < end; i++) {
    const text = String(marks[i]);
    digits.push(text);
    size += 5 + (keys[i] as Uint8Array).length + text.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = start; i < end; i++) {
    const key = keys[i] as Uint8Array;
    const text = digits[i - start] as string;
    out.writeUInt32LE(key.length, at);
    out.set(key, at + 4);
    at += 4 + key.length;
    out[at] = text.length;
    at += 1 + out.write(text, at + 1, 'latin1');
  }
  return out;
}

export interface PageScriptReply {
  /** Server time (ms) when the script ran. */
  timeMs: number;
  changed: number;
  /** Keys this run had already written in an earlier attempt (the engine counts them as changed). */
  replayed: number;
  skipped: number;
  vanished: number;
  /** Per key, in page order: `c` changed, `r` replayed, `s` skipped, `v` vanished. */
  codes: string;
}

/** The TTL page script's reply `{time, changed, replayed, skipped, vanished, codes}`. */
export function parsePageScriptReply(reply: unknown): PageScriptReply {
  const items = Array.isArray(reply) ? (reply as unknown[]) : [];
  const [time, changed, replayed, skipped, vanished, codes] = items;
  const counts = [changed, replayed, skipped, vanished];
  if (!Buffer.isBuffer(time) || !counts.every((c) => typeof c === 'number')) {
    throw new Error('unexpected TTL page script reply');
  }
  return {
    timeMs: Number(time.toString('latin1')),
    changed: changed as number,
    replayed: replayed as number,
    skipped: skipped as number,
    vanished: vanished as number,
    codes: Buffer.isBuffer(codes) ? codes.toString('latin1') : '',
  };
}

/** A page's reply from per-key codes (the routed path). */
function countCodes(codes: string, timeMs: number): PageScriptReply {
  const reply: PageScriptReply = { timeMs, changed: 0, replayed: 0, skipped: 0, vanished: 0, codes };
  for (const code of codes) {
    if (code === 'c') reply.changed++;
    else if (code === 'r') reply.replayed++;
    else if (code === 's') reply.skipped++;
    else reply.vanished++;
  }
  return reply;
}

function isConnectionCode(code: string): boolean {
  return code === 'redis_unreachable' || code === 'redis_timeout';
}

function timeReply(reply: [Error | null, unknown] | undefined): number {
  const value = reply?.[1];
  if (!Array.isArray(value)) return 0;
  return Number(value[0]) * 1000 + Math.floor(Number(value[1]) / 1000);
}

async function serverTimeMs(redis: Redis): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

async function selectDb(node: NodeState, db: number, cluster: boolean): Promise<void> {
  if (cluster) return;
  if (node.scanner !== node.redis && node.scannerDb !== db) {
    await node.scanner.select(db);
    node.scannerDb = db;
  }
  if (node.selectedDb === db) return;
  if (node.selectedDb === undefined && db === node.originalDb) {
    node.selectedDb = db;
    return;
  }
  await node.redis.select(db);
  node.selectedDb = db;
}

/** The second connection for SCAN (same options: TLS, ACL user); without it, SCAN shares `redis`. */
async function openScanner(node: NodeState): Promise<void> {
  const dup = node.redis.duplicate();
  dup.on('error', () => {});
  try {
    if (dup.status === 'wait') await dup.connect();
    else await once(dup, 'ready');
    node.scanner = dup;
    node.scannerDb = dup.options.db ?? 0;
  } catch {
    dup.disconnect();
  }
}

async function restoreDb(node: NodeState, cluster: boolean): Promise<void> {
  if (cluster || node.selectedDb === undefined || node.selectedDb === node.originalDb) return;
  if (node.redis.status !== 'ready') return;
  try {
    await node.redis.select(node.originalDb);
    node.selectedDb = node.originalDb;
  } catch {
    // Best effort: the connection may be gone.
  }
}
