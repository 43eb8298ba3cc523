/**
 * A target URL naming a DB the server does not have (`/16` on a server with 16 DBs) must be refused
 * before anything is read or written: the connection's SELECT fails, so it would otherwise stay on
 * DB 0 and a run scoped to "DB 16" would give DB 0's keys TTLs. The truth is read from Redis itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';

const MIN = 60_000;
const KEYS = 17;

describe('a target URL naming a DB the server does not have', () => {
  let target: LocalRedis;
  let queue: LocalRedis;
  let dir: string;

  beforeAll(async () => {
    [target, queue] = await Promise.all([startLocalRedis(), startLocalRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'medic-nodb-'));
    writeFileSync(
      join(dir, 'rules.yaml'),
      'rules:\n  - name: k\n    match: "k:*"\n    action: set-missing\n    ttl: 1d\n    risk: low\n',
    );
    writeFileSync(
      join(dir, 'medic.yaml'),
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: nodb\n    url: ${target.url}/16\n`,
    );
    const r = new Redis({ host: '127.0.0.1', port: target.port });
    try {
      const p = r.pipeline();
      for (let i = 0; i < KEYS; i++) p.set(`k:${i}`, 'v');
      await p.exec();
      // Independent truth: this server really has no DB 16.
      await expect(r.select(16)).rejects.toThrow(/out of range/i);
    } finally {
      r.disconnect();
    }
  }, MIN);
  afterAll(async () => {
    await Promise.all([target?.stop(), queue?.stop()]);
  });

  async function ttlsInDb0(): Promise<number> {
    const r = new Redis({ host: '127.0.0.1', port: target.port });
    try {
      let n = 0;
      for (let i = 0; i < KEYS; i++) if ((await r.pttl(`k:${i}`)) > 0) n++;
      return n;
    } finally {
      r.disconnect();
    }
  }

  it('ttl run is refused with a clear error and DB 0 is untouched', async () => {
    const conf = join(dir, 'medic.yaml');
    const rules = join(dir, 'rules.yaml');
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'nodb',
      '--config',
      conf,
      '--rules',
      rules,
      '--yes',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/DB 16/);
    expect(await ttlsInDb0()).toBe(0);
  });

  it('a queue URL naming a missing DB is refused too: the audit log never lands in DB 0', async () => {
    const conf = join(dir, 'medic-queue16.yaml');
    writeFileSync(
      conf,
      `queue:\n  url: ${queue.url}/16\nclusters:\n  - name: market\n    url: ${target.url}\n`,
    );
    const audit = await runCli(['audit', '--cluster', 'market', '--config', conf, '--json']);
    expect(audit.code).not.toBe(0);
    expect(audit.stderr).toMatch(/has no DB 16/);
    const r = new Redis({ host: '127.0.0.1', port: queue.port });
    try {
      expect(await r.dbsize()).toBe(0);
    } finally {
      r.disconnect();
    }
  });

  it('dry-run and the census are refused too, not answered from DB 0', async () => {
    const url = `${target.url}/16`;
    const dry = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      url,
      '--rules',
      join(dir, 'rules.yaml'),
      '--json',
    ]);
    expect(dry.code).not.toBe(0);
    expect(dry.stdout).not.toMatch(/"matched"/);
    expect(dry.stderr).toMatch(/DB 16/);
    const census = await runCli(['keys', '--redis', url, '--json', '--unthrottled']);
    expect(census.code).not.toBe(0);
    expect(census.stdout).not.toMatch(/k:\*/);
  });
});

describe('a DB given as a query parameter (`?db=3`, as redis-py and the redis URI scheme allow)', () => {
  let target: LocalRedis;
  let dir: string;

  beforeAll(async () => {
    target = await startLocalRedis();
    dir = mkdtempSync(join(tmpdir(), 'medic-dbq-'));
    writeFileSync(
      join(dir, 'rules.yaml'),
      'rules:\n  - name: k\n    match: "k:*"\n    action: set-missing\n    ttl: 1d\n    risk: low\n',
    );
    const r = new Redis({ host: '127.0.0.1', port: target.port });
    try {
      for (const db of [0, 3]) {
        await r.select(db);
        await r.set(`k:${db}`, 'v');
      }
    } finally {
      r.disconnect();
    }
  }, MIN);
  afterAll(async () => {
    await target?.stop();
  });

  it('is refused, never read as "no DB: every DB"', async () => {
    for (const query of ['?db=3', '/?db=3', '?database=3']) {
      const dry = await runCli([
        'ttl',
        'dry-run',
        '--redis',
        `${target.url}${query}`,
        '--rules',
        join(dir, 'rules.yaml'),
        '--json',
      ]);
      expect.soft(dry.code, query).not.toBe(0);
      expect.soft(dry.stdout, query).not.toMatch(/"matched"/);
    }
  });

  it('is a config error in a cluster URL', () => {
    const parsed = parseConfig(
      'queue:\n  url: redis://127.0.0.1:1/0\nclusters:\n  - name: q3\n    url: redis://127.0.0.1:2?db=3\n',
      {},
    );
    expect(parsed.ok).toBe(false);
  });
});
