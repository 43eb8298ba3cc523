/**
 * Dating a burst from Redis alone (no memory series, no census before it), on a real redis-server
 * holding shapes where the longest remaining TTL says nothing true about the TTL keys were set
 * with. Keys "written `age` ago with TTL `ttl`" are RESTOREd with PX = ttl − age and IDLETIME =
 * age: exactly what Redis would hold had they been written then and not read since (no sleeps).
 * (a) a burst that ended (one fixed TTL, no key of it written lately) among sessions with random
 * TTLs; (b) the runbook's burst (keys written 10 minutes ago with TTLs of 11–29 minutes); (c) the
 * mixed demo dataset, every key written during the load; (d) shape (a) under an LFU policy, where
 * Redis keeps no idle time: the hunt must say it cannot date the burst, not give a time.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { huntBurst } from '../../src/burst/hunt.js';
import type { BurstReport } from '../../src/burst/types.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { buildBurstDoc } from '../../src/presenters/burst-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SESSIONS = 3_000;
const BURST_KEYS = 3_000;
const MIXED_KEYS = 20_000;

function clusterOf(url: string): ClusterConfig {
  return {
    name: 'local',
    url,
    mode: 'standalone',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
}

/** A deterministic generator: the shapes are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('dating a burst from Redis alone', { timeout: budgetMs(20 * (MIXED_KEYS + SESSIONS)) }, () => {
  let server: LocalRedis;
  let admin: Redis;
  let conn: TargetConnection;
  let dump: Buffer;

  beforeAll(async () => {
    server = await startLocalRedis();
    admin = new Redis(server.url);
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
  });

  beforeEach(async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.flushall();
    await admin.set('template', 'x'.repeat(200));
    dump = await admin.dumpBuffer('template');
    await admin.del('template');
  });

  afterAll(async () => {
    await conn?.close();
    admin?.disconnect();
    await server?.stop();
  });

  /** Writes keys as if each had been written `ageMs` before `t0` with `ttlMs`; expired ones are skipped. */
  async function writeAged(t0: number, keys: { name: string; ageMs: number; ttlMs: number }[]) {
    const p = admin.pipeline();
    const elapsed = Date.now() - t0;
    for (const k of keys) {
      const remaining = k.ttlMs - k.ageMs - elapsed;
      if (remaining <= 1_000) continue;
      p.call('RESTORE', k.name, remaining, dump, 'IDLETIME', Math.floor((k.ageMs + elapsed) / 1000));
    }
    await p.exec();
  }

  /** Logged-in sessions: written at random times over the last 3 h, TTLs from 30 min to 1 day. */
  function sessions() {
    const r = rng(7);
    return Array.from({ length: SESSIONS }, (_, i) => ({
      name: `session:${(0x10000000 + i * 7919).toString(16)}${Math.floor(r() * 0xffffffff)
        .toString(16)
        .padStart(8, '0')}`,
      ageMs: Math.floor(r() * 3 * HOUR),
      ttlMs: 30 * MIN + Math.floor(r() * 23.5 * HOUR),
    }));
  }

  /** Shape (a): a push campaign wrote 3,000 keys with a 20 min TTL over 2 minutes, 12 minutes ago. */
  async function endedBurst(): Promise<{ truth: number; window: { from: Date; to: Date } }> {
    const t0 = Date.now();
    const truth = t0 - 12 * MIN;
    const burst = Array.from({ length: BURST_KEYS }, (_, i) => ({
      name: `campaign:push:${100000 + i}`,
      ageMs: 12 * MIN - Math.floor((i / BURST_KEYS) * 2 * MIN),
      ttlMs: 20 * MIN,
    }));
    await writeAged(t0, [...sessions(), ...burst]);
    return { truth, window: { from: new Date(truth - 15 * MIN), to: new Date() } };
  }

  const hunt = (window: { from: Date; to: Date }) =>
    huntBurst(clusterOf(server.url), window, { conn, throttle: false });
  const burstKey = Buffer.from('campaign:push:100001');
  const youngOf = (report: BurstReport, name: string | undefined) =>
    report.youngKeys?.patterns.find((p) => p.pattern === name);

  it('(a) a burst that ended is dated from its keys and ranked above random-TTL sessions', async () => {
    const { truth, window } = await endedBurst();
    const report = await hunt(window);
    expect(report.reference).toBe('redis_writes');
    const top = report.candidates[0];
    expect(top?.kind).toBe('pattern');
    expect(compileGlob(top?.name ?? '')(burstKey)).toBe(true);
    expect(Math.abs((report.redisBurstStart?.getTime() ?? 0) - truth)).toBeLessThanOrEqual(2 * MIN);
    const young = youngOf(report, top?.name);
    expect(young?.dating).toBe('fixed_ttl');
    // The TTL the keys were written with, within the idle time's one-second grain.
    expect(Math.abs((young?.typicalTtlMs ?? 0) - 20 * MIN)).toBeLessThanOrEqual(3_000);
    // The sessions' own spread of TTLs gives them no fit.
    const session = report.candidates.find((c) => c.name.startsWith('session:'));
    expect(session?.score ?? 0).toBeLessThan(0.5);
  });

  it('(b) the runbook shape: keys written 10 minutes ago with TTLs of 11–29 minutes', async () => {
    const t0 = Date.now();
    const truth = t0 - 10 * MIN;
    const r = rng(41);
    const burst = Array.from({ length: 2_000 }, (_, i) => ({
      name: `promo:cache:${200000 + i}`,
      ageMs: 10 * MIN - Math.floor((i / 2_000) * 40_000),
      ttlMs: 11 * MIN + Math.floor(r() * 18 * MIN),
    }));
    await writeAged(t0, [...sessions(), ...burst]);
    const report = await hunt({ from: new Date(truth - 20 * MIN), to: new Date() });
    const top = report.candidates[0];
    expect(compileGlob(top?.name ?? '')(Buffer.from('promo:cache:200001'))).toBe(true);
    // Idle time dates each key to the second; the start is a minute bin: within 90 s of the truth.
    expect(Math.abs((report.redisBurstStart?.getTime() ?? 0) - truth)).toBeLessThanOrEqual(90_000);
    expect(youngOf(report, top?.name)?.dating).toBe('idle');
  });

  it('(c) the mixed demo dataset: no pattern is dated before its keys were written', async () => {
    const loadStart = Date.now();
    await loadDataset(admin, { keys: MIXED_KEYS, shape: 'mixed' });
    const report = await hunt({ from: new Date(loadStart - HOUR), to: new Date() });
    const dated = (report.youngKeys?.patterns ?? []).filter((p) => p.dating !== 'lower_bound');
    expect(dated.length).toBeGreaterThan(0);
    for (const p of dated) {
      // Every key was written during the load: a write time before it is wrong (minute bins).
      if (p.burstStart)
        expect({ pattern: p.pattern, at: p.burstStart.getTime() >= loadStart - 2 * MIN }).toEqual({
          pattern: p.pattern,
          at: true,
        });
    }
    if (report.redisBurstStart)
      expect(report.redisBurstStart.getTime()).toBeGreaterThanOrEqual(loadStart - 2 * MIN);
  });

  it('(d) under LFU (no idle time) the hunt says it cannot date the burst instead of a time', async () => {
    const { window } = await endedBurst();
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    const report = await hunt(window);
    expect(report.redisBurstStart).toBeUndefined();
    for (const c of report.candidates.filter((x) => x.kind === 'pattern')) expect(c.score).toBe(0);
    expect(report.youngKeys?.idleTime).toBe(false);
    const campaign = report.youngKeys?.patterns.find((p) => compileGlob(p.pattern)(burstKey));
    expect(campaign?.dating).toBe('lower_bound');
    const t = createI18n({ strict: true }).plain('en');
    const text = docToMrkdwn(buildBurstDoc(report, { t, lang: 'en' }));
    expect(text).toContain(t('burst:window.redis_undated', {}));
  });
});
