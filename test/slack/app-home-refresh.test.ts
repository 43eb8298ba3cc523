/**
 * App Home keeps an open tab current when a watched value changes: a new sample in the shared
 * history (a real redis-server, written the way any replica's monitoring tick writes it) that moves
 * a cluster's memory % republishes the tab with the new figure; a sample that changes nothing does
 * not; and a burst of changes republishes at a bounded rate, not once per sample.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { MedicConfig } from '../../src/config/types.js';
import { findRedisServerBinary, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';
import { silentLogger } from '../../src/observability/logger.js';
import { registerAppHome } from '../../src/slack/app-home/register.js';
import type { MedicApp } from '../../src/slack/listeners/types.js';
import type { SlackServices } from '../../src/slack/services.js';
import { textOf } from '../support/medic-harness.js';
import { waitFor } from '../support/wait-for.js';

const REFRESH_MS = 300;
const CHECK_MS = 40;

let queue: LocalRedis;
let redis: Redis;
let history: HistoryStore;
let config: MedicConfig;

function sample(at: number, memoryPct: number): MonitoringSample {
  return {
    at,
    usedMemory: memoryPct * 10_000,
    maxmemory: 1_000_000,
    memoryPct,
    keys: 100,
    keysWithTtl: 10,
    evicted: 0,
    expired: 0,
    opsPerSec: 1,
    fragmentation: 1,
    clients: 1,
    nodes: 1,
  };
}

beforeAll(async () => {
  queue = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  redis = new Redis(queue.url);
  const parsed = parseConfig(
    `queue:\n  url: ${queue.url}\nclusters:\n  - name: market\n    url: redis://127.0.0.1:1\n`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  config = parsed.config;
  history = new HistoryStore(redis, { prefix: config.queue.prefix });
}, 30_000);

afterAll(async () => {
  redis?.disconnect();
  await queue?.stop();
});

describe.skipIf(!findRedisServerBinary())('App Home refresh on a new sample', () => {
  it('republishes an open tab when memory % moves, not when it stays, at a bounded rate', async () => {
    const now = Date.now();
    await history.add('market', sample(now - 60_000, 50));
    const published: { user_id: string; view: { blocks: unknown[] } }[] = [];
    let onOpen: ((args: { event: unknown; context: { lang: 'en' } }) => Promise<void>) | undefined;
    let reads = 0;
    const app = {
      event: (_name: string, fn: typeof onOpen) => {
        onOpen = fn;
      },
      client: {
        views: {
          publish: async (args: { user_id: string; view: { blocks: unknown[] } }) => {
            published.push(args);
            return { ok: true };
          },
        },
      },
    } as unknown as MedicApp;
    const services = {
      config,
      i18n: createI18n(),
      logger: silentLogger(),
      history: {
        range: (cluster: string, from: number, to: number) => {
          reads++;
          return history.range(cluster, from, to);
        },
      },
    } as unknown as SlackServices;
    registerAppHome(app, services, {
      groupMembers: async () => [],
      refreshEveryMs: REFRESH_MS,
      sampleCheckMs: CHECK_MS,
    });

    await onOpen?.({
      event: { type: 'app_home_opened', user: 'UVIEW', tab: 'home' },
      context: { lang: 'en' },
    });
    expect(published).toHaveLength(1);
    expect(textOf(published[0]?.view.blocks ?? [])).toContain('*market* · memory 50.0%');
    // The first looks take the newest sample as what the tab shows.
    await waitFor('the baseline read', () => reads >= 3 || undefined, 5_000);

    // Same figure again: looked at, nothing republished.
    await history.add('market', sample(Date.now() - 1_000, 50));
    const seen = reads;
    await waitFor('more looks at the history', () => reads >= seen + 5 || undefined, 5_000);
    expect(published).toHaveLength(1);

    // The figure moves: the tab is republished with it.
    await history.add('market', sample(Date.now(), 63.4));
    const second = await waitFor('a republish', () => published[1], 10_000);
    expect(second.user_id).toBe('UVIEW');
    expect(textOf(second.view.blocks)).toContain('*market* · memory 63.4%');

    // A burst: a new figure at every look for a while. Republishes stay within one per REFRESH_MS.
    const start = Date.now();
    const before = published.length;
    let pct = 64;
    while (Date.now() - start < 4 * REFRESH_MS) {
      pct += 0.5;
      await history.add('market', sample(Date.now(), pct));
      const r = reads;
      await waitFor('a look at the new sample', () => reads > r || undefined, 5_000);
    }
    const elapsed = Date.now() - start;
    await waitFor(
      'the last change published',
      () => textOf(published.at(-1)?.view.blocks ?? []).includes(`memory ${pct.toFixed(1)}%`) || undefined,
      10_000,
    );
    const during = published.length - before;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(Math.ceil((Date.now() - start) / REFRESH_MS) + 1);
    expect(during).toBeLessThan(Math.floor(elapsed / CHECK_MS));
  }, 60_000);
});
