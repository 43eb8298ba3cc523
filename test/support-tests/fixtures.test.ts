/**
 * The shared local-Redis fixtures: the admin client and the product's connection reach the same
 * private server, and the queue server refuses to evict (what BullMQ needs), as Redis itself reports.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { it } from '../support/fixtures.js';

describe('local-Redis fixtures', () => {
  it('admin and target talk to the one server of the file, on loopback', async ({
    localRedis,
    admin,
    target,
  }) => {
    expect(localRedis.host).toBe('127.0.0.1');
    await admin.set('fixture:probe', 'seen');
    const [primary] = target.primaries();
    expect(await primary?.get('fixture:probe')).toBe('seen');
    expect(await admin.dbsize()).toBe(1);
  });

  it('the same server for every test of the file', async ({ admin }) => {
    expect(await admin.get('fixture:probe')).toBe('seen');
  });

  it('the queue server is another process, with maxmemory-policy noeviction', async ({
    localRedis,
    queueRedis,
  }) => {
    expect(queueRedis.port).not.toBe(localRedis.port);
    const queue = new Redis(queueRedis.port, queueRedis.host);
    try {
      expect(await queue.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      queue.disconnect();
    }
  });
});
