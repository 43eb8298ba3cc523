/**
 * A target URL naming a DB scopes the walk to it, but eviction and maxmemory act on the whole
 * server: keys without TTL in the other DBs still make `volatile-*` refuse writes. The advice must
 * count them (from Redis's own per-DB counts) and say which DB its per-pattern figures cover.
 */
import { describe, expect } from 'vitest';
import { advisePolicy } from '../../src/capacity/advise.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { policyDoc } from '../../src/presenters/policy-view.js';
import { connectTarget } from '../../src/redis/connect.js';
import { test } from '../support/fixtures.js';

const DB0_NO_TTL = 2_000;
const DB0_WITH_TTL = 300;
const DB3_WITH_TTL = 50;

describe('policy advice on a DB-scoped target', () => {
  test("counts the other DBs' keys without TTL in the trap and names the walked DB", async ({
    admin,
    localRedis,
  }) => {
    await admin.config('SET', 'maxmemory-policy', 'volatile-lfu');
    await admin.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    const pipe = admin.pipeline();
    pipe.select(0);
    for (let i = 0; i < DB0_NO_TTL; i++) pipe.set(`user:${i}`, 'v');
    for (let i = 0; i < DB0_WITH_TTL; i++) pipe.set(`session:${i}`, 'v', 'EX', 3600);
    pipe.select(3);
    for (let i = 0; i < DB3_WITH_TTL; i++) pipe.set(`cache:${i}`, 'v', 'EX', 3600);
    await pipe.exec();
    await admin.select(0);
    // Truth from Redis itself: DB 0's keys and the ones lacking a TTL there.
    expect(await admin.dbsize()).toBe(DB0_NO_TTL + DB0_WITH_TTL);

    const url = `redis://${localRedis.host}:${localRedis.port}/3`;
    const cluster: ClusterConfig = {
      name: 'local',
      url,
      mode: 'standalone',
      thresholds: { warning: 60, critical: 70, emergency: 85 },
      approvers: { users: [], groups: [] },
    };
    const conn = await connectTarget({ name: 'local', url, mode: 'standalone' });
    try {
      const advice = await advisePolicy(
        { conn, catalog: loadNodeCatalog(), dryRunOf: async () => ({ toChange: 0, bytesToFree: 0 }) },
        { cluster, rules: [], now: new Date('2026-02-12T14:35:00Z'), throttle: false },
      );
      // DB 3 alone: every key has a TTL. The server: DB 0's keys without TTL can never be evicted.
      expect(advice.allkeys.keys).toBe(DB3_WITH_TTL);
      expect(advice.volatileTrap?.keysWithoutTtl).toBe(DB0_NO_TTL);
      expect(advice.recommendation.kind).not.toBe('keep_all_have_ttl');

      const t = createI18n({ strict: true }).slack('en');
      const text = docToMrkdwn(policyDoc(advice, 'local', { t, lang: 'en' }));
      expect(text).not.toContain('every key has a TTL');
      expect(text).toContain('DB 3');
      expect(text).toContain(`${(DB0_NO_TTL + DB0_WITH_TTL).toLocaleString('en-US')} keys`);
      expect(text).toContain(`${DB0_NO_TTL.toLocaleString('en-US')} without TTL`);
    } finally {
      await conn.close();
    }
  });
});
