/**
 * One TTL run per cluster at a time: two `redis-medic ttl run` processes started together against
 * one target; the lease of a killed run expires and the next run goes ahead. The truth is Redis's
 * own: keyspace notifications count every EXPIRE the target applied, per key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { budgetMs } from '../support/budget.js';
import type { CliRun } from '../support/cli.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Keys the rule sets a TTL on, and keys it only walks past. */
const MATCHED = 30_000;
const OTHERS = 10_000;
/**
 * At the default 10,000 keys/s the holder needs about 12 s (dry-run, run, re-count: three passes
 * over 40,000 keys), far longer than two processes' start-up skew: the runs overlap.
 */
const PASSES = 3;
const LEASE_MS = 30_000;

const RULES = `
rules:
  - name: sessions
    match: "lock:sess:*"
    action: set-missing
    ttl: 7d
    jitter: 10%
    risk: low
`;

interface Cli {
  child: ChildProcess;
  done: Promise<CliRun>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', REDIS_MEDIC_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

describe('ttl run: one run per cluster at a time', () => {
  let target: LocalRedis;
  let admin: Redis;
  let queueClient: Redis;
  let events: Redis;
  let configFile: string;
  let rulesFile: string;
  /** EXPIRE notifications from the target, per key: Redis's own count of the run's writes. */
  const expires = new Map<string, number>();
  let fence = 0;

  const runArgs = () => [
    'ttl',
    'run',
    '--cluster',
    'prod',
    '--config',
    configFile,
    '--rules',
    rulesFile,
    '--yes',
  ];

  async function seed(): Promise<void> {
    await admin.flushall();
    await queueClient.flushall();
    const pipe = admin.pipeline();
    for (let i = 0; i < MATCHED; i++) pipe.set(`lock:sess:${i}`, 'x');
    for (let i = 0; i < OTHERS; i++) pipe.set(`other:${i}`, 'x');
    await pipe.exec();
    await drainEvents();
    expires.clear();
  }

  /** Every notification the target sent before now has arrived: a marker published after them has. */
  async function drainEvents(): Promise<void> {
    const marker = `fence-${++fence}`;
    let seen = false;
    const onMessage = (channel: string, message: string) => {
      if (channel === 'test:fence' && message === marker) seen = true;
    };
    events.on('message', onMessage);
    try {
      await admin.publish('test:fence', marker);
      await waitFor('the fence notification', () => seen, 10_000);
    } finally {
      events.off('message', onMessage);
    }
  }

  async function lockKeys(): Promise<string[]> {
    return queueClient.keys('*:ttl-lock:prod');
  }

  async function withoutTtl(): Promise<number> {
    let n = 0;
    for (let i = 0; i < MATCHED; i += 1_000) {
      const pipe = admin.pipeline();
      for (let j = i; j < Math.min(i + 1_000, MATCHED); j++) pipe.ttl(`lock:sess:${j}`);
      for (const [, ttl] of (await pipe.exec()) ?? []) if (ttl === -1) n++;
    }
    return n;
  }

  test.beforeAll(async ({ localRedis, admin: client, queueRedis }) => {
    target = localRedis;
    admin = client;
    queueClient = new Redis(queueRedis.port, '127.0.0.1');
    events = new Redis(target.port, '127.0.0.1');
    await admin.config('SET', 'notify-keyspace-events', 'Eg');
    events.on('message', (channel: string, key: string) => {
      if (channel === '__keyevent@0__:expire') expires.set(key, (expires.get(key) ?? 0) + 1);
    });
    await events.subscribe('__keyevent@0__:expire', 'test:fence');
    const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-lock-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    configFile = join(dir, 'medic.yaml');
    writeFileSync(
      configFile,
      `queue:\n  url: ${queueRedis.url}\n  prefix: locktest\nclusters:\n  - name: prod\n    url: ${target.url}\n`,
    );
  }, 60_000);

  afterAll(() => {
    events?.disconnect();
    queueClient?.disconnect();
  });

  test(
    'two runs started together: exactly one runs, the other is refused before any write; every key changed once',
    async () => {
      await seed();
      const [a, b] = await Promise.all([startCli(runArgs()).done, startCli(runArgs()).done]);
      const runs = [a, b];
      const ran = runs.filter((r) => r.code === 0);
      const refused = runs.filter((r) => r.code !== 0);
      expect(ran, `exit codes ${a.code} / ${b.code}\n${a.stderr}\n${b.stderr}`).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]?.code).toBe(1);
      expect(refused[0]?.stderr).toMatch(
        /refused: another TTL run is already running on prod \(run cli-[0-9a-f-]{36}, started by cli:\S+ at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/,
      );
      expect(refused[0]?.stdout).toBe('');

      await drainEvents();
      // Redis's own count: each matched key got exactly one EXPIRE, and nothing else got one.
      expect(expires.size).toBe(MATCHED);
      expect([...expires.values()].every((n) => n === 1)).toBe(true);
      expect([...expires.keys()].every((k) => k.startsWith('lock:sess:'))).toBe(true);
      expect(await withoutTtl()).toBe(0);
      // The holder released its lease on the way out.
      expect(await lockKeys()).toEqual([]);
      // The refusal is in the audit log, naming the run that held the cluster.
      const entries = await new AuditLog(queueClient, { prefix: 'locktest' }).list({
        cluster: 'prod',
        limit: 100,
      });
      const refusals = entries.filter((e) => e.action === 'refused');
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ reason: 'ttl_run_in_progress', via: 'cli' });
      expect(refused[0]?.stderr).toContain(refusals[0]?.runId as string);
      expect(entries.filter((e) => e.action === 'run_started')).toHaveLength(1);
    },
    budgetMs((MATCHED + OTHERS) * PASSES * 2) + 30_000,
  );

  test(
    "a killed run's lease expires by itself, then a new run goes ahead",
    async () => {
      await seed();
      const first = startCli(runArgs());
      const [key] = await waitFor(
        'the first run to take the lease',
        async () => {
          const keys = await lockKeys();
          return keys.length === 1 ? keys : undefined;
        },
        budgetMs(0),
      );
      first.child.kill('SIGKILL');
      await first.done;
      const holder = await queueClient.get(key as string);
      expect(holder).not.toBeNull();

      // Right after the kill the lease is still the dead run's: refused, nothing written.
      const before = expires.size;
      const second = await startCli(runArgs()).done;
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another TTL run is already running on prod/);
      expect(second.stderr).toContain(JSON.parse(holder as string).owner as string);
      await drainEvents();
      expect(expires.size).toBe(before);

      // Nobody renews it: it expires within its lease time.
      await waitFor(
        'the dead run’s lease to expire',
        async () => (await queueClient.exists(key as string)) === 0,
        {
          timeoutMs: LEASE_MS + budgetMs(0),
          intervalMs: 250,
        },
      );
      const third = await startCli(runArgs()).done;
      expect(third.code, third.stderr).toBe(0);
      expect(await withoutTtl()).toBe(0);
      expect(await lockKeys()).toEqual([]);
    },
    LEASE_MS + budgetMs((MATCHED + OTHERS) * PASSES * 2) + 60_000,
  );
});
