/**
 * Counters after a resume equal an uninterrupted run's even when the application gives matching
 * keys a TTL of its own between the crash and the resume: those keys were never written by the run
 * (the application's `PEXPIRE … NX` found them without TTL), so they are "already had a TTL", not
 * "changed". Ground truth comes from Redis: keys without TTL at the start minus the keys the
 * application's NX writes reached first.
 */
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { TargetConnection } from '../../src/redis/connect.js';
import {
  type ApplyOptions,
  applyRule,
  type EngineStrategy,
  jitteredMs,
} from '../../src/remediation/engine.js';
import { ttlRangeMs } from '../../src/remediation/rules.js';
import type { EngineCheckpoint, TtlRule } from '../../src/remediation/types.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';
import { setMissingRule } from '../support/ttl-dataset.js';

const KEYS = 30_000;

// A day, 10 % jitter: an application's TTL carries the run's stamp by chance 1 in 8.64 M.
const RULE: TtlRule = setMissingRule('app:sess:*', 'sessions');

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
        const saved = await crashed(conn, opts);
        const salt = saved.salt as number;
        const { minMs, maxMs } = ttlRangeMs(RULE);

        // The application, between the crash and the resume, gives TTLs in the rule's range to keys
        // still without one: half exactly the TTL the run's per-key hash would pick (the worst case
        // for telling them apart by time alone), half uniform over the range.
        const open = await withoutTtl(admin);
        expect(open.length).toBeGreaterThan(10_000);
        const appKeys = open.filter((_, i) => i % 4 === 0);
        let appSet = 0;
        const p = admin.pipeline();
        appKeys.forEach((name, i) => {
          const ms =
            i % 2 === 0
              ? jitteredMs(Buffer.from(name), salt, minMs, maxMs)
              : minMs + Math.floor(Math.random() * (maxMs - minMs + 1));
          p.pexpire(name, ms, 'NX');
        });
        for (const [err, value] of (await p.exec()) ?? []) {
          expect(err).toBeNull();
          appSet += Number(value);
        }
        expect(appSet).toBe(appKeys.length);

        const resumed = await applyRule(conn, RULE, { ...opts, checkpoint: saved });
        expect(resumed.complete).toBe(true);
        expect(await withoutTtl(admin)).toEqual([]);
        // Every key had no TTL at the start: the run changed exactly those the application did not reach.
        expect(resumed.counters).toEqual({
          scanned: KEYS,
          changed: KEYS - appSet,
          skipped: appSet,
          vanished: 0,
          errors: 0,
        });
      },
      // Load, the crashed run, a SCAN for keys without TTL, the resume, the final SCAN: 5 passes, and slack.
      budgetMs(KEYS * 8),
    );
  }
});
