import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import {
  type LocalRedis,
  type LocalRedisCluster,
  startLocalRedisCluster,
} from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import {
  type ApplyOptions,
  applyRule,
  countWithoutTtl,
  type EngineStrategy,
  PAUSE_REASON,
  packPage,
  TTL_PAGE_SCRIPT,
} from '../../src/remediation/engine.js';
import type { ApplyResult, EngineCheckpoint, EngineProgress, TtlRule } from '../../src/remediation/types.js';
import { runbookRule } from '../fixtures/runbook-rules.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import {
  addExtraKeys,
  checkRun,
  countersFor,
  DAY,
  type Keyspace,
  scanMatchIds,
  serverNow,
  snapshotKeyspace,
  type Truth,
} from './support.js';

const KEYS = 20_000;
const DB2_KEYS = 2_000;
const MIN = 60_000;
/**
 * Keys of the standalone keyspace after `reload` (both DBs and the extras), and of the cluster's.
 * Test budgets count passes over them: reload 1, each checked run 4 (snapshot, SCAN MATCH, the run,
 * snapshot), an interrupted run and its resume 1 together.
 */
const STANDALONE_KEYS = KEYS + DB2_KEYS + 8 * 40 + 9;
const CLUSTER_KEYS = KEYS + 8 * 20 + 9;

function rule(partial: Partial<TtlRule> & Pick<TtlRule, 'match' | 'action' | 'ttlSec'>): TtlRule {
  return {
    name: 'test-rule',
    jitter: 0.1,
    includeMissing: false,
    allowBroad: false,
    risk: 'low',
    ...partial,
  };
}

const COUPON = runbookRule('coupon-unread');
const ORDERS = rule({
  name: 'order-snapshot',
  match: 'order:snapshot:*',
  action: 'set-missing',
  ttlSec: 30 * 86_400,
  jitter: 0.25,
});
const LAST = runbookRule('last-activity');
const LAST_ALL = { ...LAST, name: 'last-activity-all', includeMissing: true };

/**
 * Each rule's new-TTL range worked out by hand from its stated ttl and jitter, not by the engine's
 * own range function: a wrong floor or ceiling in the engine cannot move these.
 */
const STATED: Record<string, { minMs: number; maxMs: number }> = {
  // ttl 60d, jitter 10 %.
  'coupon-unread': { minMs: 54 * DAY, maxMs: 60 * DAY },
  // ttl 30d, jitter 25 %: 22.5 d.
  'order-snapshot': { minMs: 30 * DAY - 7.5 * DAY, maxMs: 30 * DAY },
  // ttl 90d, jitter 10 %.
  'last-activity': { minMs: 81 * DAY, maxMs: 90 * DAY },
  'last-activity-all': { minMs: 81 * DAY, maxMs: 90 * DAY },
};

/** The stated range of `r` and the keys Redis's own SCAN MATCH selects for its pattern right now. */
async function truthFor(client: Redis | Cluster, r: TtlRule): Promise<Truth> {
  const range = STATED[r.name];
  if (!range) throw new Error(`no stated range for rule ${r.name}`);
  return { ...range, matching: await scanMatchIds(client, r.match) };
}
const STRATEGIES: EngineStrategy[] = ['options', 'lua'];

interface Outcome {
  result: ApplyResult;
  before: Keyspace;
  after: Keyspace;
  expected: { matched: number; changed: number };
}

/** Snapshot, run, snapshot, and the acceptance-1 check; counters must equal the ground truth. */
async function runChecked(
  client: Redis | Cluster,
  conn: TargetConnection,
  r: TtlRule,
  opts: ApplyOptions,
): Promise<Outcome> {
  const before = await snapshotKeyspace(client);
  const truth = await truthFor(client, r);
  const start = await serverNow(client);
  const result = await applyRule(conn, r, opts);
  const end = await serverNow(client);
  const after = await snapshotKeyspace(client);
  const expected = checkRun(before, after, r, truth, start, end);
  expect(result.complete).toBe(true);
  expect(result.counters).toEqual(countersFor(expected));
  return { result, before, after, expected };
}

/**
 * Stops the run right after the page that brings the onPage calls to `stopAt`, and returns the
 * checkpoint a job would have persisted: with `crash`, the one from three pages earlier (those
 * pages' writes happened, their checkpoints never got saved: a kill -9 with pages in flight; the
 * engine writes at most 3 pages ahead of a resolved `onPage`).
 */
async function interrupted(
  conn: TargetConnection,
  r: TtlRule,
  opts: ApplyOptions,
  stopAt: number,
  crash: boolean,
): Promise<{ result: ApplyResult; saved: EngineCheckpoint }> {
  const abort = new AbortController();
  const checkpoints: EngineCheckpoint[] = [];
  const result = await applyRule(conn, r, {
    ...opts,
    signal: abort.signal,
    onPage: (cp) => {
      checkpoints.push(cp);
      if (checkpoints.length >= stopAt) abort.abort();
    },
  });
  expect(result.complete).toBe(false);
  expect(result.stoppedBy).toBe('cancel');
  const saved = checkpoints[checkpoints.length - (crash ? 4 : 1)];
  return { result, saved: saved as EngineCheckpoint };
}

describe('applyRule on a standalone server (every DB)', () => {
  let server: LocalRedis;
  let admin: Redis;
  let conn: TargetConnection;

  async function reload(): Promise<void> {
    await admin.flushall();
    await loadDataset(admin, { keys: KEYS });
    const db2 = new Redis({ port: server.port, host: '127.0.0.1', db: 2 });
    await loadDataset(db2, { keys: DB2_KEYS, seed: 7 });
    db2.disconnect();
    await addExtraKeys(admin);
  }

  // The file's redis-server, admin client and connection come from the shared fixture.
  test.beforeAll(({ localRedis, admin: client, target }) => {
    server = localRedis;
    admin = client;
    conn = target;
  });

  for (const strategy of STRATEGIES) {
    describe(`strategy ${strategy}`, () => {
      it(
        'set-missing: keys without TTL get one in [ttl·(1−j), ttl], the others keep theirs exactly, nothing else changes',
        async () => {
          await reload();
          const { result, expected } = await runChecked(admin, conn, COUPON, { throttle: false, strategy });
          expect(result.strategy).toBe(strategy);
          // Both DBs: the generator's coupon keys of db0 and db2, the extras, the binary name.
          expect(expected.matched).toBeGreaterThan(400);
          expect(expected.changed).toBe(expected.matched - 80);
          // Idempotent: a second run changes nothing and counts everything as skipped.
          const again = await runChecked(admin, conn, COUPON, { throttle: false, strategy });
          expect(again.result.counters.changed).toBe(0);
        },
        budgetMs(STANDALONE_KEYS * 9),
      );

      it(
        'set-missing on a mixed pattern (60 % already expire), jitter 25 %',
        async () => {
          await reload();
          const { expected } = await runChecked(admin, conn, ORDERS, { throttle: false, strategy });
          expect(expected.changed).toBeGreaterThan(0);
          expect(expected.changed).toBeLessThan(expected.matched);
        },
        budgetMs(STANDALONE_KEYS * 5),
      );

      it(
        'cap: TTLs above 90 d come down into [81 d, 90 d]; keys at, just below and at 85 d are not touched',
        async () => {
          await reload();
          const { before, after, expected } = await runChecked(admin, conn, LAST, {
            throttle: false,
            strategy,
          });
          // Every generator key (300–364 d), the 120 d extras and the binary one; not the keys at,
          // just below, at 85 d, at 30 d, nor those without TTL.
          expect(expected.changed).toBe(expected.matched - 5 * 40);
          for (const [id, b] of before) {
            if (id.includes(Buffer.from(':x:below:').toString('hex')))
              expect(after.get(id)?.expireAt).toBe(b.expireAt);
          }
        },
        budgetMs(STANDALONE_KEYS * 5),
      );

      it(
        'cap with include-missing also gives keys without TTL the jittered cap',
        async () => {
          await reload();
          const { expected } = await runChecked(admin, conn, LAST_ALL, { throttle: false, strategy });
          expect(expected.changed).toBe(expected.matched - 4 * 40);
        },
        budgetMs(STANDALONE_KEYS * 5),
      );
    });
  }

  for (const strategy of STRATEGIES) {
    it(
      `${strategy}: new TTLs are spread evenly over the stated range, read back from Redis`,
      async () => {
        // ttl 10 d, jitter 50 %: new TTLs in [5 d, 10 d]. 6 000 keys: each tenth of the range holds
        // 600 ± 23 (one standard deviation), so 10 % ± 3 % fails only for a skewed spread.
        await admin.flushall();
        const n = 6_000;
        for (let i = 0; i < n; i += 1000) {
          const p = admin.pipeline();
          for (let j = i; j < i + 1000; j++) p.set(`spread:${j}`, 'x');
          await p.exec();
        }
        const r = rule({ match: 'spread:*', action: 'set-missing', ttlSec: 10 * 86_400, jitter: 0.5 });
        const [minMs, maxMs] = [5 * DAY, 10 * DAY];
        const start = await serverNow(admin);
        const result = await applyRule(conn, r, { throttle: false, strategy, count: 500 });
        const end = await serverNow(admin);
        expect(result.counters.changed).toBe(n);
        const tenths: number[] = new Array(10).fill(0);
        for (let i = 0; i < n; i += 1000) {
          const p = admin.pipeline();
          for (let j = i; j < i + 1000; j++) p.pexpiretime(`spread:${j}`);
          for (const [err, expiry] of (await p.exec()) ?? []) {
            expect(err).toBeNull();
            // The TTL given, within the run's duration: in the stated range whatever the write time.
            const ttl = Number(expiry) - start;
            expect(Number(expiry)).toBeGreaterThanOrEqual(start + minMs);
            expect(Number(expiry)).toBeLessThanOrEqual(end + maxMs);
            const tenth = Math.min(9, Math.max(0, Math.floor(((ttl - minMs) / (maxMs - minMs)) * 10)));
            tenths[tenth] = (tenths[tenth] ?? 0) + 1;
          }
        }
        for (const count of tenths) {
          expect(count).toBeGreaterThan(0.07 * n);
          expect(count).toBeLessThan(0.13 * n);
        }
      },
      budgetMs(6_000 * 4),
    );
  }

  for (const strategy of STRATEGIES) {
    for (const [label, r] of [
      ['set-missing', COUPON],
      ['cap', LAST],
    ] as const) {
      it(
        `${strategy}, ${label}: resumed from a mid-run checkpoint = an uninterrupted run (state and counts)`,
        async () => {
          const opts: ApplyOptions = { throttle: false, strategy, count: 200, random: () => 0.25 };
          await reload();
          const whole = await runChecked(admin, conn, r, opts);

          await reload();
          const before = await snapshotKeyspace(admin);
          const truth = await truthFor(admin, r);
          const start = await serverNow(admin);
          const first = await interrupted(conn, r, opts, 30, false);
          expect(first.result.counters.changed).toBeGreaterThan(0);
          const resumed = await applyRule(conn, r, { ...opts, checkpoint: first.saved });
          const end = await serverNow(admin);
          const expected = checkRun(before, await snapshotKeyspace(admin), r, truth, start, end);
          expect(resumed.complete).toBe(true);
          expect(resumed.counters).toEqual(whole.result.counters);
          expect(expected).toEqual(whole.expected);
        },
        budgetMs(STANDALONE_KEYS * 11),
      );

      it(
        `${strategy}, ${label}: pages written but never checkpointed (kill -9) are replayed and still counted once`,
        async () => {
          const opts: ApplyOptions = { throttle: false, strategy, count: 200, random: () => 0.75 };
          await reload();
          const before = await snapshotKeyspace(admin);
          const truth = await truthFor(admin, r);
          const start = await serverNow(admin);
          const { result, saved } = await interrupted(conn, r, opts, 40, true);
          // The lost page did change keys: without recognising them they would be counted as skipped.
          expect(result.counters.changed).toBeGreaterThan(saved.counters.changed);
          const resumed = await applyRule(conn, r, { ...opts, checkpoint: saved });
          const end = await serverNow(admin);
          const expected = checkRun(before, await snapshotKeyspace(admin), r, truth, start, end);
          expect(resumed.counters).toEqual(countersFor(expected));
        },
        budgetMs(STANDALONE_KEYS * 6),
      );
    }
  }

  it(
    'the default throttle: checkpoints after every page, progress reaches 100 %, state as unthrottled',
    async () => {
      await admin.flushall();
      await loadDataset(admin, { keys: 8_000 });
      await addExtraKeys(admin, 5);
      const pages: { cp: EngineCheckpoint; p: EngineProgress }[] = [];
      const { result } = await runChecked(admin, conn, COUPON, {
        onPage: (cp, p) => {
          pages.push({ cp, p });
        },
      });
      expect(result.strategy).toBe('lua');
      // SCAN COUNT 100 per page over ~8 000 keys, plus the initial checkpoint.
      expect(pages.length).toBeGreaterThan(70);
      const last = pages[pages.length - 1] as { cp: EngineCheckpoint; p: EngineProgress };
      expect(last.p.fraction).toBe(1);
      expect(last.cp.nodes.every((n) => n.done && n.cursor === '0')).toBe(true);
      expect(last.cp.counters).toEqual(result.counters);
      expect(pages[0]?.cp.counters.scanned).toBe(0);
      expect(typeof pages[0]?.cp.salt).toBe('number');
      const fractions = pages.map((x) => x.p.fraction);
      expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
      // 10 000 keys/s budget: ~8 300 keys take about a second.
      expect(result.durationMs).toBeGreaterThan(500);
    },
    budgetMs(8_000 * 5),
  );

  it(
    'stops within a page on abort (cancel or pause); the returned checkpoint resumes exactly',
    async () => {
      for (const reason of [undefined, PAUSE_REASON]) {
        await reload();
        const before = await snapshotKeyspace(admin);
        const truth = await truthFor(admin, COUPON);
        const start = await serverNow(admin);
        const abort = new AbortController();
        let calls = 0;
        const stopped = await applyRule(conn, COUPON, {
          throttle: false,
          count: 100,
          signal: abort.signal,
          onPage: () => {
            if (++calls === 5) abort.abort(reason);
          },
        });
        expect(stopped.complete).toBe(false);
        expect(stopped.stoppedBy).toBe(reason === PAUSE_REASON ? 'pause' : 'cancel');
        expect(stopped.counters).toEqual(stopped.checkpoint.counters);
        expect(stopped.checkpoint.clean).toBe(true);
        // Nothing was written beyond what the checkpoint counts.
        const midway = await snapshotKeyspace(admin);
        const written = [...midway].filter(([id, k]) => k.expireAt !== before.get(id)?.expireAt).length;
        expect(written).toBe(stopped.counters.changed);
        const resumed = await applyRule(conn, COUPON, { throttle: false, checkpoint: stopped.checkpoint });
        const end = await serverNow(admin);
        const expected = checkRun(before, await snapshotKeyspace(admin), COUPON, truth, start, end);
        expect(resumed.complete).toBe(true);
        expect(resumed.counters.changed).toBe(expected.changed);
        expect(resumed.counters.scanned).toBe(expected.matched);
      }
    },
    budgetMs(STANDALONE_KEYS * 14),
  );

  it('a class range over bytes ≥ 0x80 selects exactly what SCAN MATCH selects (no key refused, none counted as error)', async () => {
    await admin.flushall();
    // Redis compares class ranges as C chars, signed on x86 builds and unsigned on ARM ones:
    // `[\x01-\xc3]` (the UTF-8 of `[\u0001-\u00ff]` starts so) is [-61, 1] signed, [1, 195]
    // unsigned. k:\x00 is in it only signed, k:\x80 and k:a only unsigned: whichever way this
    // server compares, a matcher of the other kind gets keys wrong, so the check bites on every CPU.
    // The engine asks the server and must agree with it.
    const onlySigned = Buffer.from([0x6b, 0x3a, 0x00]);
    const onlyUnsigned = Buffer.from([0x6b, 0x3a, 0x80]);
    const keys = [onlySigned, onlyUnsigned, Buffer.from('k:a')];
    for (const k of keys) await admin.set(k, 'x');
    const glob = 'k:[\u0001-\u00ff]';
    const [, seen] = await admin.scanBuffer('0', 'MATCH', glob, 'COUNT', 100);
    // Signed: only k:\x00 (k:a is 97, outside [-61, 1]); unsigned: k:a and k:\x80.
    const names = seen.map((n) => n.toString('hex')).sort();
    expect([['6b3a00'], ['6b3a61', '6b3a80']]).toContainEqual(names);
    const r = rule({ match: glob, action: 'set-missing', ttlSec: 3600 });
    const result = await applyRule(conn, r, { throttle: false });
    expect(result.counters.errors).toBe(0);
    expect(result.counters.changed).toBe(seen.length);
    for (const k of keys) {
      expect(Number(await admin.pttl(k)) > 0, k.toString('hex')).toBe(seen.some((n) => n.equals(k)));
    }
  });

  it('the page script without EXPIRE options (the pre-7.0 path): same decisions, one key at a time', async () => {
    await admin.flushall();
    await admin.set('p:none', 'x');
    await admin.set('p:short', 'x', 'PX', 5 * DAY);
    await admin.set('p:long', 'x', 'PX', 200 * DAY);
    await admin.set('p:at85', 'x', 'PX', 85 * DAY);
    const page = async (mode: string, keys: string[], ms: number, window: [number, number] = [0, 0]) => {
      // A stamp space of 1 (no jitter): every key's TTL is exactly `ms`, its mark 0.
      const blob = packPage(
        keys.map((k) => Buffer.from(k)),
        keys.map(() => 0),
      );
      const args = [
        mode,
        String(90 * DAY),
        String(window[0]),
        String(window[1]),
        '0',
        String(ms),
        '1',
        '0',
        blob,
      ];
      const reply = (await admin.eval(TTL_PAGE_SCRIPT, 0, ...args)) as [
        string,
        number,
        number,
        number,
        number,
      ];
      const [time, c, r, sk, v] = reply;
      return { time: Number(time), counts: [c, r, sk, v] };
    };
    const keys = ['p:none', 'p:short', 'p:long', 'p:at85', 'p:gone'];
    const before = await Promise.all(keys.map((k) => admin.pexpiretime(k)));
    // set-missing: only the key without TTL.
    const set = await page('s', keys, 60 * DAY);
    expect(set.counts).toEqual([1, 0, 3, 1]);
    const afterSet = await Promise.all(keys.map((k) => admin.pexpiretime(k)));
    expect(afterSet[0]).toBeGreaterThan(set.time + 60 * DAY - 1000);
    expect(afterSet.slice(1)).toEqual(before.slice(1));
    // Replayed: the same TTL again is recognised within the window, not outside it (without
    // PEXPIRETIME the expiry is read as TIME + PTTL, which may read up to 50 ms low).
    expect((await page('s', ['p:none'], 60 * DAY, [set.time - 5, set.time + 5])).counts).toEqual([
      0, 1, 0, 0,
    ]);
    expect((await page('s', ['p:none'], 60 * DAY, [set.time + 100, set.time + 200])).counts).toEqual([
      0, 0, 1, 0,
    ]);
    // cap 90 d: only the 200 d key; 85 d and 5 d stay exactly; no TTL stays without.
    await admin.persist('p:none');
    const cap = await page('c', keys, 88 * DAY);
    expect(cap.counts).toEqual([1, 0, 3, 1]);
    const afterCap = await Promise.all(keys.map((k) => admin.pexpiretime(k)));
    expect(afterCap[0]).toBe(-1);
    expect(afterCap[1]).toBe(before[1]);
    expect(afterCap[3]).toBe(before[3]);
    expect(afterCap[2]).toBeLessThanOrEqual(cap.time + 88 * DAY + 5);
    // include-missing.
    expect((await page('C', ['p:none', 'p:at85'], 88 * DAY)).counts).toEqual([1, 0, 1, 0]);
    expect(await admin.exists(...keys)).toBe(4);
  });

  it(
    'countWithoutTtl: the verify step counts what is left',
    async () => {
      await reload();
      const before = await countWithoutTtl(conn, COUPON.match, { throttle: false });
      expect(before).toBeGreaterThan(400);
      await applyRule(conn, COUPON, { throttle: false });
      expect(await countWithoutTtl(conn, COUPON.match, { throttle: false })).toBe(0);
      expect(await countWithoutTtl(conn, 'contact:last:activity:*', { throttle: false })).toBe(40);
    },
    budgetMs(STANDALONE_KEYS * 4),
  );

  it('refuses a rule that could delete keys (ttl 0) before touching anything', async () => {
    await expect(applyRule(conn, { ...COUPON, ttlSec: 0 }, { throttle: false })).rejects.toThrow(RangeError);
  });
});

describe('applyRule on a 3-node Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;
  let conn: TargetConnection;

  async function reload(): Promise<void> {
    await Promise.all(client.nodes('master').map((n) => n.flushall()));
    await loadDataset(client, { keys: KEYS });
    await addExtraKeys(client, 20);
  }

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3 });
    client = new Cluster(cluster.nodes);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    conn = await connectTarget({ name: 'cluster', url: cluster.url, mode: 'cluster' });
  }, 2 * MIN);

  afterAll(async () => {
    await conn?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  for (const strategy of STRATEGIES) {
    it(
      `${strategy}: set-missing and cap on every primary, acceptance 1 over the whole keyspace`,
      async () => {
        await reload();
        const set = await runChecked(client, conn, COUPON, { throttle: false, strategy });
        expect(set.result.checkpoint.nodes).toHaveLength(3);
        expect(set.expected.changed).toBeGreaterThan(400);
        const cap = await runChecked(client, conn, LAST, { throttle: false, strategy });
        expect(cap.expected.changed).toBe(cap.expected.matched - 5 * 20);
        const all = await runChecked(client, conn, LAST_ALL, { throttle: false, strategy });
        expect(all.expected.changed).toBe(20);
      },
      budgetMs(CLUSTER_KEYS * 13),
    );
  }

  it(
    'lua: pages lost on the primaries are replayed and counted once; the cursor is per node',
    async () => {
      const opts: ApplyOptions = { throttle: false, strategy: 'lua', count: 150, random: () => 0.5 };
      await reload();
      const before = await snapshotKeyspace(client);
      const truth = await truthFor(client, COUPON);
      const start = await serverNow(client);
      const { saved } = await interrupted(conn, COUPON, opts, 25, true);
      expect(new Set(saved.nodes.map((n) => n.address)).size).toBe(3);
      const resumed = await applyRule(conn, COUPON, { ...opts, checkpoint: saved });
      const end = await serverNow(client);
      const expected = checkRun(before, await snapshotKeyspace(client), COUPON, truth, start, end);
      expect(resumed.counters).toEqual(countersFor(expected));
    },
    budgetMs(CLUSTER_KEYS * 6),
  );

  it(
    'a 90 d cap never touches a key at 85 d (the blind XX LT trap)',
    async () => {
      await reload();
      const key = 'contact:last:activity:x:below:3';
      const before = await client.pexpiretime(key);
      await applyRule(conn, LAST, { throttle: false });
      expect(await client.pexpiretime(key)).toBe(before);
      expect(await client.pttl('contact:last:activity:x:above:3')).toBeLessThanOrEqual(90 * DAY);
    },
    budgetMs(CLUSTER_KEYS * 3),
  );
});
