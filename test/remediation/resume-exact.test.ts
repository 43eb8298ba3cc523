/**
 * Counters after a resume equal an uninterrupted run's even when the application gives matching
 * keys a TTL of its own between the crash and the resume: those keys were never written by the run
 * (the application's `PEXPIREAT … NX` found them without TTL), so they are "already had a TTL", not
 * "changed". Ground truth comes from Redis: keys without TTL at the start minus the keys the
 * application's NX writes reached first; and every TTL the run gave lies in the range the rule
 * states (a day, 10 % jitter), read back from Redis.
 */
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { TargetConnection } from '../../src/redis/connect.js';
import { type ApplyOptions, applyRule, type EngineStrategy } from '../../src/remediation/engine.js';
import { markOf, stampFor } from '../../src/remediation/fingerprint.js';
import type { EngineCheckpoint, TtlRule } from '../../src/remediation/types.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';
import { setMissingRule } from '../support/ttl-dataset.js';

const KEYS = 30_000;
const DAY = 86_400_000;

// A day, 10 % jitter: an application's TTL carries the run's stamp by chance 1 in 8.64 M.
const RULE: TtlRule = setMissingRule('app:sess:*', 'sessions');
/** The rule's new-TTL range as its text states it (ttl 1 d, jitter 10 %), not as the engine computes it. */
const STATED = { minMs: 0.9 * DAY, maxMs: DAY };

async function load(admin: Redis): Promise<void> {
  await admin.flushall();
  for (let i = 0; i < KEYS; i += 1000) {
    const p = admin.pipeline();
    for (let j = i; j < Math.min(KEYS, i + 1000); j++) p.set(`app:sess:${j}`, 'x');
    await p.exec();
  }
}

/** Matching keys without TTL, read from Redis. */
async function withoutTtl(admin: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, names] = await admin.scan(cursor, 'MATCH', RULE.match, 'COUNT', 1000);
    cursor = next;
    const p = admin.pipeline();
    for (const n of names) p.pttl(n);
    const replies = (await p.exec()) ?? [];
    names.forEach((n, i) => {
      if (replies[i]?.[1] === -1) out.push(n);
    });
  } while (cursor !== '0');
  return out;
}

/** The server's clock, ms. */
async function serverMs(admin: Redis): Promise<number> {
  const [sec, usec] = await admin.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

/** PEXPIRETIME of each name, as Redis reports it (-1: no TTL). */
async function expiries(admin: Redis, names: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < names.length; i += 1000) {
    const p = admin.pipeline();
    for (const n of names.slice(i, i + 1000)) p.pexpiretime(n);
    for (const [err, value] of (await p.exec()) ?? []) {
      if (err) throw err;
      out.push(Number(value));
    }
  }
  return out;
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/**
 * Runs until the 40th checkpoint, then returns the one from three pages earlier: those pages were
 * written but their checkpoints never saved (a kill -9 with pages in flight).
 */
async function crashed(conn: TargetConnection, opts: ApplyOptions): Promise<EngineCheckpoint> {
  const abort = new AbortController();
  const checkpoints: EngineCheckpoint[] = [];
  const result = await applyRule(conn, RULE, {
    ...opts,
    signal: abort.signal,
    onPage: (cp) => {
      checkpoints.push(cp);
      if (checkpoints.length >= 40) abort.abort();
    },
  });
  expect(result.complete).toBe(false);
  const saved = checkpoints[checkpoints.length - 4] as EngineCheckpoint;
  // The lost pages did write: a resume has something of its own to recognise.
  expect(result.counters.changed).toBeGreaterThan(saved.counters.changed);
  return saved;
}

describe('resume after a crash while the application sets TTLs', () => {
  for (const strategy of ['lua', 'options'] as EngineStrategy[]) {
    it(
      `${strategy}: keys the application gave a TTL during the replay window count as skipped, not changed`,
      async ({ admin, target: conn }) => {
        await load(admin);
        const opts: ApplyOptions = { throttle: false, strategy, count: 200, random: () => 0.4 };
        const first = await serverMs(admin);
        const saved = await crashed(conn, opts);
        const salt = saved.salt as number;

        // The application, between the crash and the resume, gives TTLs in the rule's range to keys
        // still without one, as absolute expiries from the server's clock: half land one millisecond
        // off the expiry the run would stamp for that key (the closest a foreign TTL can come without
        // being the run's own: only the stamp tells them apart, time cannot), half anywhere in the range.
        const open = await withoutTtl(admin);
        expect(open.length).toBeGreaterThan(10_000);
        const appKeys = open.filter((_, i) => i % 4 === 0);
        const stamp = stampFor(STATED.minMs, STATED.maxMs);
        const now = await serverMs(admin);
        let appSet = 0;
        const p = admin.pipeline();
        appKeys.forEach((name, i) => {
          const offset =
            i % 2 === 0
              ? mod(markOf(Buffer.from(name), salt, stamp) + 1 - now - STATED.minMs, stamp.space)
              : Math.floor(Math.random() * stamp.space);
          p.pexpireat(name, now + STATED.minMs + offset, 'NX');
        });
        for (const [err, value] of (await p.exec()) ?? []) {
          expect(err).toBeNull();
          appSet += Number(value);
        }
        expect(appSet).toBe(appKeys.length);
        const appExpiry = new Map((await expiries(admin, appKeys)).map((e, i) => [appKeys[i] as string, e]));

        const resumed = await applyRule(conn, RULE, { ...opts, checkpoint: saved });
        const end = await serverMs(admin);
        expect(resumed.complete).toBe(true);
        expect(await withoutTtl(admin)).toEqual([]);
        // The application's TTLs are kept exactly; every other key's expiry was written by the run
        // (the crashed attempt or the resume, both after `first`) and lies in the stated range.
        const names = Array.from({ length: KEYS }, (_, i) => `app:sess:${i}`);
        const bad: string[] = [];
        (await expiries(admin, names)).forEach((expiry, i) => {
          const name = names[i] as string;
          const app = appExpiry.get(name);
          if (app !== undefined) {
            if (expiry !== app) bad.push(`${name}: application TTL changed`);
          } else if (expiry < first + STATED.minMs || expiry > end + STATED.maxMs) {
            bad.push(
              `${name}: expiry ${expiry - end} ms after the run, not in [${STATED.minMs}, ${STATED.maxMs}]`,
            );
          }
        });
        expect(bad.slice(0, 5)).toEqual([]);
        // Every key had no TTL at the start: the run changed exactly those the application did not reach.
        expect(resumed.counters).toEqual({
          scanned: KEYS,
          changed: KEYS - appSet,
          skipped: appSet,
          vanished: 0,
          errors: 0,
        });
      },
      // Load, the crashed run, a SCAN for keys without TTL, the resume, the final SCAN and the expiry
      // read-back: 6 passes, and slack.
      budgetMs(KEYS * 9),
    );
  }
});
