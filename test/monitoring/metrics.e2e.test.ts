/**
 * The bot's /metrics and /readyz, on the real bot: after a census run through `/redis-keys` (the
 * queued census job), a scrape shows one gauge per pattern with the dataset's numbers (keys and keys
 * without TTL from the generator's ground truth, bytes as the stored census measured them), the jobs
 * by queue and state, and nothing that is not the bot's. /readyz answers 200 while the queue Redis
 * answers PING and 503 once it is gone, while /metrics still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { BOT_METRICS } from '../../src/monitoring/metrics/names.js';
import { blocksOf, type MedicHarness, startMedicHarness, textOf } from '../support/medic-harness.js';
import { waitFor } from '../support/wait-for.js';
import { parseExposition, type Sample } from './exposition.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({ keys: 3_000 });
});

let restarted: LocalRedis | undefined;

afterAll(async () => {
  await h?.stop();
  await restarted?.stop();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${h.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseExposition(await res.text());
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics', () => {
  it('after a census shows each pattern with the census numbers', async () => {
    const before = await scrape();
    expect(before.filter((s) => s.name === BOT_METRICS.censusPatternKeys)).toEqual([]);

    const { mark } = await h.slash('market', { command: '/redis-keys', channel: 'C0KEYS' });
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && textOf(blocksOf(c)).includes('Key census of market'),
      60_000,
    );
    const [stored] = await h.server.services.snapshots.list('market', 1);
    const census = stored ? await h.server.services.snapshots.get('market', stored.id) : undefined;
    if (!census) throw new Error('no stored census');

    const after = await scrape();
    // Fewer patterns than the bound: every one has its own series, none is folded into `other`.
    expect(census.patterns.length).toBeGreaterThan(5);
    expect(census.patterns.length).toBeLessThan(50);
    for (const p of census.patterns) {
      const labels = { cluster: 'market', pattern: p.pattern };
      expect(value(after, BOT_METRICS.censusPatternKeys, labels), p.pattern).toBe(p.keys);
      expect(value(after, BOT_METRICS.censusPatternKeysWithoutTtl, labels), p.pattern).toBe(p.keysWithoutTtl);
      expect(value(after, BOT_METRICS.censusPatternBytes, labels), p.pattern).toBe(p.bytes);
    }
    const series = (name: string) => after.filter((s) => s.name === name && s.labels.cluster === 'market');
    const sum = (name: string) => series(name).reduce((total, s) => total + s.value, 0);
    expect(series(BOT_METRICS.censusPatternKeys)).toHaveLength(census.patterns.length);
    // The dataset's ground truth: a full census counts every key, and every key without TTL.
    expect(sum(BOT_METRICS.censusPatternKeys)).toBe(h.truth.totalKeys);
    expect(sum(BOT_METRICS.censusPatternKeysWithoutTtl)).toBe(h.truth.keysWithoutTtl);
    expect(value(after, BOT_METRICS.censusTimestamp, { cluster: 'market' })).toBe(
      Date.parse(census.finishedAt) / 1000,
    );
    // Jobs by queue and state: the census job ends as completed (it posts its table just before).
    const jobs = (samples: Sample[], queue: string, state: string) =>
      value(samples, BOT_METRICS.jobs, { queue, state });
    const settled = await waitFor(
      'the census job to be counted as completed',
      async () => {
        const samples = await scrape();
        return (jobs(samples, 'census', 'completed') ?? 0) >= 1 && samples;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(jobs(settled, 'census', 'active')).toBe(0);
    for (const queue of ['watch', 'ttl-run']) expect(jobs(settled, queue, 'waiting'), queue).toBe(0);
  });
});

describe('/readyz', () => {
  it('answers 200 while the queue Redis answers PING, 503 while it is gone, 200 once it is back', async () => {
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    await h.queue.stop();
    await waitFor('/readyz to answer 503', async () => (await fetch(`${h.baseUrl}/readyz`)).status === 503, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    // Liveness is the process, not the queue: a probe on /healthz must not restart every replica
    // during a queue Redis outage (restarting does not bring the queue back). It says the queue is down.
    const health = await fetch(`${h.baseUrl}/healthz`, { signal: AbortSignal.timeout(15_000) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, queue: 'down' });
    // A scrape during the outage still answers (the bot's own counters are what one wants then):
    // the job counts it cannot read are left out instead of holding the scrape until Redis is back.
    const during = await fetch(`${h.baseUrl}/metrics`, { signal: AbortSignal.timeout(15_000) });
    expect(during.status).toBe(200);
    expect(await during.text()).toContain(`# TYPE ${BOT_METRICS.slackApiErrors} counter`);
    // Back on the same port (so the bot's connections find it and the harness can stop cleanly).
    restarted = await startLocalRedis({ port: h.queue.port, maxmemoryPolicy: 'noeviction' });
    await waitFor(
      '/readyz to answer 200 again',
      async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200,
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
  });
});
