/**
 * A self-hosted server is named by its engine: Valkey reports `valkey_version` in INFO server
 * (besides a `redis_version` kept for client compatibility), and its report says "Self-hosted
 * Valkey", not "Self-hosted Redis".
 */
import { describe, expect } from 'vitest';
import { adviseCapacity, engineOfInfo } from '../../src/capacity/advise.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { capacityDoc } from '../../src/presenters/capacity-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { test } from '../support/fixtures.js';

const cluster: ClusterConfig = {
  name: 'local',
  url: 'redis://127.0.0.1:1',
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
};

// INFO server of Valkey 8.0 (its documented fields): both versions are present.
const VALKEY_INFO =
  '# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_mode:standalone\r\n';

describe('the self-hosted engine', () => {
  test('Redis is named Redis; Valkey (valkey_version in INFO) is named Valkey; the projection row is "This server"', async ({
    target,
    admin,
  }) => {
    expect(await admin.info('server')).not.toContain('valkey_version');
    expect(engineOfInfo(await admin.info('server'))).toBe('redis');
    expect(engineOfInfo(VALKEY_INFO)).toBe('valkey');

    const report = await adviseCapacity(
      { conn: target, catalog: loadNodeCatalog(), dryRunOf: async () => ({ toChange: 0, bytesToFree: 0 }) },
      { cluster, rules: [], now: new Date('2026-02-12T14:35:00Z'), throttle: false },
    );
    expect(report.redis.engine).toBe('redis');
    const t = createI18n({ strict: true }).slack('en');
    const redisText = docToMrkdwn(capacityDoc(report, { t, lang: 'en' }));
    expect(redisText).toContain('Self-hosted Redis:');
    // No node type on a self-hosted server: its projection row is the server, not "current (current)".
    expect(redisText).not.toContain('current (current)');
    expect(redisText).toContain('This server (current)');
    const valkey = { ...report, redis: { ...report.redis, engine: 'valkey' as const } };
    const text = docToMrkdwn(capacityDoc(valkey, { t, lang: 'en' }));
    expect(text).toContain('Self-hosted Valkey:');
    expect(text).not.toContain('Self-hosted Redis');
  });
});
