// The target Redis goes away in the middle of `ttl run`: the run fails with exit 2 and the audit
// log's `run_failed` entry says how many keys the run had already changed, so the SRE knows what
// the half-done run left behind (the truth is read back from the server's own dump after restart).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const KEYS = 40_000;
const countWithTtl = `local n=0 for _,k in ipairs(redis.call('KEYS','coupon:*')) do if redis.call('PTTL',k)>0 then n=n+1 end end return n`;

describe('ttl run when the target goes away', () => {
  const started: LocalRedis[] = [];
  afterAll(async () => {
    for (const r of started) await r.stop();
  });

  test(
    'exit 2, and the run_failed audit entry carries the keys changed before the loss',
    async ({ queueRedis }) => {
      const dir = mkdtempSync(join(tmpdir(), 'medic-target-lost-'));
      const target = await startLocalRedis({ dir });
      started.push(target);
      // No reconnect: the server is shut down on purpose below.
      const admin = new Redis(target.port, '127.0.0.1', { retryStrategy: () => null });
      admin.on('error', () => {});
      const q = new Redis(queueRedis.port, '127.0.0.1');
      try {
        await q.flushall();
        await admin.eval(`for i=1,${KEYS} do redis.call('SET','coupon:'..i,'x') end return 1`, 0);
        const rules = join(dir, 'rules.yaml');
        writeFileSync(
          rules,
          'rules:\n  - {name: coupon, match: "coupon:*", action: set-missing, ttl: 60d, risk: low}\n',
        );
        const config = join(dir, 'medic.yaml');
        writeFileSync(
          config,
          `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: prod\n    url: ${target.url}\n`,
        );
        const run = runCli([
          'ttl',
          'run',
          '--cluster',
          'prod',
          '--config',
          config,
          '--rules',
          rules,
          '--yes',
        ]);
        await waitFor(
          'the run to change its first keys',
          async () => Number(await admin.eval(countWithTtl, 0)) > 0,
          budgetMs(KEYS * 2),
        );
        // SHUTDOWN SAVE writes what the server holds at this moment: the truth to compare with.
        await admin.call('SHUTDOWN', 'SAVE').catch(() => undefined);
        const result = await run;
        expect(result.code, result.stderr).toBe(2);
        await target.stop();
        const again = await startLocalRedis({ port: target.port, dir });
        started.push(again);
        const reader = new Redis(again.port, '127.0.0.1');
        const truth = Number(await reader.eval(countWithTtl, 0));
        reader.disconnect();
        const entries = await q.xrange('redis-medic:audit', '-', '+');
        const failed = entries
          .map(
            ([, f]) =>
              new Map(f.flatMap((_, i) => (i % 2 === 0 ? [[f[i], f[i + 1]] as [string, string]] : []))),
          )
          .find((m) => m.get('action') === 'run_failed');
        expect(failed, JSON.stringify(entries)).toBeDefined();
        const counts = JSON.parse(failed?.get('counts') ?? '{}') as { changed?: number };
        expect(counts.changed).toBeGreaterThan(0);
        expect(counts.changed).toBeLessThanOrEqual(truth);
        expect(truth).toBeLessThan(KEYS);
      } finally {
        admin.disconnect();
        q.disconnect();
      }
    },
    budgetMs(KEYS * 6),
  );
});
