/**
 * How the hunt names a source that has nothing to give, on a real (empty) redis-server: a memory
 * curve that is simply not configured is not a failure, and a census with no snapshot before the
 * window is not "nothing in the window".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotReader } from '../../src/burst/census-evidence.js';
import { huntBurst } from '../../src/burst/hunt.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { buildBurstDoc } from '../../src/presenters/burst-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';

const NOW = new Date('2026-02-12T14:30:00Z');
const WINDOW = { from: new Date('2026-02-12T13:30:00Z'), to: NOW };
const noSnapshots: SnapshotReader = { list: async () => [], get: async () => undefined };

describe('burst hunt: how empty sources are named', () => {
  let server: LocalRedis;
  let conn: TargetConnection;
  let cluster: ClusterConfig;
  beforeAll(async () => {
    server = await startLocalRedis();
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
    cluster = {
      name: 'local',
      url: server.url,
      mode: 'standalone',
      thresholds: { warning: 60, critical: 70, emergency: 85 },
      approvers: { users: [], groups: [] },
    };
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });
  const hunt = (trend?: Parameters<typeof huntBurst>[2]['trend']) =>
    huntBurst(cluster, WINDOW, {
      conn,
      snapshots: noSnapshots,
      now: () => NOW,
      throttle: false,
      ...(trend ? { trend } : {}),
    });
  const text = async (trend?: Parameters<typeof huntBurst>[2]['trend']) => {
    const report = await hunt(trend);
    return {
      report,
      text: docToMrkdwn(buildBurstDoc(report, { t: createI18n({ strict: true }).plain('en'), lang: 'en' })),
    };
  };

  it('no AWS and no history: the memory curve is not configured, not failed', async () => {
    for (const trend of [
      undefined,
      async () => ({ ok: false as const, notes: [{ key: 'notes.aws_not_configured' }] }),
    ]) {
      const { report, text: words } = await text(trend);
      expect(report.sources.find((s) => s.source === 'memory')?.state).toBe('not_configured');
      expect(words).toContain('Memory curve: not configured');
      expect(words).not.toContain('Memory curve: failed');
    }
  });

  it('a history too short for the window is empty; an unreadable one failed', async () => {
    const short = await hunt(async () => ({
      ok: false as const,
      notes: [{ key: 'notes.aws_not_configured' }, { key: 'notes.history_too_short', values: { count: 2 } }],
    }));
    expect(short.sources.find((s) => s.source === 'memory')?.state).toBe('empty');
    const unreadable = await hunt(async () => ({
      ok: false as const,
      notes: [{ key: 'notes.aws_not_configured' }, { key: 'notes.history_unavailable' }],
    }));
    expect(unreadable.sources.find((s) => s.source === 'memory')?.state).toBe('failed');
  });

  it('a trend that throws is a failure', async () => {
    const { report } = await text(async () => {
      throw new Error('boom');
    });
    expect(report.sources.find((s) => s.source === 'memory')?.state).toBe('failed');
  });

  it('no snapshot before the window: the census says so, not "nothing in the window"', async () => {
    const { report, text: words } = await text();
    expect(report.sources.find((s) => s.source === 'census')?.state).toBe('no_snapshot');
    const line = words.split('\n').find((l) => l.includes('Census diff:')) ?? '';
    expect(line).toContain('no snapshot before the window');
    expect(line).not.toContain('nothing in the window');
  });
});
