/**
 * `notify` after a `cap` rule: the keys it changed already had a TTL (only too long a one), so the
 * summary must not tell the application team they were "given a TTL". Truth from Redis: the keys
 * had a TTL before the run (PTTL), and the run lowered it under the cap.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const CAPPED = 3_000;
const MISSING = 500;
const DAY = 86_400;

describe('notify after a cap rule', () => {
  test(
    'the summary says the TTLs were lowered, not given, and counts each kind from what Redis holds',
    async ({ localRedis, admin, queueRedis }) => {
      const { Redis: Client } = await import('ioredis');
      const q: Redis = new Client(queueRedis.port, '127.0.0.1');
      try {
        await q.flushall();
        await admin.flushall();
        await admin.eval(
          `for i=1,${CAPPED} do redis.call('SET','last:act:'..i,'x','EX',${200 * DAY}) end
           for i=1,${MISSING} do redis.call('SET','coupon:'..i,'x') end return 1`,
          0,
        );
        const dir = mkdtempSync(join(tmpdir(), 'medic-notify-cap-'));
        const rules = join(dir, 'rules.yaml');
        writeFileSync(
          rules,
          'rules:\n  - {name: last-act, match: "last:act:*", action: cap, ttl: 90d, risk: low}\n' +
            '  - {name: coupon, match: "coupon:*", action: set-missing, ttl: 7d, risk: low}\n',
        );
        const config = join(dir, 'medic.yaml');
        writeFileSync(
          config,
          `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: prod\n    url: ${localRedis.url}\n`,
        );
        const run = await runCli([
          'ttl',
          'run',
          '--cluster',
          'prod',
          '--config',
          config,
          '--rules',
          rules,
          '--yes',
          '--unthrottled',
        ]);
        expect(run.code, run.stderr).toBe(0);
        const maxTtl = Number(
          await admin.eval(
            "local m=0 for _,k in ipairs(redis.call('KEYS','last:act:*')) do local t=redis.call('TTL',k) if t>m then m=t end end return m",
            0,
          ),
        );
        expect(maxTtl).toBeLessThanOrEqual(90 * DAY);
        const notify = await runCli(['notify', '--cluster', 'prod', '--config', config, '--rules', rules]);
        expect(notify.code, notify.stderr).toBe(0);
        const summary = notify.stdout.split('## Summary')[1]?.split('##')[0] ?? '';
        expect(summary).not.toContain(`${(CAPPED + MISSING).toLocaleString('en-US')} keys a TTL`);
        expect(summary).toContain(`gave ${MISSING} keys a TTL`);
        expect(summary).toContain(`${CAPPED.toLocaleString('en-US')} keys`);
        expect(summary).toMatch(/lowered|shortened/);
      } finally {
        q.disconnect();
      }
    },
    budgetMs((CAPPED + MISSING) * 6),
  );
});
