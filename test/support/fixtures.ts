/**
 * The local-Redis fixture every test file against one standalone redis-server shares: import `test`
 * (or `it`) from here instead of vitest and ask for what the test needs.
 *
 * - `localRedis`: a private redis-server on a free loopback port (src/demo/local-redis), started
 *   when the first test of the file asks for it and stopped when the file ends.
 * - `admin`: a plain ioredis client to it, for seeding data and for reading the truth back from
 *   Redis itself (never through the code under test).
 * - `target`: the product's own connection to it (a standalone target named `local`).
 * - `queueRedis`: a second redis-server for the job queue, `noeviction` as BullMQ requires.
 *
 * All three are file-scoped: one server per file, as the files' own `beforeAll` set-ups had, so
 * test files still run in parallel on their own ports. Suite hooks get them too
 * (`test.beforeAll(async ({ admin }) => …)`).
 */
import { Redis } from 'ioredis';
import { test as base } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';

export const test = base
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  .extend('localRedis', { scope: 'file' }, async ({}, { onCleanup }): Promise<LocalRedis> => {
    const server = await startLocalRedis();
    onCleanup(() => server.stop());
    return server;
  })
  .extend('admin', { scope: 'file' }, async ({ localRedis }, { onCleanup }): Promise<Redis> => {
    const admin = new Redis(localRedis.port, localRedis.host);
    onCleanup(() => {
      admin.disconnect();
    });
    return admin;
  })
  .extend('target', { scope: 'file' }, async ({ localRedis }, { onCleanup }): Promise<TargetConnection> => {
    const conn = await connectTarget({ name: 'local', url: localRedis.url, mode: 'standalone' });
    onCleanup(() => conn.close());
    return conn;
  })
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  .extend('queueRedis', { scope: 'file' }, async ({}, { onCleanup }): Promise<LocalRedis> => {
    const server = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
    onCleanup(() => server.stop());
    return server;
  });

export const it = test;
