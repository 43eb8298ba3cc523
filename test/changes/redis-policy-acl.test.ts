/**
 * A self-hosted Redis whose ACL lets the bot's user run CONFIG GET but not CONFIG SET: the policy
 * change would fail only after approval. Planning asks Redis itself (ACL DRYRUN, Redis 7) and
 * refuses before anyone is asked; a user allowed both still gets a plan.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { makePlan } from '../../src/changes/planner.js';
import { redisPolicyAccess } from '../../src/changes/redis-policy.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { test } from '../support/fixtures.js';

const noAws = async () => {
  throw new Error('no AWS here');
};

function plan(url: string) {
  const target: ClusterConfig = {
    name: 'carts',
    url,
    mode: 'standalone',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
  return makePlan(
    {
      facts: noAws,
      groupUsers: noAws,
      redisPolicy: redisPolicyAccess({ connectTimeoutMs: 2_000 }),
      maxmemoryOf: () => undefined,
    },
    { cluster: target, channel: 'C1', requester: 'U1', value: 'allkeys-lfu', kind: 'policy' },
  );
}

describe('an ACL that allows CONFIG GET but not CONFIG SET', () => {
  test('is refused at planning; a user allowed CONFIG SET gets a plan', async ({ admin, localRedis }) => {
    await admin.config('SET', 'maxmemory-policy', 'volatile-lfu');
    await admin.call('ACL', 'SETUSER', 'reader', 'on', '>pw-reader', '~*', '+@all', '-config|set');
    await admin.call('ACL', 'SETUSER', 'writer', 'on', '>pw-writer', '~*', '+@all');
    // Truth from Redis: the reader may GET but not SET.
    const reader = new Redis({
      port: localRedis.port,
      host: localRedis.host,
      username: 'reader',
      password: 'pw-reader',
    });
    try {
      await expect(reader.config('GET', 'maxmemory-policy')).resolves.toBeDefined();
      await expect(reader.config('SET', 'maxmemory-policy', 'allkeys-lfu')).rejects.toThrow(/NOPERM/);
    } finally {
      reader.disconnect();
    }

    const denied = await plan(`redis://reader:pw-reader@${localRedis.host}:${localRedis.port}`);
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.refusal.reason).toBe('config_disabled');

    const allowed = await plan(`redis://writer:pw-writer@${localRedis.host}:${localRedis.port}`);
    expect(allowed.ok).toBe(true);
    // Planning wrote nothing.
    expect(((await admin.config('GET', 'maxmemory-policy')) as string[])[1]).toBe('volatile-lfu');
  });
});
