// `ttl run` stopped by a signal: Ctrl-C (SIGINT) and a supervisor's SIGTERM (systemd, Kubernetes,
// `timeout`) both end the run between two pages and leave a `run_cancelled` entry in the audit log.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEYS = 40_000;

describe('ttl run stopped by a signal', () => {
  let target: LocalRedis;
  let queue: LocalRedis;
  let admin: Redis;
  let configFile: string;
  let rulesFile: string;

  test.beforeAll(async ({ localRedis, admin: client, queueRedis }) => {
    target = localRedis;
    queue = queueRedis;
    admin = client;
    const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-signal-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(
      rulesFile,
      'rules:\n  - name: coupon\n    match: "coupon:*"\n    action: set-missing\n    ttl: 60d\n    risk: low\n',
    );
    configFile = join(dir, 'medic.yaml');
    writeFileSync(
      configFile,
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: prod\n    url: ${target.url}\n`,
    );
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(
      `${signal}: the run stops and the audit log records the stop`,
      async () => {
        await admin.flushall();
        await admin.eval(`for i=1,${KEYS} do redis.call('SET','coupon:'..i,'x') end return 1`, 0);
        const { Redis: Client } = await import('ioredis');
        const q = new Client(queue.port, '127.0.0.1');
        try {
          await q.flushall();
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              'src/cli/main.ts',
              'ttl',
              'run',
              '--cluster',
              'prod',
              '--config',
              configFile,
              '--rules',
              rulesFile,
              '--yes',
            ],
            {
              cwd: ROOT,
              env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '' },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
          // The throttled run changes a few thousand keys a second: signal it once it has begun.
          await waitFor(
            'the run to change its first keys',
            async () => Number(await admin.eval(countWithTtl, 0)) > 0,
            budgetMs(KEYS * 2),
          );
          child.kill(signal);
          const code = await exited;
          expect(code, stderr).toBe(1);
          const withTtl = Number(await admin.eval(countWithTtl, 0));
          expect(withTtl).toBeLessThan(KEYS);
          const log = await auditActions(q);
          expect(log).toContain('run_started');
          expect(log).toContain('run_cancelled');
        } finally {
          q.disconnect();
        }
      },
      budgetMs(KEYS * 4),
    );
  }
});

const countWithTtl = `local n=0 for _,k in ipairs(redis.call('KEYS','coupon:*')) do if redis.call('PTTL',k)>0 then n=n+1 end end return n`;

/** Every audit action recorded on the queue Redis, read raw (not through the code under test). */
async function auditActions(q: Redis): Promise<string> {
  const out: string[] = [];
  for (const key of await q.keys('*audit*')) {
    const type = await q.type(key);
    if (type === 'stream') {
      for (const [, fields] of await q.xrange(key, '-', '+')) out.push(fields.join(' '));
    } else if (type === 'list') out.push(...(await q.lrange(key, 0, -1)));
    else if (type === 'zset') out.push(...(await q.zrange(key, 0, -1)));
  }
  return out.join('\n');
}
