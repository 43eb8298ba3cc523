/**
 * Jitter units, end to end: a plain number below 1 is a fraction of the TTL (`0.25` = 25 %), a
 * string with `%` is a percent, and a plain number of 1 or more is refused as ambiguous with a
 * localized error that names the two ways to write it. The TTLs a run writes are read back from
 * Redis itself and compared with the range the rule's text states.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parseRules } from '../../src/remediation/rules.js';
import { RUNBOOK_RULES, RUNBOOK_RULES_YAML } from '../fixtures/runbook-rules.js';
import { nonProgressLines, runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const TTL_SEC = 86_400;
const KEYS = 400;

function rulesYaml(jitter: string): string {
  return `rules:\n  - name: spread\n    match: "jit:*"\n    action: set-missing\n    ttl: ${TTL_SEC}\n    jitter: ${jitter}\n    risk: low\n`;
}

describe('rule jitter units', () => {
  test('a plain fraction spreads TTLs over [ttl·(1−j), ttl], read back from Redis', async ({
    localRedis,
    admin,
    queueRedis,
  }) => {
    await admin.flushall();
    const pipe = admin.pipeline();
    for (let i = 0; i < KEYS; i++) pipe.set(`jit:${i}`, 'v');
    await pipe.exec();
    const dir = mkdtempSync(join(tmpdir(), 'medic-jitter-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, rulesYaml('0.25'));
    const config = join(dir, 'medic.yaml');
    writeFileSync(
      config,
      `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: prod\n    url: ${localRedis.url}\n`,
    );
    const run = await runCli(
      ['ttl', 'run', '--cluster', 'prod', '--config', config, '--rules', rules, '--yes', '--unthrottled'],
      { USER: 'jitter-test' },
    );
    expect(nonProgressLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const ttls: number[] = [];
    const read = admin.pipeline();
    for (let i = 0; i < KEYS; i++) read.ttl(`jit:${i}`);
    for (const [err, ttl] of (await read.exec()) ?? []) {
      expect(err).toBeNull();
      ttls.push(ttl as number);
    }
    // The rule's own numbers: ttl 86,400 s, jitter 25 % → [64,800 s, 86,400 s], less the run's time.
    const lo = TTL_SEC * 0.75 - 120;
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(lo);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(TTL_SEC);
    // 400 keys spread uniformly over a quarter of a day: some land in the lowest tenth of the range.
    expect(Math.min(...ttls)).toBeLessThan(TTL_SEC * 0.8);
  });

  test('a percent string is a percent, a fraction below 1 is a fraction', () => {
    const pct = parseRules(rulesYaml('"10%"'));
    const frac = parseRules(rulesYaml('0.1'));
    expect(pct.ok && pct.rules[0]?.jitter).toBe(0.1);
    expect(frac.ok && frac.rules[0]?.jitter).toBe(0.1);
  });

  test('a plain number of 1 or more is refused as ambiguous, in English and Chinese, naming the fix', async ({
    localRedis,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-jitter-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, rulesYaml('10'));
    const en = await runCli(['ttl', 'dry-run', '--redis', localRedis.url, '--rules', rules]);
    expect(en.code).toBe(1);
    expect(en.stdout).toBe('');
    expect(en.stderr).toContain('rules[0].jitter');
    expect(en.stderr).toContain('10%');
    expect(en.stderr).toContain('0.1');
    const zh = await runCli(['ttl', 'dry-run', '--redis', localRedis.url, '--rules', rules, '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.stderr).toContain('rules[0].jitter');
    expect(zh.stderr).toMatch(/[\u4e00-\u9fff]/);
    expect(zh.stderr).toContain('10%');
    expect(zh.stderr).toContain('0.1');
  });

  test('the example config, the README rule and the runbook fixture write jitter the same unambiguous way', () => {
    const root = join(import.meta.dirname, '../..');
    const sources = [
      readFileSync(join(root, 'config/redis-medic.example.yml'), 'utf8'),
      readFileSync(join(root, 'README.md'), 'utf8'),
      RUNBOOK_RULES_YAML,
    ];
    for (const text of sources) {
      for (const m of text.matchAll(/^\s*jitter:\s*(\S+)/gm)) {
        const value = m[1] ?? '';
        const parsed = parseRules(rulesYaml(value));
        expect(parsed.ok, `jitter: ${value}`).toBe(true);
      }
      // The range the docs state reads as a fraction of the TTL: a percent is shown beside it.
      for (const m of text.matchAll(/ttl·\(1−j\)[^\n]*/g)) expect(m[0]).toMatch(/%|fraction/);
    }
    // The fixture's hand-written reading of its own YAML: jitter 10% is the fraction 0.1.
    const fixture = parseRules(RUNBOOK_RULES_YAML);
    expect(fixture.ok && fixture.rules.map((r) => r.jitter)).toEqual(RUNBOOK_RULES.map((r) => r.jitter));
  });
});
