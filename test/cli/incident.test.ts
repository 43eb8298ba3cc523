/**
 * `redis-medic incident list|show ID`: the real CLI reads back the incidents this test writes on a
 * real queue Redis (an alert-opened one with a done and a skipped step, a person's one closed with
 * a resolution), as a table, as text and as JSON that validates against its published schema; an
 * unknown id is a localized error with exit 1, a dead queue Redis a clear one with exit 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { findFreePort, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { ChecklistService } from '../../src/incidents/checklist/service.js';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { runCli } from '../support/cli.js';

const ROOT = join(import.meta.dirname, '../..');
/** CLI processes started by the slowest test below; each pays a module-loading start on a busy box. */
const PER_RUN_MS = 20_000;

let queue: LocalRedis;
let admin: Redis;
let config: string;
let deadConfig: string;
let prefix: string;
const ALERTED = '20261206-0900-aaaa';
const CLOSED = '20261206-1000-bbbb';
const OPENED_ALERTED = new Date(Date.now() - 2 * 3_600_000).toISOString();
const OPENED_CLOSED = new Date(Date.now() - 3_600_000).toISOString();

function schema(name: string): object {
  return JSON.parse(readFileSync(join(ROOT, 'docs/json-schema', `${name}.schema.json`), 'utf8')) as object;
}

function validate(name: string, value: unknown): unknown[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
  const check = ajv.compile(schema(name));
  check(value);
  return check.errors ?? [];
}

beforeAll(async () => {
  queue = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  admin = new Redis(queue.url);
  const dir = mkdtempSync(join(tmpdir(), 'medic-incident-cli-'));
  config = join(dir, 'cfg.yml');
  writeFileSync(
    config,
    `queue:\n  url: ${queue.url}\nclusters:\n  - name: shop\n    url: redis://127.0.0.1:1\n  - name: cart\n    url: redis://127.0.0.1:1\n`,
  );
  deadConfig = join(dir, 'dead.yml');
  const deadPort = await findFreePort();
  writeFileSync(
    deadConfig,
    `queue:\n  url: redis://127.0.0.1:${deadPort}/0\nclusters:\n  - name: shop\n    url: redis://127.0.0.1:1\n`,
  );
  prefix = loadConfigFile(config, {}, 'en').queue.prefix;
  const store = new IncidentStore(admin, { prefix, idleHours: 24 });
  const checklist = new ChecklistService(store);
  await store.open({
    id: ALERTED,
    cluster: 'shop',
    channel: 'C0SHOP',
    threadTs: '1.1',
    openedBy: 'monitor',
    openedAt: OPENED_ALERTED,
    severity: 'critical',
  });
  await store.append(ALERTED, {
    at: new Date().toISOString(),
    kind: 'alert_critical',
    actor: 'monitor',
    data: { memoryPct: 91.5 },
  });
  expect(await checklist.tick(ALERTED, 'dry_run', 'U0BOB', '4 rules')).toBe('moved');
  expect(await checklist.skip(ALERTED, 'deploy_monitoring', 'dashboards exist already', 'U0ANN')).toBe(
    'moved',
  );
  await store.open({
    id: CLOSED,
    cluster: 'cart',
    channel: 'C0CART',
    threadTs: '2.2',
    openedBy: 'U0ANN',
    openedAt: OPENED_CLOSED,
    severity: 'warning',
  });
  expect(
    await store.close(CLOSED, { by: 'U0BOB', at: new Date().toISOString(), resolution: 'TTL on coupons' }),
  ).toBe(true);
}, 30_000);

afterAll(async () => {
  admin?.disconnect();
  await queue?.stop();
});

describe('redis-medic incident', () => {
  it(
    'list: newest first, with cluster, state, severity, who opened it and the checklist progress',
    async () => {
      const text = await runCli(['incident', 'list', '--config', config]);
      expect(text.code, text.stderr).toBe(0);
      const lines = text.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(new RegExp(`^${CLOSED}\\s+cart\\s+closed\\s+warning\\s+U0ANN\\s`));
      expect(lines[1]).toContain('0/8 steps');
      expect(lines[2]).toMatch(new RegExp(`^${ALERTED}\\s+shop\\s+open\\s+critical\\s+an alert\\s`));
      // One step done, one skipped: two of the runbook's eight.
      expect(lines[2]).toContain('2/8 steps');

      const json = await runCli(['incident', 'list', '--cluster', 'shop', '--json', '--config', config]);
      expect(json.code, json.stderr).toBe(0);
      const doc = JSON.parse(json.stdout) as { incidents: Record<string, unknown>[] };
      expect(validate('incident-list', doc)).toEqual([]);
      expect(doc.incidents).toEqual([
        {
          id: ALERTED,
          cluster: 'shop',
          channel: 'C0SHOP',
          state: 'open',
          severity: 'critical',
          opened_by: 'monitor',
          opened_via: 'alert',
          opened_at: OPENED_ALERTED,
          steps_done: 2,
          steps_total: 8,
        },
      ]);
    },
    3 * PER_RUN_MS,
  );

  it(
    'show: every step with its state, who, when and why, the whole timeline in order, the resolution',
    async () => {
      const json = await runCli(['incident', 'show', ALERTED, '--json', '--config', config]);
      expect(json.code, json.stderr).toBe(0);
      const doc = JSON.parse(json.stdout) as {
        steps: { id: string; state: string; by?: string; reason?: string; detail?: string }[];
        timeline: { kind: string }[];
      };
      expect(validate('incident-show', doc)).toEqual([]);
      expect(doc.steps.map((s) => s.id)).toEqual([
        'verify_recovery',
        'dry_run',
        'sign_off',
        'execute',
        'notify_dev_team',
        'deploy_monitoring',
        'watch_two_weeks',
        'scale_decision',
      ]);
      expect(doc.steps[1]).toMatchObject({ state: 'done', by: 'U0BOB', detail: '4 rules' });
      expect(doc.steps[5]).toMatchObject({
        state: 'skipped',
        by: 'U0ANN',
        reason: 'dashboards exist already',
      });
      expect(doc.steps[0]).toEqual({ id: 'verify_recovery', state: 'pending' });
      // The timeline as the queue Redis holds it, read with a plain client.
      const stored = (await admin.lrange(`${prefix}:incident:${ALERTED}:timeline`, 0, -1)).map(
        (l) => (JSON.parse(l) as { kind: string }).kind,
      );
      expect(stored).toEqual(['opened', 'alert_critical', 'step_done', 'step_skipped']);
      expect(doc.timeline.map((e) => e.kind)).toEqual(stored);

      const closed = await runCli(['incident', 'show', CLOSED, '--config', config]);
      expect(closed.code, closed.stderr).toBe(0);
      expect(closed.stdout).toContain(`Incident ${CLOSED} (cart)`);
      expect(closed.stdout).toContain('Closed by U0BOB');
      expect(closed.stdout).toContain('Resolution: TTL on coupons');

      const zh = await runCli(['incident', 'show', ALERTED, '--lang', 'zh', '--config', config]);
      expect(zh.code, zh.stderr).toBe(0);
      expect(zh.stdout).toContain('预演 TTL 修复计划（只读）：已完成 · U0BOB');
      expect(zh.stdout).toContain('原因：dashboards exist already');
      expect(zh.stdout).toContain('时间线（4 条记录）');
    },
    3 * PER_RUN_MS,
  );

  it(
    'an unknown id: a localized error naming it, exit 1, nothing on stdout',
    async () => {
      const en = await runCli(['incident', 'show', '20260101-0000-zzzz', '--config', config]);
      expect(en.code).toBe(1);
      expect(en.stdout).toBe('');
      expect(en.stderr).toContain('no incident 20260101-0000-zzzz on the queue Redis');
      const zh = await runCli(['incident', 'show', '20260101-0000-zzzz', '--lang', 'zh', '--config', config]);
      expect(zh.code).toBe(1);
      expect(zh.stderr).toContain('队列 Redis 上没有事故 20260101-0000-zzzz');
    },
    2 * PER_RUN_MS,
  );

  it(
    "a dead queue Redis: one line naming the bot's queue Redis, exit 2",
    async () => {
      for (const args of [
        ['incident', 'list'],
        ['incident', 'show', ALERTED],
      ]) {
        const run = await runCli([...args, '--config', deadConfig]);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr).toContain("the bot's queue Redis");
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
      }
    },
    2 * PER_RUN_MS,
  );
});
