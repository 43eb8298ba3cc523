/**
 * `redis-medic advise` through the real CLI against a real redis-server: exit codes, snake_case
 * JSON whose figures match Redis itself (DBSIZE, keys with a TTL from INFO keyspace), the
 * self-hosted report naming what it could not know, Markdown in Chinese, and the chart file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const KEYS = 3_000;
const BUDGET = budgetMs(KEYS * 6) + 3 * 15_000;
const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

function notSnake(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) notSnake(v, `${path}[${i}]`, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (!SNAKE.test(k)) out.push(`${path}.${k}`);
      notSnake(v, `${path}.${k}`, out);
    }
  }
  return out;
}

describe('redis-medic advise', () => {
  test(
    'prints both analyses; JSON in snake_case with Redis figures; zh Markdown; the chart; unknown cluster refused',
    async ({ localRedis, admin, queueRedis }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      await admin.config('SET', 'maxmemory', String(32 * 1024 * 1024));
      const dir = mkdtempSync(join(tmpdir(), 'medic-advise-'));
      const config = join(dir, 'medic.yaml');
      writeFileSync(
        config,
        `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: demo\n    url: ${localRedis.url}\nrules:\n  - name: coupon-unread\n    match: "MARKETING:COUPON:UNREAD:*"\n    action: set-missing\n    ttl: 60d\n    risk: low\n`,
      );
      const base = ['advise', '--cluster', 'demo', '--config', config, '--unthrottled'];

      const json = await runCli([...base, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const out = JSON.parse(json.stdout) as {
        capacity: { source: string; unknowns: string[]; releases: { rule: string; keys: number }[] };
        policy: { allkeys: { keys: number }; volatile: { keys: number }; policy: string };
      };
      expect(notSnake(out)).toEqual([]);
      const schema = JSON.parse(
        readFileSync(join(import.meta.dirname, '../../docs/json-schema/advise.schema.json'), 'utf8'),
      );
      const validate = new Ajv2020({ strict: false }).compile(schema);
      validate(out);
      expect(validate.errors ?? []).toEqual([]);
      expect(out.capacity.source).toBe('self_hosted');
      expect(out.capacity.unknowns).toEqual(
        expect.arrayContaining(['node_type', 'prices', 'allowed_node_types']),
      );
      // Independent truth: Redis's own counts.
      expect(out.policy.allkeys.keys).toBe(await admin.dbsize());
      const keyspace = /expires=(\d+)/.exec(await admin.info('keyspace'));
      expect(out.policy.volatile.keys).toBe(Number(keyspace?.[1]));
      const [, policy] = (await admin.config('GET', 'maxmemory-policy')) as string[];
      expect(out.policy.policy).toBe(policy);
      const unread = (await admin.scan('0', 'MATCH', 'MARKETING:COUPON:UNREAD:*', 'COUNT', 100_000))[1];
      expect(out.capacity.releases).toEqual([
        expect.objectContaining({ rule: 'coupon-unread', keys: unread.length }),
      ]);

      const chart = join(dir, 'projection.png');
      const zh = await runCli([...base, '--lang', 'zh', '--chart', chart]);
      expect(zh.code, zh.stderr).toBe(0);
      expect(zh.stdout).toContain('# 容量：demo');
      expect(zh.stdout).toContain('# 驱逐策略：demo');
      expect(readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');

      const unknown = await runCli(['advise', '--cluster', 'nope', '--config', config]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('nope');
    },
    BUDGET,
  );
});
