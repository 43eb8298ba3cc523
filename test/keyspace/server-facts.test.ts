/**
 * The typed INFO facts against what Redis says through other commands: CONFIG GET for memory
 * settings, DBSIZE / SELECT for the DBs, REPLICAOF for the role, the process we started for its pid.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { serverFacts } from '../../src/keyspace/server-facts.js';

let primary: LocalRedis;
let replica: LocalRedis;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  [primary, replica] = await Promise.all([startLocalRedis(), startLocalRedis()]);
  a = new Redis({ host: primary.host, port: primary.port });
  b = new Redis({ host: replica.host, port: replica.port });
}, 60_000);

afterAll(async () => {
  a?.disconnect();
  b?.disconnect();
  await Promise.all([primary?.stop(), replica?.stop()]);
});

describe('serverFacts', () => {
  it('reads what CONFIG, DBSIZE and the process say', async () => {
    await a.config('SET', 'maxmemory', '123456789');
    await a.config('SET', 'maxmemory-policy', 'volatile-lfu');
    await a.mset('k1', '1', 'k2', '2');
    await a.select(3);
    await a.set('k3', '3', 'EX', 1000);
    const facts = serverFacts(await a.info());
    const [, maxmemory] = (await a.config('GET', 'maxmemory')) as [string, string];
    const [, policy] = (await a.config('GET', 'maxmemory-policy')) as [string, string];
    expect(facts.maxmemory).toBe(Number(maxmemory));
    expect(facts.maxmemoryPolicy).toBe(policy);
    expect(facts.processId).toBe(String(primary.pid));
    expect(facts.role).toBe('master');
    expect(facts.clusterEnabled).toBe(false);
    expect(facts.usedMemory).toBeGreaterThan(0);
    expect(facts.runId).toMatch(/^[0-9a-f]{40}$/);
    expect(facts.dbs.map((d) => d.db)).toEqual([0, 3]);
    for (const d of facts.dbs) {
      await a.select(d.db);
      expect(d.keys, `db${d.db}`).toBe(await a.dbsize());
    }
    expect(facts.dbs.find((d) => d.db === 3)?.expires).toBe(1);
    const version = String(await a.call('LOLWUT', 'VERSION', '1')).match(/Redis ver\. ([\d.]+)/)?.[1];
    expect(facts.version).toBe(version);
  });

  it('reads a replica and its primary as REPLICAOF set them', async () => {
    await b.replicaof(primary.host, primary.port);
    const facts = serverFacts(await b.info('replication'));
    expect(facts.role).toBe('slave');
    expect(facts.masterHost).toBe(primary.host);
    expect(facts.masterPort).toBe(String(primary.port));
    expect(facts.version).toBeUndefined();
  });
});
