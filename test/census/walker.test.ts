import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScannedKey } from '../../src/census/types.js';
import {
  cursorFraction,
  DEFAULT_THROTTLE,
  PAGE_SCRIPT,
  type WalkOptions,
  type WalkSummary,
  walkKeys,
} from '../../src/census/walker.js';
import { type DatasetGroundTruth, describeDataset, loadDataset } from '../../src/demo/dataset.js';
import {
  type LocalRedis,
  type LocalRedisCluster,
  startLocalRedis,
  startLocalRedisCluster,
} from '../../src/demo/local-redis.js';
import { ErrorCode, MedicError } from '../../src/errors.js';
import { LatencyGuard } from '../../src/keyspace/pacing/latency-guard.js';
import { resolveThrottle } from '../../src/keyspace/pacing/throttle.js';
import { TokenBucket } from '../../src/keyspace/pacing/token-bucket.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';

const KEYS = 20_000;
const DB2_KEYS = 3_000;
const MIN = 60_000;

/** Globs of the generator, longest prefix first (a key belongs to the longest prefix it starts with). */
const PREFIXES = Object.values(describeDataset({ keys: KEYS }).patterns)
  .map((p) => ({ glob: p.pattern, prefix: p.prefix }))
  .sort((a, b) => b.prefix.length - a.prefix.length);

function globOf(name: Buffer): string {
  const text = name.toString('latin1');
  return PREFIXES.find((p) => text.startsWith(p.prefix))?.glob ?? '(other)';
}

interface Tally {
  summary: WalkSummary;
  keys: number;
  keysWithoutTtl: number;
  byGlob: Map<string, { keys: number; keysWithoutTtl: number }>;
  /** "name (hex)|type|ttl?|bytes" → how many times seen (a name can exist in two DBs). */
  digest: Map<string, number>;
  pages: number;
}

async function tally(conn: TargetConnection, opts: WalkOptions, keep = true): Promise<Tally> {
  const byGlob = new Map<string, { keys: number; keysWithoutTtl: number }>();
  const digest = new Map<string, number>();
  let keys = 0;
  let keysWithoutTtl = 0;
  let pages = 0;
  const summary = await walkKeys(conn, opts, (page) => {
    pages++;
    for (const key of page) {
      keys++;
      const noTtl = key.pttlMs === -1;
      if (noTtl) keysWithoutTtl++;
      const glob = globOf(key.name);
      const g = byGlob.get(glob) ?? { keys: 0, keysWithoutTtl: 0 };
      g.keys++;
      if (noTtl) g.keysWithoutTtl++;
      byGlob.set(glob, g);
      if (keep) {
        const entry = `${key.name.toString('hex')}|${key.type}|${noTtl ? '-' : '+'}|${key.bytes}`;
        digest.set(entry, (digest.get(entry) ?? 0) + 1);
      }
    }
  });
  return { summary, keys, keysWithoutTtl, byGlob, digest, pages };
}

function expectedByGlob(
  ...truths: DatasetGroundTruth[]
): Map<string, { keys: number; keysWithoutTtl: number }> {
  const out = new Map<string, { keys: number; keysWithoutTtl: number }>();
  for (const truth of truths) {
    for (const [glob, t] of Object.entries(truth.patterns)) {
      const g = out.get(glob) ?? { keys: 0, keysWithoutTtl: 0 };
      g.keys += t.keys;
      g.keysWithoutTtl += t.keysWithoutTtl;
      out.set(glob, g);
    }
  }
  return out;
}

function keyspaceTotal(info: string): number {
  let total = 0;
  for (const m of info.matchAll(/^db\d+:keys=(\d+)/gm)) total += Number(m[1]);
  return total;
}

const FAST: WalkOptions = { throttle: false };

describe('walkKeys on a standalone server (every DB)', () => {
  let server: LocalRedis;
  let admin: Redis;
  let conn: TargetConnection;
  let truth0: DatasetGroundTruth;
  let truth2: DatasetGroundTruth;

  beforeAll(async () => {
    server = await startLocalRedis({ args: ['--enable-debug-command', 'yes'] });
    admin = new Redis(server.port, '127.0.0.1');
    truth0 = await loadDataset(admin, { keys: KEYS });
    const db2 = new Redis({ port: server.port, host: '127.0.0.1', db: 2 });
    truth2 = await loadDataset(db2, { keys: DB2_KEYS, seed: 7 });
    db2.disconnect();
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
  }, MIN);

  afterAll(async () => {
    await conn?.close();
    admin?.disconnect();
    await server?.stop();
  });

  it(
    'counts exactly DBSIZE and INFO keyspace over db0 and db2, and the ground truth per glob',
    async () => {
      const t = await tally(conn, FAST);
      const total = KEYS + DB2_KEYS;
      expect(t.keys).toBe(total);
      expect(t.summary.scanned).toBe(total);
      expect(t.summary.dbsize).toBe(total);
      expect(keyspaceTotal(await admin.info('keyspace'))).toBe(total);
      expect([...t.digest.values()].reduce((a, b) => a + b, 0)).toBe(total);
      expect(t.keysWithoutTtl).toBe(truth0.keysWithoutTtl + truth2.keysWithoutTtl);
      expect(t.byGlob).toEqual(expectedByGlob(truth0, truth2));
      expect(t.summary.complete).toBe(true);
      expect(t.summary.stoppedBy).toBeUndefined();
      expect(t.summary.vanished).toBe(0);
      expect(t.summary.bytesUnavailable).toBe(false);
      expect(t.summary.nodes).toHaveLength(1);
      expect(t.summary.nodes[0]).toMatchObject({
        dbs: [0, 2],
        dbsize: total,
        scanned: total,
        strategy: 'script',
      });
      // Types and memory are real readings.
      expect(new Set([...t.digest.keys()].map((d) => d.split('|')[1]))).toEqual(
        new Set(['string', 'hash', 'set']),
      );
      expect([...t.digest.keys()].every((d) => Number(d.split('|')[3]) > 0)).toBe(true);
      // The connection is back on its own DB.
      expect(await conn.client.dbsize()).toBe(KEYS);
    },
    budgetMs((KEYS + DB2_KEYS) * 2),
  );

  it(
    'gives identical results through the Lua page script and the pipeline, one lane or two',
    async () => {
      const script = await tally(conn, { ...FAST, strategy: 'script' });
      const pipeline = await tally(conn, { ...FAST, strategy: 'pipeline' });
      const oneLane = await tally(conn, { ...FAST, split: false });
      const throttled = await tally(conn, { throttle: { keysPerSec: 1_000_000 }, count: 500 });
      expect(script.summary.nodes[0]?.strategy).toBe('script');
      expect(script.summary.nodes[0]?.lanes).toBe(2);
      expect(pipeline.summary.nodes[0]?.strategy).toBe('pipeline');
      expect(oneLane.summary.nodes[0]?.lanes).toBe(1);
      expect(throttled.summary.nodes[0]?.lanes).toBe(1);
      for (const other of [pipeline, oneLane, throttled]) {
        expect(other.keys).toBe(KEYS + DB2_KEYS);
        expect(other.digest).toEqual(script.digest);
      }
    },
    budgetMs((KEYS + DB2_KEYS) * 4),
  );

  it(
    'falls back to the pipeline for an ACL user without EVAL, with the same result',
    async () => {
      await admin.call('ACL', 'SETUSER', 'nolua', 'on', '>pw', '~*', '+@all', '-eval', '-evalsha', '-script');
      const limited = await connectTarget({
        name: 'nolua',
        url: `redis://nolua:pw@127.0.0.1:${server.port}`,
        mode: 'standalone',
      });
      try {
        const fallback = await tally(limited, FAST);
        const script = await tally(conn, FAST);
        expect(fallback.summary.nodes[0]?.strategy).toBe('pipeline');
        expect(fallback.keys).toBe(KEYS + DB2_KEYS);
        expect(fallback.digest).toEqual(script.digest);
        // Insisting on the script is an error, not a silent fallback.
        await expect(walkKeys(limited, { ...FAST, strategy: 'script' }, () => {})).rejects.toBeInstanceOf(
          MedicError,
        );
      } finally {
        await limited.close();
      }
    },
    budgetMs((KEYS + DB2_KEYS) * 2),
  );

  it(
    'falls back on the first page when only EVALSHA is refused, and reloads a flushed script',
    async () => {
      await admin.call('ACL', 'SETUSER', 'noevalsha', 'on', '>pw', '~*', '+@all', '-evalsha');
      const limited = await connectTarget({
        name: 'noevalsha',
        url: `redis://noevalsha:pw@127.0.0.1:${server.port}`,
        mode: 'standalone',
      });
      try {
        const fallback = await tally(limited, FAST);
        expect(fallback.summary.nodes[0]?.strategy).toBe('pipeline');
        expect(fallback.keys).toBe(KEYS + DB2_KEYS);
      } finally {
        await limited.close();
      }
      let flushed = false;
      const reloaded = await tally(conn, { ...FAST, count: 100 }, false);
      const again = await walkKeys(conn, { ...FAST, count: 100 }, async () => {
        if (!flushed) {
          flushed = true;
          await admin.script('FLUSH');
        }
      });
      expect(again.scanned).toBe(reloaded.keys);
      expect(again.nodes[0]?.strategy).toBe('script');
    },
    budgetMs((KEYS + DB2_KEYS) * 3),
  );

  it('reports null bytes when MEMORY USAGE is refused', async () => {
    await admin.call('ACL', 'SETUSER', 'nomem', 'on', '>pw', '~*', '+@all', '-memory');
    const limited = await connectTarget({
      name: 'nomem',
      url: `redis://nomem:pw@127.0.0.1:${server.port}`,
      mode: 'standalone',
    });
    try {
      const t = await tally(limited, FAST);
      expect(t.keys).toBe(KEYS + DB2_KEYS);
      expect(t.summary.bytesUnavailable).toBe(true);
      expect([...t.digest.keys()].every((d) => d.endsWith('|null'))).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('keeps going through empty MATCH pages until the cursor is back at 0', async () => {
    const needles = ['needle:1', 'needle:2', 'needle:3'];
    for (const n of needles) await admin.set(n, 'x');
    try {
      const progress: number[] = [];
      const t = await tally(conn, {
        ...FAST,
        match: 'needle:*',
        count: 10,
        progressEveryMs: 0,
        onProgress: (p) => progress.push(p.etaSec ?? -1),
      });
      expect(t.keys).toBe(3);
      expect(t.summary.complete).toBe(true);
      expect(t.summary.nodes[0]?.pages).toBeGreaterThan(1000);
      expect(progress.length).toBeGreaterThan(2);
      const rare = await tally(conn, { ...FAST, match: 'exchange:coupon:high:commodity:price:*', count: 10 });
      expect(rare.keys).toBe(
        expectedByGlob(truth0, truth2).get('exchange:coupon:high:commodity:price:*')?.keys,
      );
    } finally {
      await admin.del(...needles);
    }
  });

  it('stops after `limit` keys (a sampled census) with complete=false, spread over the DBs', async () => {
    const t = await tally(conn, { ...FAST, limit: 1_150 });
    expect(t.keys).toBe(1_150);
    expect(t.summary.scanned).toBe(1_150);
    expect(t.summary.complete).toBe(false);
    expect(t.summary.stoppedBy).toBe('limit');
    const full = await tally(conn, { ...FAST, limit: 1_000_000 });
    expect(full.summary.complete).toBe(true);
    expect(full.keys).toBe(KEYS + DB2_KEYS);
  });

  it('stops within one page when the signal aborts', async () => {
    const controller = new AbortController();
    let pages = 0;
    let afterAbort = 0;
    const summary = await walkKeys(conn, { ...FAST, signal: controller.signal }, () => {
      if (controller.signal.aborted) afterAbort++;
      if (++pages === 3) controller.abort();
    });
    expect(afterAbort).toBe(0);
    expect(summary.complete).toBe(false);
    expect(summary.stoppedBy).toBe('abort');
    expect(summary.scanned).toBeLessThan(KEYS);
    // A throttled walk aborts out of its pacing sleep at once.
    const slow = new AbortController();
    const started = performance.now();
    setTimeout(() => slow.abort(), 200);
    const paced = await walkKeys(
      conn,
      { throttle: { keysPerSec: 200, pageSize: 100 }, signal: slow.signal },
      () => {},
    );
    // At 200 keys/s the walk would take 50 s; stopping within a few means it left its sleep.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(paced.complete).toBe(false);
  });

  it('reports progress: scanned / DBSIZE, rate and ETA', async () => {
    const seen: { scanned: number; total: number; keysPerSec: number; etaSec: number | null }[] = [];
    await walkKeys(conn, { ...FAST, progressEveryMs: 0, onProgress: (p) => seen.push(p) }, () => {});
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((p) => p.total === KEYS + DB2_KEYS)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ scanned: KEYS + DB2_KEYS, etaSec: 0 });
    expect(seen.slice(1).some((p) => p.keysPerSec > 0 && p.etaSec !== null)).toBe(true);
  });

  it('paces to the keys/s budget with small pages', async () => {
    const started = performance.now();
    const t = await tally(conn, { throttle: { keysPerSec: 20_000, pageSize: 50 }, limit: 6_000 }, false);
    const elapsed = performance.now() - started;
    expect(t.keys).toBe(6_000);
    // 6000 keys at 20 000/s with a 2000-key burst: at least ~0.2 s.
    expect(elapsed).toBeGreaterThan(180);
    expect(t.summary.nodes[0]?.baselinePingMs).toBeGreaterThan(0);
    expect(t.summary.nodes[0]?.lanes).toBe(1);
  });

  it('pauses while PING is slow (a busy server)', async () => {
    const busy = new Redis(server.port, '127.0.0.1');
    let stop = false;
    let hog: Promise<void> | undefined;
    // The stalls start at the first page, i.e. after the guard measured its baseline (a stall during
    // calibration would raise the baseline and hide the slowness). 200 ms stalls back to back: a PING
    // queued behind one waits for the rest of it, far above baseline + 5 ms unless it lands in the
    // last few ms, and the walk (≥ 1 s at 4 000 keys/s) checks several times while they last.
    const startHog = () =>
      (async () => {
        const until = performance.now() + 1_500;
        while (!stop && performance.now() < until) await busy.call('DEBUG', 'SLEEP', '0.2');
      })();
    try {
      let keys = 0;
      const summary = await walkKeys(
        conn,
        { throttle: { keysPerSec: 4_000, pageSize: 50, latencyGuardMs: 5, pauseMs: 20 }, limit: 4_000 },
        (page) => {
          hog ??= startHog();
          keys += page.length;
        },
      );
      expect(keys).toBe(4_000);
      expect(summary.pauses).toBeGreaterThan(0);
      expect(summary.pausedMs).toBeGreaterThan(0);
    } finally {
      stop = true;
      await hog;
      busy.disconnect();
    }
  });
});

describe('walkKeys: binary names and keys deleted mid-scan', () => {
  let server: LocalRedis;
  let admin: Redis;
  let conn: TargetConnection;

  beforeAll(async () => {
    server = await startLocalRedis();
    admin = new Redis(server.port, '127.0.0.1');
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
  }, MIN);

  afterAll(async () => {
    await conn?.close();
    admin?.disconnect();
    await server?.stop();
  });

  it('returns binary and non-UTF-8 key names byte-exact', async () => {
    await admin.flushall();
    const names = [
      Buffer.from([0xff, 0xfe, 0x00, 0x3a, 0x80]),
      Buffer.from([0x00]),
      Buffer.from('caf\u00e9:\u{1F600}:id', 'utf8'),
      Buffer.from([0xc3, 0x28, 0x3a, 0x31]),
      Buffer.from('plain:key'),
    ];
    await admin.set(names[0] as Buffer, 'v');
    await admin.hset(names[1] as Buffer, 'f', 'v');
    await admin.sadd(names[2] as Buffer, 'm');
    await admin.set(names[3] as Buffer, 'v', 'PX', 3_600_000);
    await admin.rpush(names[4] as Buffer, 'a', 'b');
    for (const strategy of ['script', 'pipeline'] as const) {
      const got: ScannedKey[] = [];
      const summary = await walkKeys(conn, { ...FAST, strategy }, (keys) => {
        got.push(...keys.map((k) => ({ ...k, name: Buffer.from(k.name) })));
      });
      expect(summary.scanned).toBe(names.length);
      const byHex = new Map(got.map((k) => [k.name.toString('hex'), k]));
      for (const name of names) expect(byHex.get(name.toString('hex'))?.name.equals(name)).toBe(true);
      expect(byHex.get(names[0]?.toString('hex') ?? '')?.type).toBe('string');
      expect(byHex.get(names[1]?.toString('hex') ?? '')?.type).toBe('hash');
      expect(byHex.get(names[2]?.toString('hex') ?? '')?.type).toBe('set');
      expect(byHex.get(names[4]?.toString('hex') ?? '')?.type).toBe('list');
      expect(byHex.get(names[3]?.toString('hex') ?? '')?.pttlMs).toBeGreaterThan(3_000_000);
      expect(byHex.get(names[0]?.toString('hex') ?? '')?.pttlMs).toBe(-1);
    }
  });

  for (const strategy of ['script', 'pipeline'] as const) {
    it(
      `keys deleted from another connection mid-scan (${strategy}): no crash, totals consistent`,
      async () => {
        await admin.flushall();
        await loadDataset(admin, { keys: KEYS });
        const original = new Set<string>();
        let cursor = '0';
        do {
          const [next, page] = await admin.scanBuffer(cursor, 'COUNT', 1000);
          cursor = next.toString();
          for (const k of page) original.add(k.toString('latin1'));
        } while (cursor !== '0');
        expect(original.size).toBe(KEYS);

        const seen = new Set<string>();
        const deleted = new Set<string>();
        let deletes = 0;
        const summary = await walkKeys(conn, { ...FAST, strategy, count: 200 }, async (keys) => {
          for (const k of keys) seen.add(k.name.toString('latin1'));
          // Twice: delete half of what has not been seen yet (so some of it is in pages SCAN has
          // already returned but not yet read), awaiting the deletes.
          if (deletes++ < 2) {
            const victims = [...original]
              .filter((k) => !seen.has(k) && !deleted.has(k))
              .filter((_, i) => i % 2 === 0);
            for (const v of victims) deleted.add(v);
            for (let i = 0; i < victims.length; i += 1000) {
              await admin.del(...victims.slice(i, i + 1000).map((v) => Buffer.from(v, 'latin1')));
            }
          }
        });
        const deletedBeforeSeen = [...deleted].filter((k) => !seen.has(k)).length;
        expect(deleted.size).toBeGreaterThan(KEYS / 3);
        for (const k of seen) expect(original.has(k)).toBe(true);
        expect(seen.size + deletedBeforeSeen).toBe(original.size);
        expect(summary.scanned).toBeGreaterThanOrEqual(seen.size);
        expect(summary.complete).toBe(true);
        if (strategy === 'pipeline') expect(summary.vanished).toBeGreaterThan(0);
        expect(summary.dbsize).toBe(KEYS);
      },
      budgetMs(KEYS * 3),
    );
  }

  it('a server killed mid-scan is a census_interrupted error within seconds, never a hang', async () => {
    const victim = await startLocalRedis();
    const filler = new Redis(victim.port, '127.0.0.1');
    await loadDataset(filler, { keys: 5_000 });
    filler.disconnect();
    const target = await connectTarget({ name: 'victim', url: victim.url, mode: 'standalone' });
    try {
      const started = performance.now();
      let killed = false;
      const walk = walkKeys(target, { throttle: { keysPerSec: 2_000, pageSize: 50 } }, () => {
        if (!killed) {
          killed = true;
          process.kill(victim.pid, 'SIGKILL');
        }
      });
      const err = await walk.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(err).toBeInstanceOf(MedicError);
      expect((err as MedicError).code).toBe(ErrorCode.CensusInterrupted);
      expect((err as MedicError).values).toMatchObject({ target: `127.0.0.1:${victim.port}`, total: 5_000 });
      expect(Number((err as MedicError).values.scanned)).toBeGreaterThan(0);
      expect((err as MedicError).values.reason).toBe('connection_lost');
    } finally {
      await target.close();
      await victim.stop();
    }
  });

  it("hands back onPage's own error untouched, and stops both lanes", async () => {
    await admin.flushall();
    await loadDataset(admin, { keys: 5_000 });
    const boom = new Error('consumer broke');
    let calls = 0;
    await expect(
      walkKeys(conn, { ...FAST, count: 50 }, () => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    // One page from the failing lane, at most one from the other lane already under way.
    expect(calls).toBeLessThanOrEqual(2);
  });
});

describe('walkKeys on a 3-node Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;
  let conn: TargetConnection;
  let truth: DatasetGroundTruth;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3 });
    client = new Cluster(cluster.nodes);
    truth = await loadDataset(client, { keys: KEYS });
    conn = await connectTarget({ name: 'cluster', url: cluster.url, mode: 'cluster' });
  }, MIN);

  afterAll(async () => {
    await conn?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  it(
    'walks every primary: the same totals as the ground truth, with per-node counts',
    async () => {
      for (const opts of [
        FAST,
        { ...FAST, strategy: 'pipeline' as const },
        { throttle: { keysPerSec: 1e6 } },
      ]) {
        const t = await tally(conn, opts, false);
        expect(t.keys).toBe(KEYS);
        expect(t.summary.dbsize).toBe(KEYS);
        expect(t.keysWithoutTtl).toBe(truth.keysWithoutTtl);
        expect(t.byGlob).toEqual(expectedByGlob(truth));
        expect(t.summary.complete).toBe(true);
        expect(t.summary.nodes).toHaveLength(3);
        expect(t.summary.nodes.map((n) => n.strategy)).toEqual(
          Array(3).fill(opts === FAST || opts.throttle !== false ? 'script' : 'pipeline'),
        );
        const perNode = t.summary.nodes.map((n) => n.scanned);
        expect(perNode.reduce((a, b) => a + b, 0)).toBe(KEYS);
        for (const n of t.summary.nodes) {
          expect(n.dbs).toEqual([0]);
          expect(n.scanned).toBe(n.dbsize);
          expect(n.scanned).toBeGreaterThan(KEYS / 6);
        }
      }
    },
    budgetMs(KEYS * 2),
  );

  it('spreads a sample over the shards by their size', async () => {
    const t = await tally(conn, { ...FAST, limit: 3_000 }, false);
    expect(t.keys).toBe(3_000);
    expect(t.summary.complete).toBe(false);
    for (const n of t.summary.nodes) {
      expect(Math.abs(n.scanned - (3_000 * n.dbsize) / KEYS)).toBeLessThanOrEqual(1);
    }
  });
});

describe('throttle and cursor helpers', () => {
  it('completes partial throttle options from the default and rejects nonsense', () => {
    expect(resolveThrottle(undefined)).toEqual(DEFAULT_THROTTLE);
    expect(resolveThrottle(false)).toBeNull();
    expect(resolveThrottle({ keysPerSec: 500 })).toEqual({ ...DEFAULT_THROTTLE, keysPerSec: 500 });
    expect(() => resolveThrottle({ pageSize: 0 })).toThrow(RangeError);
    expect(() => resolveThrottle({ keysPerSec: Number.NaN })).toThrow(RangeError);
  });

  it('token bucket: a burst, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 200, () => now);
    expect(bucket.waitMs(200)).toBe(0);
    bucket.charge(200);
    expect(bucket.waitMs(100)).toBeCloseTo(100);
    now += 100;
    expect(bucket.waitMs(100)).toBe(0);
    bucket.charge(300);
    // In debt by 200: 100 more tokens need 300 ms.
    expect(bucket.waitMs(100)).toBeCloseTo(300);
  });

  it('latency guard: pauses while PING is above baseline + guard', async () => {
    // Slow PINGs far above the guard, fast ones far below it: timer jitter on a loaded machine
    // (tens of ms) cannot move a reading across the threshold.
    const rtts = [1, 1, 1, 1, 1, 1, 1, 400, 400, 1];
    let i = 0;
    const guard = new LatencyGuard(
      () => new Promise((resolve) => setTimeout(resolve, rtts[Math.min(i++, rtts.length - 1)])),
      { guardMs: 150, pauseMs: 5, checkEveryMs: 0 },
    );
    await guard.calibrate();
    expect(guard.baselineMs).toBeLessThan(100);
    let pauses = 0;
    await guard.check(undefined, () => pauses++);
    expect(guard.pauses).toBe(1);
    expect(pauses).toBe(2);
  });

  it('cursor fraction: reverse-binary position in the table', () => {
    expect(cursorFraction('0')).toBe(0);
    expect(cursorFraction('1')).toBe(0.5);
    expect(cursorFraction('2')).toBe(0.25);
    expect(cursorFraction('3')).toBe(0.75);
    expect(cursorFraction('garbage')).toBe(0);
  });

  it('the page script is plain Lua for EVALSHA', () => {
    expect(PAGE_SCRIPT).toContain("call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])");
  });
});
