/**
 * A self-hosted Redis with `maxmemory 0` (no limit, the redis.conf default): Redis grows until the
 * host runs out of memory, so the sizing measures against the host's memory (INFO
 * total_system_memory) and says so, instead of a 0-byte limit "reached today" at "0.0 %".
 */
import { describe, expect } from 'vitest';
import { adviseCapacity } from '../../src/capacity/advise.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import type { ClusterConfig } from '../../src/config/types.js';
import type { TargetConnection } from '../../src/redis/connect.js';
import { test } from '../support/fixtures.js';

const cluster: ClusterConfig = {
  name: 'local',
  url: 'redis://127.0.0.1:1',
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
};

const infoField = (info: string, field: string) =>
  Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1]);

describe('capacity advice without a maxmemory', () => {
  let conn: TargetConnection;
  let hostBytes: number;

  test.beforeAll(async ({ admin, target }) => {
    await admin.config('SET', 'maxmemory', '0');
    for (let i = 0; i < 100; i++) await admin.set(`k:${i}`, 'v'.repeat(100));
    hostBytes = infoField(await admin.info('memory'), 'total_system_memory');
    conn = target;
  });

  test('sizes against the host memory, never "full today", and names the missing limit', async () => {
    expect(hostBytes).toBeGreaterThan(0);
    const report = await adviseCapacity(
      { conn, catalog: loadNodeCatalog(), dryRunOf: async () => ({ toChange: 0, bytesToFree: 0 }) },
      { cluster, rules: [], now: new Date('2026-02-12T14:35:00Z'), throttle: false },
    );
    const current = report.sizing.projections[0];
    expect(current?.maxmemoryBytes).toBe(hostBytes);
    expect(current?.fullOnDay).toBeUndefined();
    expect(current?.maxPeakPct).toBeGreaterThan(0);
    expect(report.unknowns).toContain('maxmemory_unset');
  });
});
