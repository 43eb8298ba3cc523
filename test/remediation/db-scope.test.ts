/**
 * The DB in a target URL scopes every operation (TTL dry-run and run, the census, the verify
 * count), and a target that is the bot's own queue Redis is refused whatever its URL says. The
 * truth is read from Redis directly (PTTL in every DB), never through the code under test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { type LocalRedis, startLocalRedis, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { connectTarget } from '../../src/redis/connect.js';
import { dbsToWalk } from '../../src/redis/databases.js';
import { assertNotQueueServer } from '../../src/redis/queue-identity.js';
import type { DryRun } from '../../src/remediation/types.js';
import { dryRunResultMessage } from '../../src/slack/blocks/remediation.js';
import { nonProgressLines, runCli } from '../support/cli.js';
import { setMissingRule } from '../support/ttl-dataset.js';

const MIN = 60_000;
const DBS = [0, 3, 7, 15] as const;
/** Keys without TTL per DB (different per DB, so a count names the DBs it came from). */
const PER_DB: Record<(typeof DBS)[number], number> = { 0: 11, 3: 23, 7: 37, 15: 53 };
const PREFIX = 'redis-medic';

const RULES = `
rules:
  - name: scoped
    match: "scope:*"
    action: set-missing
    ttl: 1d
    risk: low
`;

const BROAD = `
rules:
  - name: everything
    match: "*"
    action: set-missing
    ttl: 1d
    risk: high
    allow-broad: true
`;

/** PTTL of every key of `db`, read with a connection of our own. */
async function pttls(port: number, db: number): Promise<Map<string, number>> {
  const r = new Redis({ host: '127.0.0.1', port, db });
  try {
    const out = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, names] = await r.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const name of names) out.set(name, await r.pttl(name));
    } while (cursor !== '0');
    return out;
  } finally {
    r.disconnect();
  }
}

async function withTtl(port: number, db: number): Promise<number> {
  return [...(await pttls(port, db)).values()].filter((p) => p > 0).length;
}

async function seed(port: number): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port });
  try {
    await r.flushall();
    for (const db of DBS) {
      await r.select(db);
      const p = r.pipeline();
      for (let i = 0; i < PER_DB[db]; i++) p.set(`scope:${db}:${i}`, 'v');
      await p.exec();
    }
  } finally {
    r.disconnect();
  }
}

describe('the DB in a target URL scopes every operation', () => {
  let target: LocalRedis;
  let queue: LocalRedis;
  let dir: string;
  let rulesFile: string;
  let configFile: string;

  beforeAll(async () => {
    [target, queue] = await Promise.all([startLocalRedis(), startLocalRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'medic-scope-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    configFile = join(dir, 'medic.yaml');
    writeFileSync(
      configFile,
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: prod3\n    url: ${target.url}/3\n`,
    );
  }, MIN);
  afterAll(async () => {
    await Promise.all([target?.stop(), queue?.stop()]);
  });
  beforeEach(async () => {
    await seed(target.port);
  });

  it('ttl run --redis …/3 gives TTLs in DB 3 only; every other DB is untouched', async () => {
    const run = await runCli([
      'ttl',
      'run',
      '--redis',
      `redis://127.0.0.1:${target.port}/3`,
      '--config',
      configFile,
      '--rules',
      rulesFile,
      '--yes',
      '--json',
      '--unthrottled',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const db of DBS) {
      const all = await pttls(target.port, db);
      expect(all.size).toBe(PER_DB[db]);
      const given = [...all.values()].filter((p) => p > 0).length;
      expect({ db, given }).toEqual({ db, given: db === 3 ? PER_DB[3] : 0 });
    }
    const out = JSON.parse(run.stdout) as { rules: { counters: { changed: number }; left: number }[] };
    expect(out.rules[0]?.counters.changed).toBe(PER_DB[3]);
    expect(out.rules[0]?.left).toBe(0);
  });

  it('a configured cluster whose URL names DB 3 is scoped the same way', async () => {
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod3',
      '--config',
      configFile,
      '--rules',
      rulesFile,
      '--yes',
      '--unthrottled',
    ]);
    expect(nonProgressLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    for (const db of DBS)
      expect({ db, n: await withTtl(target.port, db) }).toEqual({ db, n: db === 3 ? PER_DB[3] : 0 });
  });

  it('dry-run --redis …/3 counts DB 3 only and says which DBs it walked', async () => {
    const json = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      `redis://127.0.0.1:${target.port}/3`,
      '--rules',
      rulesFile,
      '--json',
      '--unthrottled',
    ]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { rules: { matched: number; to_change: number; dbs: number[] }[] };
    expect(out.rules[0]?.matched).toBe(PER_DB[3]);
    expect(out.rules[0]?.to_change).toBe(PER_DB[3]);
    expect(out.rules[0]?.dbs).toEqual([3]);

    const text = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      `redis://127.0.0.1:${target.port}/3`,
      '--rules',
      rulesFile,
      '--unthrottled',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/DB 3\b/);
    // Nothing was written by either.
    for (const db of DBS) expect(await withTtl(target.port, db)).toBe(0);
  });

  it('without a DB in the URL, the dry-run walks every DB with keys and lists them', async () => {
    const run = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      target.url,
      '--rules',
      rulesFile,
      '--json',
      '--unthrottled',
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { rules: { to_change: number; dbs: number[] }[] };
    expect(out.rules[0]?.to_change).toBe(DBS.reduce((s: number, db) => s + PER_DB[db], 0));
    expect(out.rules[0]?.dbs).toEqual([...DBS]);
  });

  it('census with …/3 reports DB 3 only', async () => {
    const run = await runCli([
      'keys',
      '--redis',
      `redis://127.0.0.1:${target.port}/3`,
      '--json',
      '--unthrottled',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      total_keys: number;
      total_keys_without_ttl: number;
      dbs: number[];
    };
    expect(out.total_keys).toBe(PER_DB[3]);
    expect(out.total_keys_without_ttl).toBe(PER_DB[3]);
    expect(out.dbs).toEqual([3]);
  });
});

describe('the bot’s queue Redis is never a remediation target', () => {
  let server: LocalRedis;
  let other: LocalRedis;
  let dir: string;
  let broadFile: string;
  let admin: Redis;
  /** A TCP forwarder in front of the queue's server: another address (a load balancer, an alias). */
  let alias: Server;
  let aliasPort: number;

  /** The bot's own keys on the queue DB (1): the audit stream and a BullMQ-like job hash. */
  async function seedBotAndApp(): Promise<void> {
    await admin.flushall();
    await admin.select(1);
    await admin.xadd(`${PREFIX}:audit`, '*', 'action', 'seeded');
    await admin.hset(`${PREFIX}:ttl-run:job-1`, 'data', '{}');
    await admin.select(0);
    for (let i = 0; i < 20; i++) await admin.set(`app:${i}`, 'v');
  }

  /** No key anywhere on the server got a TTL, and the bot's keys are still there. */
  async function expectNothingWritten(): Promise<void> {
    for (const db of [0, 1]) expect({ db, n: await withTtl(server.port, db) }).toEqual({ db, n: 0 });
    const bot = await pttls(server.port, 1);
    expect(bot.get(`${PREFIX}:audit`)).toBe(-1);
    expect(bot.get(`${PREFIX}:ttl-run:job-1`)).toBe(-1);
    // The refusal wrote no audit entry of a dry-run or run either.
    await admin.select(1);
    expect(await admin.xlen(`${PREFIX}:audit`)).toBe(1);
    await admin.select(0);
  }

  function config(queueUrl: string, clusterUrl: string): string {
    const file = join(dir, `cfg-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `queue:\n  url: ${queueUrl}\n  prefix: ${PREFIX}\nclusters:\n  - name: prod\n    url: ${clusterUrl}\n`,
    );
    return file;
  }

  beforeAll(async () => {
    // Also on ::1, so `[::1]` reaches the same server as `127.0.0.1` and `localhost`.
    [server, other] = await Promise.all([
      startLocalRedis({ args: ['--bind', '127.0.0.1', '::1'] }),
      startLocalRedis(),
    ]);
    admin = new Redis(server.port, '127.0.0.1');
    dir = mkdtempSync(join(tmpdir(), 'medic-queue-guard-'));
    broadFile = join(dir, 'broad.yaml');
    writeFileSync(broadFile, BROAD);
    alias = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: server.port });
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => alias.listen(0, '127.0.0.1', resolve));
    aliasPort = (alias.address() as AddressInfo).port;
  }, MIN);
  afterAll(async () => {
    await new Promise<void>((resolve) => (alias ? alias.close(() => resolve()) : resolve()));
    admin?.disconnect();
    await Promise.all([server?.stop(), other?.stop()]);
  });
  beforeEach(async () => {
    await seedBotAndApp();
  });

  const refused = /queue Redis/;

  it('queue …/1, configured target …/0 of the same server, allow-broad "*": refused, nothing written', async () => {
    const cfg = config(`redis://127.0.0.1:${server.port}/1`, `redis://127.0.0.1:${server.port}/0`);
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod',
      '--config',
      cfg,
      '--rules',
      broadFile,
      '--yes',
      '--unthrottled',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(refused);
    await expectNothingWritten();
  });

  it('the same server behind another address (a forwarder), queue /1 and target /0: refused on the live run_id', async () => {
    const cfg = config(`redis://127.0.0.1:${server.port}/1`, `redis://127.0.0.1:${aliasPort}/0`);
    for (const args of [
      ['--cluster', 'prod'],
      ['--redis', `redis://127.0.0.1:${aliasPort}/2`],
    ]) {
      const run = await runCli([
        'ttl',
        'run',
        ...args,
        '--config',
        cfg,
        '--rules',
        broadFile,
        '--yes',
        '--unthrottled',
      ]);
      expect({ args, code: run.code }).not.toEqual({ args, code: 0 });
      expect(run.stderr).toMatch(/same Redis server as the bot's queue Redis/);
      await expectNothingWritten();
    }
  });

  it('localhost (queue) vs 127.0.0.1 (target): the same server, refused', async () => {
    const cfg = config(`redis://localhost:${server.port}/1`, `redis://127.0.0.1:${server.port}`);
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod',
      '--config',
      cfg,
      '--rules',
      broadFile,
      '--yes',
      '--unthrottled',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(refused);
    await expectNothingWritten();
  });

  it('ttl run --redis pointing at the queue (another DB, another host spelling): refused', async () => {
    const cfg = config(`redis://127.0.0.1:${server.port}/1`, other.url);
    for (const url of [
      `redis://localhost:${server.port}/0`,
      `redis://127.0.0.1:${server.port}`,
      `redis://[::1]:${server.port}/5`,
    ]) {
      const run = await runCli([
        'ttl',
        'run',
        '--redis',
        url,
        '--config',
        cfg,
        '--rules',
        broadFile,
        '--yes',
        '--unthrottled',
      ]);
      expect({ url, code: run.code }).not.toEqual({ url, code: 0 });
      expect(run.stderr).toMatch(refused);
      await expectNothingWritten();
    }
  });

  it('in Chinese too', async () => {
    const cfg = config(`redis://127.0.0.1:${server.port}/1`, other.url);
    const run = await runCli(
      [
        'ttl',
        'run',
        '--redis',
        `redis://localhost:${server.port}/2`,
        '--config',
        cfg,
        '--rules',
        broadFile,
        '--yes',
      ],
      { LANG: 'zh_CN.UTF-8' },
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/队列 Redis/);
    await expectNothingWritten();
  });

  it('a target on another server is not refused', async () => {
    const cfg = config(`redis://127.0.0.1:${server.port}/1`, other.url);
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod',
      '--config',
      cfg,
      '--rules',
      broadFile,
      '--yes',
      '--unthrottled',
    ]);
    expect(nonProgressLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    // Its dry-runs are stored on the queue (with their retention TTL); the bot's own keys keep none.
    expect(await withTtl(server.port, 0)).toBe(0);
    const bot = await pttls(server.port, 1);
    expect(bot.get(`${PREFIX}:audit`)).toBe(-1);
    expect(bot.get(`${PREFIX}:ttl-run:job-1`)).toBe(-1);
  });
});

describe('the config refuses a queue plainly on a target server', () => {
  const problems = (queue: string, cluster: string) => {
    const parsed = parseConfig(
      `queue:\n  url: ${queue}\nclusters:\n  - name: prod\n    url: ${cluster}\n`,
      {},
    );
    return parsed.ok ? [] : parsed.problems.map((p) => p.key ?? p.text ?? p.path);
  };

  it('another DB of the same host and port, or another loopback spelling, is the same server', () => {
    for (const [queue, cluster] of [
      ['redis://127.0.0.1:6400/1', 'redis://127.0.0.1:6400/0'],
      ['redis://localhost:6400/1', 'redis://127.0.0.1:6400'],
      ['redis://[::1]:6400/1', 'redis://localhost:6400/3'],
      ['redis://q.example:6379', 'redis://Q.example/2'],
    ]) {
      expect({ queue, cluster, problems: problems(queue as string, cluster as string) }).toEqual({
        queue,
        cluster,
        problems: [expect.stringContaining('queue_is_target')],
      });
    }
  });

  it('another port or another host is accepted (the live check compares run_ids)', () => {
    expect(problems('redis://127.0.0.1:6400/1', 'redis://127.0.0.1:6401/1')).toEqual([]);
    expect(problems('redis://queue.example:6379/0', 'redis://prod.example:6379/0')).toEqual([]);
  });
});

describe('which DBs a target URL scopes', () => {
  const keyspace = '# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb7:keys=2,expires=0,avg_ttl=0\r\n';
  it('a DB in the URL: that DB only (even an empty one); none: every DB with keys', () => {
    expect(dbsToWalk({ url: 'redis://h:6379/3', mode: 'standalone' }, keyspace)).toEqual([3]);
    expect(dbsToWalk({ url: 'redis://h:6379/0', mode: 'standalone' }, keyspace)).toEqual([0]);
    expect(dbsToWalk({ url: 'redis://h:6379', mode: 'standalone' }, keyspace)).toEqual([0, 7]);
    expect(dbsToWalk({ url: 'redis://h:6379/', mode: 'standalone' }, keyspace)).toEqual([0, 7]);
  });
  it('a cluster has DB 0 only: another DB in its URL is refused, not quietly ignored', () => {
    expect(dbsToWalk({ url: 'redis://h:7000', mode: 'cluster' }, '')).toEqual([0]);
    expect(() => dbsToWalk({ url: 'redis://h:7000/3', mode: 'cluster' }, '')).toThrow(
      expect.objectContaining({ code: 'cluster_db', values: { db: 3 } }),
    );
  });
  it('a path that is not a DB number is a bad URL, not DB 0', () => {
    expect(() => dbsToWalk({ url: 'redis://h:6379/three', mode: 'standalone' }, keyspace)).toThrow(
      expect.objectContaining({
        code: 'redis_unreachable',
        values: expect.objectContaining({ reason: 'bad_url' }),
      }),
    );
  });
});

describe('a Redis Cluster target is compared node by node', () => {
  it(
    'refused when any node (not only the entry point) is the queue’s server; another server passes',
    async () => {
      const [cluster, queue] = await Promise.all([
        startLocalRedisCluster({ primaries: 3 }),
        startLocalRedis(),
      ]);
      const conn = await connectTarget({ name: 'c', url: cluster.url, mode: 'cluster' });
      const onNode = new Redis({ host: '127.0.0.1', port: cluster.nodes[2]?.port ?? 0 });
      const elsewhere = new Redis(queue.port, '127.0.0.1');
      try {
        await expect(assertNotQueueServer(conn, onNode)).rejects.toMatchObject({ code: 'queue_is_target' });
        await expect(assertNotQueueServer(conn, elsewhere)).resolves.toBeUndefined();
      } finally {
        onNode.disconnect();
        elsewhere.disconnect();
        await conn.close();
        await Promise.all([cluster.stop(), queue.stop()]);
      }
    },
    MIN,
  );
});

describe('the Slack dry-run shows its DB scope', () => {
  it('a field "DBs in scope" (涉及的 DB) with the DBs walked', () => {
    const dry: DryRun = {
      id: 'scoped-1',
      rule: setMissingRule('scope:*', 'scoped'),
      cluster: 'prod3',
      at: '2026-02-12T14:38:00.000Z',
      matched: 23,
      keysWithoutTtl: 23,
      keysAboveCap: 0,
      toChange: 23,
      ttlSpread: { none: 23, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 0, lt90d: 0, ge90d: 0 },
      bytesToFree: 1_000,
      samples: ['scope:3:1'],
      estimatedDurationSec: 1,
      durationMs: 10,
      walked: 23,
      complete: true,
      dbs: [3],
    };
    const i18n = createI18n({ strict: true });
    for (const [lang, label] of [
      ['en', 'DBs in scope'],
      ['zh', '涉及的 DB'],
    ] as const) {
      const text = JSON.stringify(
        dryRunResultMessage(i18n.plain(lang), lang, dry, { user: 'U1', maxAgeMinutes: 30 }).blocks,
      );
      expect(text).toContain(`*${label}*\\nDB 3`);
    }
  });
});
