import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import {
  findFreePort,
  type LocalRedis,
  type LocalRedisCluster,
  startLocalRedis,
  startLocalRedisCluster,
} from '../../src/demo/local-redis.js';
import { parseInfo, parseKeyspace } from '../../src/keyspace/server-facts.js';
import { runCli } from '../support/cli.js';

interface StatusJson {
  used_memory_bytes: number;
  maxmemory_bytes: number;
  memory_pct: number | null;
  maxmemory_policy: string;
  keys: number;
  keys_with_ttl: number;
  keys_without_ttl: number;
  evicted_keys: number;
  expired_keys: number;
  ops_per_sec: number;
  verdict: string;
  nodes: { address: string; keys: number; used_memory_bytes: number; maxmemory_bytes: number }[];
}

/** What INFO says, parsed independently of the product's parser: regex over the raw text. */
function infoFigures(raw: string) {
  const num = (field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(raw)?.[1]);
  let keys = 0;
  let expires = 0;
  for (const m of raw.matchAll(/^db\d+:keys=(\d+),expires=(\d+)/gm)) {
    keys += Number(m[1]);
    expires += Number(m[2]);
  }
  return {
    used: num('used_memory'),
    max: num('maxmemory'),
    policy: /^maxmemory_policy:(\S+)/m.exec(raw)?.[1],
    evicted: num('evicted_keys'),
    expired: num('expired_keys'),
    keys,
    expires,
  };
}

// used_memory moves by a few KB with every client connection (buffers), so between the CLI's INFO
// and ours it can't be compared to the byte: allow one client's worth; every counter is exact.
const CLIENT_SLACK_BYTES = 128 * 1024;

describe('redis-medic status (standalone)', () => {
  let server: LocalRedis;
  let truth: Awaited<ReturnType<typeof loadDataset>>;

  beforeAll(async () => {
    server = await startLocalRedis();
    const redis = new Redis(server.url);
    truth = await loadDataset(redis, { keys: 20_000 });
    // Keys in other databases count too (INFO keyspace has a line per DB).
    await redis.select(3);
    await redis.set('other-db:1', 'x');
    await redis.set('other-db:2', 'y', 'EX', 3600);
    await setMaxmemoryForTargetPct(redis, 84.6);
    await redis.quit();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints JSON equal to INFO: every counter exactly, summed over every DB', async () => {
    const run = await runCli(['status', '--redis', server.url, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as StatusJson;
    const redis = new Redis(server.url);
    const info = infoFigures(await redis.info());
    await redis.quit();

    expect(json.keys).toBe(info.keys);
    expect(json.keys).toBe(truth.totalKeys + 2);
    expect(json.keys_with_ttl).toBe(info.expires);
    expect(json.keys_without_ttl).toBe(info.keys - info.expires);
    expect(json.keys_without_ttl).toBe(truth.keysWithoutTtl + 1);
    expect(json.maxmemory_bytes).toBe(info.max);
    expect(json.maxmemory_policy).toBe(info.policy);
    expect(json.evicted_keys).toBe(info.evicted);
    expect(json.expired_keys).toBe(info.expired);
    expect(Math.abs(json.used_memory_bytes - info.used)).toBeLessThan(CLIENT_SLACK_BYTES);
    expect(json.memory_pct).toBeCloseTo((json.used_memory_bytes / json.maxmemory_bytes) * 100, 10);
    expect(json.memory_pct).toBeGreaterThan(80);
    expect(json.memory_pct).toBeLessThan(90);
    expect(typeof json.ops_per_sec).toBe('number');
    expect(['stable', 'rising', 'burst-recovering', 'critical']).toContain(json.verdict);
  });

  it('the parser reproduces a raw INFO text exactly', async () => {
    const redis = new Redis(server.url);
    const raw = await redis.info();
    await redis.quit();
    const sections = parseInfo(raw);
    const figures = infoFigures(raw);
    expect(Number(sections.memory?.used_memory)).toBe(figures.used);
    const dbs = parseKeyspace(sections.keyspace);
    expect(dbs.map((d) => d.db)).toEqual([0, 3]);
    expect(dbs.reduce((s, d) => s + d.keys, 0)).toBe(figures.keys);
  });

  it('prints a readable table, in Chinese with --lang zh', async () => {
    const en = await runCli(['status', '--redis', server.url]);
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/Without TTL\s+[\d,]+ \(\d+\.\d%\)/);
    expect(en.stdout).toContain('volatile-lfu');
    const zh = await runCli(['status', '--redis', server.url, '--lang', 'zh']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toMatch(/无 TTL\s+[\d,]+（\d+\.\d%）/);
    expect(zh.stdout).toContain('驱逐策略');
  });

  it('shows no percentage when maxmemory is 0, and says why', async () => {
    const other = await startLocalRedis();
    try {
      const run = await runCli(['status', '--redis', other.url, '--json']);
      const json = JSON.parse(run.stdout) as StatusJson & { notes: { key: string }[] };
      expect(json.maxmemory_bytes).toBe(0);
      expect(json.memory_pct).toBeNull();
      expect(json.notes.map((n) => n.key)).toContain('notes.no_maxmemory');
    } finally {
      await other.stop();
    }
  });
});

describe('redis-medic status (3-node Redis Cluster)', () => {
  let cluster: LocalRedisCluster;
  let truth: Awaited<ReturnType<typeof loadDataset>>;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3 });
    const client = new Cluster(cluster.nodes);
    truth = await loadDataset(client, { keys: 12_000 });
    await setMaxmemoryForTargetPct(client, 84.6);
    await client.quit();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('sums every primary and matches each node’s INFO', async () => {
    const run = await runCli(['status', '--redis', cluster.url, '--cluster-mode', '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as StatusJson;
    expect(json.nodes).toHaveLength(3);
    let keys = 0;
    let expires = 0;
    let max = 0;
    for (const node of cluster.nodes) {
      const redis = new Redis(node.port, node.host);
      const info = infoFigures(await redis.info());
      await redis.quit();
      keys += info.keys;
      expires += info.expires;
      max += info.max;
      const reported = json.nodes.find((n) => n.address === `${node.host}:${node.port}`);
      expect(reported?.keys).toBe(info.keys);
      expect(reported?.maxmemory_bytes).toBe(info.max);
    }
    expect(json.keys).toBe(keys);
    expect(json.keys).toBe(truth.totalKeys);
    expect(json.keys_with_ttl).toBe(expires);
    expect(json.keys_without_ttl).toBe(truth.keysWithoutTtl);
    expect(json.maxmemory_bytes).toBe(max);
    // Cluster memory % is the fullest primary's.
    const fullest = Math.max(...json.nodes.map((n) => (n.used_memory_bytes / n.maxmemory_bytes) * 100));
    expect(json.memory_pct).toBeCloseTo(fullest, 6);
  });
});

describe('redis-medic exit codes and errors', () => {
  it('exits 2 with a clear message when the target is unreachable', async () => {
    const port = await findFreePort();
    const run = await runCli(['status', '--redis', `redis://127.0.0.1:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot reach Redis at 127.0.0.1:${port}: connection refused`);
  });

  it('exits 2 on a wrong password without echoing it', async () => {
    const locked = await startLocalRedis({ password: 'right-one' });
    try {
      const run = await runCli([
        'status',
        '--redis',
        `redis://:wrong-one@127.0.0.1:${locked.port}`,
        '--lang',
        'zh',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('拒绝登录：用户名或密码错误');
      expect(run.stderr + run.stdout).not.toContain('wrong-one');
    } finally {
      await locked.stop();
    }
  });

  it('exits 2 when TLS is spoken to a plain-text port, naming the likely cause', async () => {
    const plain = await startLocalRedis();
    try {
      const run = await runCli([
        'status',
        '--redis',
        `rediss://127.0.0.1:${plain.port}`,
        '--timeout',
        '1500',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/TLS to Redis at 127\.0\.0\.1:\d+ failed: .*plain text/);
    } finally {
      await plain.stop();
    }
  });

  it('exits 1 on usage errors and lists every config problem with its path', async () => {
    expect((await runCli(['status'])).code).toBe(1);
    expect((await runCli(['status', '--redis', 'http://x'])).code).toBe(1);
    expect((await runCli(['status', '--bogus'])).code).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'medic-cli-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      'queue: { url: redis://127.0.0.1:1 }\nclusters:\n  - { name: a, url: redis://h:1 }\n  - { name: b, url: nope }\n',
    );
    const run = await runCli(['status', '--cluster', 'a', '--config', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('clusters[1].url: must be a redis:// or rediss:// URL with a host');
    const unknown = await runCli(['check-config', '--config', file]);
    expect(unknown.code).toBe(1);
  });

  it('--help works and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('status');
    expect(run.stdout).toContain('demo');
  });
});
