/**
 * What `ttl dry-run` and `ttl run` print for a person: one duration estimate in the text and the
 * JSON, a plan whose title says how it is ordered (and the README's rules each state their risk),
 * and progress lines on a stderr that is not a terminal (cron, CI, a pipe) instead of silence.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const ROOT = join(import.meta.dirname, '../..');
const KEYS = 5_000;

/** The README's rules example, as a reader copies it. */
function readmeRules(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```yaml\n(rules:\n[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no ```yaml rules: block');
  return block;
}

/** The rule order the README promises, worked out from the rules' text and the dry-run's counts. */
const RISK_RANK: Record<string, number> = { low: 0, medium: 1, unknown: 2, high: 3 };

describe('ttl output for people', () => {
  test('the text estimate is the JSON estimate, in the same unit', async ({ localRedis, admin }) => {
    await admin.flushall();
    await loadDataset(admin, { keys: KEYS });
    const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-out-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, readmeRules());
    const args = ['ttl', 'dry-run', '--redis', localRedis.url, '--rules', rules, '--rule', 'coupon-unread'];
    const json = await runCli([...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const sec = (JSON.parse(json.stdout) as { rules: { estimated_duration_sec: number }[] }).rules[0]
      ?.estimated_duration_sec as number;
    // A DBSIZE of 5,000 at the default 10,000 keys/s: under a minute, so it must read in seconds.
    expect(sec).toBeGreaterThan(0);
    expect(sec).toBeLessThan(60);
    const text = await runCli(args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`about ${sec} s`);
    expect(text.stdout).not.toMatch(/about \d+ min/);
  });

  test("the plan says how it is ordered, and the README's rules all state their risk", async ({
    localRedis,
    admin,
  }) => {
    await admin.flushall();
    await loadDataset(admin, { keys: KEYS });
    const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-out-'));
    const rules = join(dir, 'rules.yaml');
    const yaml = readmeRules();
    writeFileSync(rules, yaml);
    const args = ['ttl', 'dry-run', '--redis', localRedis.url, '--rules', rules];
    const json = await runCli([...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const plan = (JSON.parse(json.stdout) as { rules: { name: string; to_change: number }[] }).rules;
    // Each rule's risk read from the README's own text (absent: unknown).
    const stated = new Map<string, string>();
    for (const part of yaml.split(/\n\s*- name: /).slice(1)) {
      const name = part.split('\n')[0]?.trim() ?? '';
      stated.set(name, /\n\s*risk: (\w+)/.exec(part)?.[1] ?? 'unknown');
    }
    expect([...stated.values()]).not.toContain('unknown');
    const expected = [...plan].sort(
      (a, b) =>
        (RISK_RANK[stated.get(a.name) ?? 'unknown'] ?? 2) -
          (RISK_RANK[stated.get(b.name) ?? 'unknown'] ?? 2) || a.to_change - b.to_change,
    );
    expect(plan.map((r) => r.name)).toEqual(expected.map((r) => r.name));
    const text = await runCli(args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toContain('risk unknown');
    // The title names the order the plan really follows: risk first, then keys to change.
    const title = text.stdout.split('\n').find((l) => l.startsWith('Plan'));
    expect(title).toMatch(/risk/);
    expect(title).toMatch(/keys/);
  });

  test(
    'ttl run with stderr not a terminal: plain progress lines, no carriage returns, in order',
    async ({ localRedis, admin, queueRedis }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-out-'));
      const rules = join(dir, 'rules.yaml');
      writeFileSync(rules, readmeRules());
      const config = join(dir, 'medic.yaml');
      writeFileSync(
        config,
        `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: prod\n    url: ${localRedis.url}\n`,
      );
      // runCli pipes stderr: not a TTY, as under cron or CI. Throttled (the default): many pages.
      const run = await runCli(
        [
          'ttl',
          'run',
          '--cluster',
          'prod',
          '--config',
          config,
          '--rules',
          rules,
          '--rule',
          'coupon-unread',
          '--yes',
        ],
        { USER: 'progress-test' },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('\r');
      expect(run.stderr).not.toContain('\u001b');
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('coupon-unread ['));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const pcts = lines.map((l) => Number(/\] (\d+)%/.exec(l)?.[1]));
      expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
      expect(new Set(pcts).size).toBe(pcts.length);
      expect(run.stderr).toMatch(/^Dry-run coupon-unread: /m);
    },
    budgetMs(KEYS * 4),
  );
});
