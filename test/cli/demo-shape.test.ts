/**
 * `demo --shape mixed` loads the mixed keyspace (public libraries' key families) instead of the
 * runbook's. The demo stops its private server when it ends, so here its server's stop is held
 * until the test has asked Redis itself (SCAN MATCH per family glob, DBSIZE) what was written.
 */
import type { Redis as RedisClient } from 'ioredis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { describeDataset } from '../../src/demo/dataset.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { budgetMs } from '../support/budget.js';

const held: LocalRedis[] = [];

vi.mock('../../src/demo/local-redis.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/demo/local-redis.js')>();
  return {
    ...real,
    startLocalRedis: async (...args: Parameters<typeof real.startLocalRedis>) => {
      const server = await real.startLocalRedis(...args);
      held.push(server);
      // The demo's own stop is a no-op; the test stops the server in afterEach.
      return { ...server, stop: async () => {} };
    },
  };
});

afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => s.stop()));
});

// Above the mixed shape's minimum (one key per family plus its fixed-size families).
const KEYS = 5_000;

async function countMatch(redis: RedisClient, glob: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, names] = await redis.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
    cursor = next;
    n += names.length;
  } while (cursor !== '0');
  return n;
}

async function runDemo(extra: string[]): Promise<{ code: number; stderr: string; redis: RedisClient }> {
  let stderr = '';
  const sink = {
    out: () => {},
    err: (text: string) => {
      stderr += text;
    },
  };
  const code = await main(
    ['node', 'redis-medic', 'demo', '--json', '--keys', String(KEYS), ...extra],
    {},
    sink,
  );
  const server = held.at(-1);
  if (!server) throw new Error('the demo started no server');
  return { code, stderr, redis: new Redis(server.url) };
}

function expectedKeys(shape: 'runbook' | 'mixed', pattern: string): number {
  const spec = Object.values(describeDataset({ keys: KEYS, shape }).patterns).find(
    (p) => p.pattern === pattern,
  );
  if (!spec) throw new Error(`no ${pattern} in the ${shape} dataset`);
  return spec.keys;
}

async function refused(extra: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(
    ['node', 'redis-medic', 'demo', ...extra],
    {},
    {
      out: () => {},
      err: (text) => {
        err += text;
      },
    },
  );
  return { code, err };
}

describe('demo --shape', () => {
  it(
    'mixed loads the mixed families (and none of the runbook patterns); the default loads the runbook one',
    async () => {
      const mixed = await runDemo(['--shape', 'mixed']);
      try {
        expect(mixed.code, mixed.stderr).toBe(0);
        expect(await mixed.redis.dbsize()).toBe(KEYS);
        const celery = await countMatch(mixed.redis, 'celery-task-meta-*');
        const sessions = await countMatch(mixed.redis, 'sess:*');
        expect(celery).toBeGreaterThan(0);
        expect(sessions).toBeGreaterThan(0);
        expect(celery).toBe(expectedKeys('mixed', 'celery-task-meta-<uuid>'));
        expect(sessions).toBe(expectedKeys('mixed', 'sess:<id>'));
        expect(await countMatch(mixed.redis, 'contact:last:activity:*')).toBe(0);
      } finally {
        mixed.redis.disconnect();
      }

      const runbook = await runDemo([]);
      try {
        expect(runbook.code, runbook.stderr).toBe(0);
        expect(await countMatch(runbook.redis, 'contact:last:activity:*')).toBe(
          expectedKeys('runbook', 'contact:last:activity:*'),
        );
        expect(await countMatch(runbook.redis, 'celery-task-meta-*')).toBe(0);
      } finally {
        runbook.redis.disconnect();
      }
    },
    budgetMs(KEYS * 2 * 3) + 60_000,
  );

  it('an unknown shape is a usage error that names the choices', async () => {
    const { code, err } = await refused(['--shape', 'bogus']);
    expect(code).toBe(1);
    expect(err).toContain("'bogus'");
    expect(err).toContain('mixed');
    expect(held).toHaveLength(0);
  });

  it('too few keys for the shape is a clear usage error, in English and Chinese, and starts nothing', async () => {
    // Fewer keys than the mixed shape has families: describeDataset itself refuses them.
    expect(() => describeDataset({ keys: 100, shape: 'mixed' })).toThrow();
    const en = await refused(['--shape', 'mixed', '--keys', '100']);
    expect(en.code).toBe(1);
    expect(en.err).toMatch(/mixed dataset needs at least [\d,]+ keys \(--keys 100\)/);
    expect(en.err).not.toMatch(/unexpected error/);
    const zh = await refused(['--shape', 'mixed', '--keys', '100', '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.err).toContain('数据集至少需要');
    expect(held).toHaveLength(0);
  });
});
