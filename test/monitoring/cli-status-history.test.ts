/**
 * `redis-medic status --cluster` for a target without AWS reads the trend from the bot's history on
 * the queue Redis named in the config, and says so: the JSON's trend source, the heading and the
 * note of the table. The history is written by the sampler from the real target's INFO.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { runSampleTick } from '../../src/monitoring/monitor-tick.js';
import { silentLogger } from '../../src/observability/logger.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

describe('redis-medic status --cluster, no AWS', () => {
  test('shows the trend from the bot’s own samples and names the source', async ({
    localRedis,
    admin,
    queueRedis,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-cli-history-'));
    const config = join(dir, 'medic.yml');
    writeFileSync(
      config,
      `queue:\n  url: ${queueRedis.url}\n  prefix: clihist\nclusters:\n  - name: shop\n    url: ${localRedis.url}\n`,
    );
    await admin.set('k', 'v');
    const queue = new Redis(queueRedis.url);
    try {
      const shop = {
        name: 'shop',
        url: localRedis.url,
        mode: 'standalone' as const,
        thresholds: { warning: 60, critical: 70, emergency: 85 },
      };
      const deps = {
        clusters: () => [shop],
        history: new HistoryStore(queue, { prefix: 'clihist' }),
        alerts: new AlertStateStore(queue, 'clihist'),
        reporter: { alert: async () => {} },
        policy: () => ({ thresholds: shop.thresholds, hysteresisPct: 2, minDurationMs: 0, evictions: false }),
        logger: silentLogger(),
      };
      const used = Number(parseInfo(await admin.info('memory')).memory?.used_memory);
      const now = Date.now();
      for (let i = 0; i < 6; i++) {
        await admin.config('SET', 'maxmemory', String(Math.round(used / ((40 + i) / 100))));
        await runSampleTick(deps, now - (5 - i) * 60_000);
      }
      const json = await runCli(['status', '--config', config, '--cluster', 'shop', '--json']);
      expect(json.code, json.stderr).toBe(0);
      const report = JSON.parse(json.stdout) as {
        trend: { source: string; points: unknown[] } | null;
        notes: { key: string }[];
      };
      expect(report.trend?.source).toBe('history');
      expect(report.trend?.points).toHaveLength(6);
      expect(report.notes.map((n) => n.key)).toContain('notes.trend_history');

      const table = await runCli(['status', '--config', config, '--cluster', 'shop']);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toContain("redis-medic's own INFO samples of shop");
    } finally {
      queue.disconnect();
    }
  }, 120_000);
});
