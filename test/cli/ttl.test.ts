import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { findFreePort, type LocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { addExtraKeys, DAY, snapshotKeyspace } from '../remediation/support.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const MIN = 60_000;

const RULES = `
rules:
  - name: last-activity
    match: "contact:last:activity:*"
    action: cap
    ttl: 90d
    risk: low
  - name: coupon-unread
    match: "MARKETING:COUPON:UNREAD:*"
    action: set-missing
    ttl: 60d
    jitter: 10%
    risk: low
    note: read-heavy, regenerated on coupon events
  - name: exchange-price
    match: "exchange:coupon:high:commodity:price:*"
    action: set-missing
    ttl: 7d
    risk: low
`;

interface DryRunJson {
  order: number;
  name: string;
  matched: number;
  keys_without_ttl: number;
  keys_above_cap: number;
  to_change: number;
  samples: string[];
  complete: boolean;
}

describe('redis-medic ttl', () => {
  let target: LocalRedis;
  let queue: LocalRedis;
  let admin: Redis;
  let queueClient: Redis;
  let dir: string;
  let rulesFile: string;
  let configFile: string;

  async function reload(): Promise<void> {
    await admin.flushall();
    await loadDataset(admin, { keys: 5_000 });
    await addExtraKeys(admin, 5);
  }

  // The target and queue redis-servers, and the target's client, come from the shared fixtures.
  test.beforeAll(async ({ localRedis, admin: client, queueRedis }) => {
    target = localRedis;
    queue = queueRedis;
    admin = client;
    queueClient = new Redis(queue.port, '127.0.0.1');
    dir = mkdtempSync(join(tmpdir(), 'medic-ttl-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    configFile = join(dir, 'medic.yaml');
    writeFileSync(
      configFile,
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: prod\n    url: ${target.url}\n`,
    );
  }, MIN);

  afterAll(() => {
    queueClient?.disconnect();
  });

  it('dry-run --json: per rule its name and the counts, in plan order, read-only', async () => {
    await reload();
    const before = await snapshotKeyspace(admin);
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
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { cluster: string; rules: DryRunJson[] };
    expect(out.rules.map((r) => [r.order, r.name])).toEqual([
      [1, 'exchange-price'],
      [2, 'coupon-unread'],
      [3, 'last-activity'],
    ]);
    const now = Date.now();
    for (const r of out.rules) {
      const match = RULES.split('\n').find(
        (l) => l.includes('match:') && RULES.indexOf(l) > RULES.indexOf(r.name),
      );
      const glob = /"(.*)"/.exec(match ?? '')?.[1] ?? '';
      const keys = [...before.values()].filter((k) => compileGlob(glob)(k.name));
      expect(r.matched).toBe(keys.length);
      expect(r.keys_without_ttl).toBe(keys.filter((k) => k.expireAt === -1).length);
      expect(r.complete).toBe(true);
      if (r.name === 'last-activity')
        expect(r.to_change).toBe(keys.filter((k) => k.expireAt - now > 90 * DAY).length);
      else expect(r.to_change).toBe(r.keys_without_ttl);
    }
    expect(await snapshotKeyspace(admin)).toEqual(before);
  });

  it('dry-run as text, in Chinese: the counts, the samples and the plan', async () => {
    const run = await runCli(['ttl', 'dry-run', '--redis', target.url, '--rules', rulesFile, '--lang', 'zh']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('预演 coupon-unread');
    expect(run.stdout).toContain('执行计划（风险低的在前，同等风险下需修改的 Key 少的在前）：');
    expect(run.stdout).toMatch(/1\. exchange-price：需修改 \d+ 个 Key，风险：低/);
    expect(run.stdout).toContain('MARKETING:COUPON:UNREAD:');
  });

  it('run without --yes refuses (exit 1) and changes nothing', async () => {
    await reload();
    const before = await snapshotKeyspace(admin);
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod',
      '--config',
      configFile,
      '--rules',
      rulesFile,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('review a dry-run first');
    expect(run.stderr).toContain('--yes');
    expect(await snapshotKeyspace(admin)).toEqual(before);
  });

  it('run --yes needs a config (the audit log lives on the queue Redis)', async () => {
    const run = await runCli(['ttl', 'run', '--redis', target.url, '--rules', rulesFile, '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('audit log');
  });

  it('run --yes: a fresh dry-run, every rule in plan order, verified, audited', async () => {
    await reload();
    const audit = new AuditLog(queueClient, { prefix: 'redis-medic' });
    const since = new Date(Date.now() - 1000);
    const run = await runCli(
      ['ttl', 'run', '--cluster', 'prod', '--config', configFile, '--rules', rulesFile, '--yes', '--json'],
      { USER: 'alice' },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      rules: {
        name: string;
        to_change: number;
        complete: boolean;
        left: number;
        counters: { changed: number };
      }[];
    };
    expect(out.rules.map((r) => r.name)).toEqual(['exchange-price', 'coupon-unread', 'last-activity']);
    for (const r of out.rules) {
      expect(r.complete).toBe(true);
      expect(r.counters.changed).toBe(r.to_change);
      expect(r.left).toBe(0);
    }
    expect(await admin.pttl('contact:last:activity:x:above:1')).toBeLessThanOrEqual(90 * DAY);
    expect(await admin.pttl('contact:last:activity:x:none:1')).toBe(-1);
    const entries = (await audit.list({ cluster: 'prod', since })).reverse();
    expect(entries.map((e) => [e.action, e.rule])).toEqual([
      ['dry_run', 'exchange-price'],
      ['dry_run', 'coupon-unread'],
      ['dry_run', 'last-activity'],
      ['run_started', 'exchange-price'],
      ['run_finished', 'exchange-price'],
      ['run_started', 'coupon-unread'],
      ['run_finished', 'coupon-unread'],
      ['run_started', 'last-activity'],
      ['run_finished', 'last-activity'],
    ]);
    expect(entries.every((e) => e.via === 'cli' && e.actor.startsWith('cli:'))).toBe(true);
    const finished = entries.find((e) => e.action === 'run_finished' && e.rule === 'coupon-unread');
    expect(finished?.counts?.changed).toBe(out.rules[1]?.to_change);
    expect(finished?.dryRunId).toBeTruthy();
  });

  it('run --yes --rule NAME, throttled by default: only that rule; text output', async () => {
    await reload();
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'prod',
      '--config',
      configFile,
      '--rules',
      rulesFile,
      '--rule',
      'coupon-unread',
      '--yes',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /coupon-unread: done in [\d.]+ s: [\d,]+ keys changed, 10 left alone, 0 gone meanwhile, 0 errors/,
    );
    expect(run.stdout).toContain('verify: 0 keys the rule would still change');
    expect(run.stdout).not.toContain('last-activity');
    expect(await admin.pttl('contact:last:activity:x:above:1')).toBeGreaterThan(100 * DAY);
  });

  it('refusals: a bad rules file (path-named), an unknown rule, rules from the config section', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - {name: all, match: "*", action: cap, ttl: 0}\n');
    const invalid = await runCli(['ttl', 'dry-run', '--redis', target.url, '--rules', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('rules[0].ttl: ttl 0 must be more than 0');
    expect(invalid.stderr).toContain('rules[0].match: pattern * has no literal prefix');

    const unknown = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      target.url,
      '--rules',
      rulesFile,
      '--rule',
      'nope',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no rule named nope');

    const none = await runCli(['ttl', 'dry-run', '--redis', target.url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no rules');

    const withSection = join(dir, 'with-rules.yaml');
    writeFileSync(
      withSection,
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: prod\n    url: ${target.url}\n${RULES.replace('- name: exchange-price', '- name: exchange-price\n    cluster: prod')}`,
    );
    const fromConfig = await runCli([
      'ttl',
      'dry-run',
      '--cluster',
      'prod',
      '--config',
      withSection,
      '--json',
      '--no-save',
    ]);
    expect(fromConfig.code).toBe(0);
    expect((JSON.parse(fromConfig.stdout) as { rules: unknown[] }).rules).toHaveLength(3);
  });

  it('an unreachable target exits 2', async () => {
    const port = await findFreePort();
    const run = await runCli([
      'ttl',
      'dry-run',
      '--redis',
      `redis://127.0.0.1:${port}`,
      '--rules',
      rulesFile,
      '--timeout',
      '1000',
    ]);
    expect(run.code).toBe(2);
  });
});
