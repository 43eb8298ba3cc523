/**
 * Every process's /metrics shows the newest stored sample of each cluster, whichever replica took
 * it: the refresher reads the shared history on the queue Redis (a real redis-server) on its own
 * node-cron schedule. Truth: the samples the test wrote, read back from the scrape text.
 */
import { describe, expect } from 'vitest';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { MedicMetrics } from '../../src/monitoring/metrics/registry.js';
import { startSampleGaugeRefresh } from '../../src/monitoring/metrics/sample-gauges.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const sample = (at: number, usedMemory: number, keys: number): MonitoringSample => ({
  at,
  usedMemory,
  maxmemory: 1_000_000_000,
  memoryPct: (usedMemory / 1_000_000_000) * 100,
  keys,
  keysWithTtl: keys - 40,
  evicted: 7,
  expired: 11,
  opsPerSec: 123,
  fragmentation: null,
  clients: 9,
  nodes: 1,
});

/** The value of `name{cluster="…"}` in a Prometheus text scrape, or undefined. */
function gauge(scrape: string, name: string, cluster: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`cluster="${cluster}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('sample gauges from the shared history', () => {
  test('show each cluster’s newest stored sample, and follow a sample another replica adds', async ({
    admin,
  }) => {
    const history = new HistoryStore(admin, { prefix: 'sg', retentionDays: 1 });
    const now = Date.now();
    await history.add('market', sample(now - 120_000, 600_000_000, 1_000));
    await history.add('market', sample(now - 60_000, 650_000_000, 1_200));
    const metrics = new MedicMetrics();
    const errors: unknown[] = [];
    // Every second, so the test sees a scheduled refresh and not only the first one.
    const refresher = startSampleGaugeRefresh(
      ['market', 'empty'],
      history,
      metrics,
      (e) => errors.push(e),
      '* * * * * *',
    );
    try {
      await waitFor(
        'the newest stored sample on /metrics',
        async () => gauge(await metrics.metrics(), 'redis_medic_memory_used_bytes', 'market') === 650_000_000,
        budgetMs(0),
      );
      const first = await metrics.metrics();
      expect(gauge(first, 'redis_medic_keys', 'market')).toBe(1_200);
      expect(gauge(first, 'redis_medic_keys_without_ttl', 'market')).toBe(40);
      // a cluster with no sample yet has no series rather than a made-up zero
      expect(gauge(first, 'redis_medic_memory_used_bytes', 'empty')).toBeUndefined();
      // another replica's tick lands in the history: this process shows it within a refresh or two
      await history.add('market', sample(now, 700_000_000, 1_500));
      await waitFor(
        'a sample added later on /metrics',
        async () => gauge(await metrics.metrics(), 'redis_medic_memory_used_bytes', 'market') === 700_000_000,
        budgetMs(0),
      );
      expect(errors).toEqual([]);
    } finally {
      await refresher.stop();
    }
  });
});
