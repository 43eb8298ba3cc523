import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, type ConfigProblem, parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { LANGS } from '../../src/i18n/types.js';
import { globMayMatchPrefix, literalPrefix } from '../../src/keyspace/glob.js';
import { isRemediationError } from '../../src/remediation/errors.js';
import {
  changesKey,
  loadRulesFile,
  MAX_TTL_SEC,
  parseDuration,
  parseJitter,
  parseRules,
  planRules,
  selectRules,
  ttlRangeMs,
} from '../../src/remediation/rules.js';
import type { DryRun, TtlRule } from '../../src/remediation/types.js';
import { RUNBOOK_RULES, RUNBOOK_RULES_YAML } from '../fixtures/runbook-rules.js';

const ISSUE_EXAMPLE = `
rules:
  - name: coupon-unread
    match: "MARKETING:COUPON:UNREAD:*"
    action: set-missing
    ttl: 60d
    jitter: 10%
    risk: low
    note: read-heavy, regenerated on coupon events
  - name: last-activity
    match: "contact:last:activity:*"
    action: cap
    ttl: 90d
`;

function problemsOf(yaml: string, ctx: Parameters<typeof parseRules>[1] = {}): ConfigProblem[] {
  const result = parseRules(yaml, ctx);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

function oneRule(fields: string): string {
  return `rules:\n  - name: r\n${fields
    .trim()
    .split('\n')
    .map((l) => `    ${l.trim()}`)
    .join('\n')}\n`;
}

describe('parsing rules', () => {
  it('reads the issue example: durations in seconds, jitter as a fraction, defaults applied', () => {
    const result = parseRules(ISSUE_EXAMPLE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rules).toEqual([
      {
        name: 'coupon-unread',
        match: 'MARKETING:COUPON:UNREAD:*',
        action: 'set-missing',
        ttlSec: 60 * 86_400,
        jitter: 0.1,
        includeMissing: false,
        allowBroad: false,
        risk: 'low',
        note: 'read-heavy, regenerated on coupon events',
      },
      {
        name: 'last-activity',
        match: 'contact:last:activity:*',
        action: 'cap',
        ttlSec: 90 * 86_400,
        jitter: 0.1,
        includeMissing: false,
        allowBroad: false,
        risk: 'unknown',
      },
    ]);
  });

  it("reads the runbook's four rules as the runbook states them", () => {
    const result = parseRules(RUNBOOK_RULES_YAML);
    expect(result.ok && result.rules).toEqual(RUNBOOK_RULES);
  });

  it('durations: s/m/h/d suffixes or plain seconds; jitter: a percent or a fraction below 1', () => {
    expect(parseDuration('60d')).toBe(5_184_000);
    expect(parseDuration('12h')).toBe(43_200);
    expect(parseDuration('90m')).toBe(5_400);
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('1.5d')).toBe(129_600);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration(3600)).toBe(3600);
    expect(parseDuration('7 D')).toBe(604_800);
    expect(parseDuration('abc')).toBeUndefined();
    expect(parseDuration('5w')).toBeUndefined();
    expect(parseJitter('10%')).toBe(0.1);
    expect(parseJitter('2.5 %')).toBe(0.025);
    expect(parseJitter(0.2)).toBe(0.2);
    expect(parseJitter('0.2')).toBe(0.2);
    expect(parseJitter(20)).toBeUndefined();
    expect(parseJitter('ten')).toBeUndefined();
  });

  it('reads all fields, kebab-case as in the issue', () => {
    const result = parseRules(
      oneRule(`
        cluster: prod
        match: "contact:last:activity:*"
        action: cap
        ttl: 7776000
        jitter: 0
        include-missing: true
        risk: medium
        expected: 374639
      `),
      { clusters: ['prod'] },
    );
    expect(result).toEqual({
      ok: true,
      rules: [
        {
          name: 'r',
          cluster: 'prod',
          match: 'contact:last:activity:*',
          action: 'cap',
          ttlSec: 7_776_000,
          jitter: 0,
          includeMissing: true,
          allowBroad: false,
          risk: 'medium',
          expected: 374_639,
        },
      ],
    });
  });

  it('the main config file is a rules file too (other top-level keys ignored)', () => {
    const text = `queue:\n  url: redis://q:6379\nclusters:\n  - name: prod\n    url: redis://p:6379\n${ISSUE_EXAMPLE}`;
    const result = parseRules(text);
    expect(result.ok && result.rules.map((r) => r.name)).toEqual(['coupon-unread', 'last-activity']);
  });
});

describe('refusals, path-named and localized', () => {
  const cases: [string, string, string, string][] = [
    [
      'no literal prefix: *',
      'match: "*"\naction: set-missing\nttl: 1d',
      'rules[0].match',
      'remediation:rule.no_literal_prefix',
    ],
    [
      'no literal prefix: ?',
      'match: "?x:*"\naction: set-missing\nttl: 1d',
      'rules[0].match',
      'remediation:rule.no_literal_prefix',
    ],
    [
      'no literal prefix: [',
      'match: "[ab]:*"\naction: set-missing\nttl: 1d',
      'rules[0].match',
      'remediation:rule.no_literal_prefix',
    ],
    [
      'the queue prefix',
      'match: "redis-medic:*"\naction: cap\nttl: 1d',
      'rules[0].match',
      'remediation:rule.matches_bot_keys',
    ],
    [
      'a glob over the queue prefix',
      'match: "redis-*"\naction: cap\nttl: 1d',
      'rules[0].match',
      'remediation:rule.matches_bot_keys',
    ],
    [
      'a short prefix that reaches it',
      'match: "r*"\naction: cap\nttl: 1d',
      'rules[0].match',
      'remediation:rule.matches_bot_keys',
    ],
    [
      'BullMQ keys',
      'match: "bull:*"\naction: cap\nttl: 1d',
      'rules[0].match',
      'remediation:rule.matches_bot_keys',
    ],
    [
      'BullMQ via a class',
      'match: "b[tu]ll:*"\naction: cap\nttl: 1d',
      'rules[0].match',
      'remediation:rule.matches_bot_keys',
    ],
    ['ttl 0', 'match: "a:*"\naction: cap\nttl: 0', 'rules[0].ttl', 'remediation:rule.ttl_not_positive'],
    ['ttl 0d', 'match: "a:*"\naction: cap\nttl: 0d', 'rules[0].ttl', 'remediation:rule.ttl_not_positive'],
    [
      'negative ttl',
      'match: "a:*"\naction: cap\nttl: -60',
      'rules[0].ttl',
      'remediation:rule.ttl_not_positive',
    ],
    [
      'ttl over 10 years',
      'match: "a:*"\naction: cap\nttl: 3651d',
      'rules[0].ttl',
      'remediation:rule.ttl_too_long',
    ],
    [
      'not a duration',
      'match: "a:*"\naction: cap\nttl: soon',
      'rules[0].ttl',
      'remediation:rule.bad_duration',
    ],
    [
      'jitter above 50 %',
      'match: "a:*"\naction: cap\nttl: 1d\njitter: 60%',
      'rules[0].jitter',
      'remediation:rule.jitter_range',
    ],
    [
      'negative jitter',
      'match: "a:*"\naction: cap\nttl: 1d\njitter: -5%',
      'rules[0].jitter',
      'remediation:rule.jitter_range',
    ],
    [
      'not a percent',
      'match: "a:*"\naction: cap\nttl: 1d\njitter: lots',
      'rules[0].jitter',
      'remediation:rule.bad_jitter',
    ],
    [
      'unknown cluster',
      'cluster: staging\nmatch: "a:*"\naction: cap\nttl: 1d',
      'rules[0].cluster',
      'remediation:rule.unknown_cluster',
    ],
  ];
  for (const [label, fields, path, key] of cases) {
    it(label, () => {
      const problems = problemsOf(oneRule(fields), { clusters: ['prod'] });
      expect(problems).toContainEqual(expect.objectContaining({ path, key }));
    });
  }

  it('allow-broad lets a broad pattern through (and only that)', () => {
    expect(
      parseRules(oneRule('match: "*:session"\naction: set-missing\nttl: 1d\nallow-broad: true')).ok,
    ).toBe(true);
    expect(parseRules(oneRule('match: "bull:*"\naction: set-missing\nttl: 1d\nallow-broad: true')).ok).toBe(
      true,
    );
    expect(problemsOf(oneRule('match: "*"\naction: set-missing\nttl: 0\nallow-broad: true'))).toHaveLength(1);
  });

  it('a custom queue prefix is protected instead of the default one', () => {
    const yaml = oneRule('match: "medic-prod:*"\naction: cap\nttl: 1d');
    expect(problemsOf(yaml, { queuePrefix: 'medic-prod' })[0]?.key).toBe('remediation:rule.matches_bot_keys');
    expect(
      parseRules(oneRule('match: "redis-medic:*"\naction: cap\nttl: 1d'), { queuePrefix: 'medic-prod' }).ok,
    ).toBe(true);
  });

  it('duplicate names, a missing rules list, YAML errors, unknown fields', () => {
    const dup = `rules:\n  - {name: a, match: "a:*", action: cap, ttl: 1d}\n  - {name: a, match: "b:*", action: cap, ttl: 1d}\n`;
    expect(problemsOf(dup)).toEqual([
      { path: 'rules[1].name', key: 'remediation:rule.duplicate_name', values: { name: 'a', first: 0 } },
    ]);
    expect(problemsOf('other: 1')).toEqual([{ path: 'rules', key: 'remediation:rule.no_rules_list' }]);
    expect(problemsOf('rules: [')[0]?.key).toBe('config:yaml_syntax');
    const unknown = problemsOf(oneRule('match: "a:*"\naction: cap\nttl: 1d\ntll: 2d'));
    expect(unknown[0]?.path).toBe('rules[0]');
    expect(unknown[0]?.text).toBeTruthy();
    expect(problemsOf(oneRule('match: "a:*"\naction: delete\nttl: 1d'))[0]?.path).toBe('rules[0].action');
  });

  it('every refusal reads well in both languages, values filled in', () => {
    const i18n = createI18n({ strict: true });
    const all = cases.flatMap(([, fields]) => problemsOf(oneRule(fields), { clusters: ['prod'] }));
    all.push(...problemsOf('other: 1'));
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const p of all.filter((x) => x.key)) {
        const text = t(p.key as string, p.values ?? {});
        expect(text).not.toMatch(/\{\{|remediation:/);
      }
    }
  });

  it('the core refusals (errors:<code>) exist in both languages with their values', () => {
    const i18n = createI18n({ strict: true });
    const values = { name: 'n', known: 'a, b', cluster: 'c', target: 't', version: '6.2.14' };
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const key of [
        'unknown_rule',
        'rule_for_other_cluster',
        'no_rules_for_target',
        'options_need_7',
        'no_safe_strategy',
      ]) {
        expect(t(`errors:${key}`, values)).not.toMatch(/\{\{|errors:/);
      }
    }
  });

  it('loadRulesFile throws ConfigInvalidError naming the file and every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, oneRule('match: "*"\naction: cap\nttl: 0'));
    try {
      loadRulesFile(file);
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigInvalidError);
      // All at once: the rule's own problems and, in the same report, that "*" reaches the bot's keys.
      expect((err as ConfigInvalidError).problems.map((p) => [p.path, p.key])).toEqual([
        ['rules[0].ttl', 'remediation:rule.ttl_not_positive'],
        ['rules[0].match', 'remediation:rule.no_literal_prefix'],
        ['rules[0].match', 'remediation:rule.matches_bot_keys'],
      ]);
    }
    expect(() => loadRulesFile(join(dir, 'missing.yaml'))).toThrow(/cannot read/);
  });
});

describe('the rules: section of the main config', () => {
  const base = `queue:\n  url: redis://queue:6379\n  prefix: medic\nclusters:\n  - name: prod\n    url: redis://prod:6379\n`;

  it('is validated with the config (clusters and queue prefix known) and resolved', () => {
    const ok = parseConfig(
      `${base}${ISSUE_EXAMPLE.replace('  - name: last-activity', '  - name: last-activity\n    cluster: prod')}`,
      {},
    );
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.config.rules.map((r) => [r.name, r.ttlSec, r.cluster])).toEqual([
        ['coupon-unread', 5_184_000, undefined],
        ['last-activity', 7_776_000, 'prod'],
      ]);
    }
    const noRules = parseConfig(base, {});
    expect(noRules.ok && noRules.config.rules).toEqual([]);
  });

  it('reports rule problems with config paths', () => {
    const bad = parseConfig(
      `${base}rules:\n  - {name: a, cluster: nope, match: "medic:*", action: cap, ttl: 20y}\n`,
      {},
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems.map((p) => [p.path, p.key ?? 'zod'])).toEqual(
        expect.arrayContaining([
          ['rules[0].ttl', 'remediation:rule.bad_duration'],
          ['rules[0].cluster', 'remediation:rule.unknown_cluster'],
          ['rules[0].match', 'remediation:rule.matches_bot_keys'],
        ]),
      );
    }
  });
});

describe('glob analysis', () => {
  it('literal prefix, escapes resolved', () => {
    expect(literalPrefix('MARKETING:COUPON:UNREAD:*')).toBe('MARKETING:COUPON:UNREAD:');
    expect(literalPrefix('a\\*b*')).toBe('a*b');
    expect(literalPrefix('*x')).toBe('');
    expect(literalPrefix('user:[0-9]*')).toBe('user:');
  });

  it('could a glob match some key under a prefix?', () => {
    expect(globMayMatchPrefix('redis-medic:*', 'redis-medic:')).toBe(true);
    expect(globMayMatchPrefix('redis-medic', 'redis-medic:')).toBe(false);
    expect(globMayMatchPrefix('redis-medicX:*', 'redis-medic:')).toBe(false);
    expect(globMayMatchPrefix('re?is-*', 'redis-medic:')).toBe(true);
    expect(globMayMatchPrefix('[^r]*', 'redis-medic:')).toBe(false);
    expect(globMayMatchPrefix('[a-z]*', 'bull:')).toBe(true);
    expect(globMayMatchPrefix('bu', 'bull:')).toBe(false);
    expect(globMayMatchPrefix('contact:*', 'bull:')).toBe(false);
  });

  it('which keys a rule changes, and the jittered range', () => {
    const cap = { action: 'cap' as const, ttlSec: 100, includeMissing: false };
    expect(changesKey(cap, 100_001)).toBe(true);
    expect(changesKey(cap, 100_000)).toBe(false);
    expect(changesKey(cap, -1)).toBe(false);
    expect(changesKey({ ...cap, includeMissing: true }, -1)).toBe(true);
    expect(changesKey({ ...cap, action: 'set-missing' }, -1)).toBe(true);
    expect(changesKey({ ...cap, action: 'set-missing' }, 500_000)).toBe(false);
    expect(ttlRangeMs({ ttlSec: 90 * 86_400, jitter: 0.1 })).toEqual({
      minMs: 81 * 86_400_000,
      maxMs: 90 * 86_400_000,
    });
    expect(MAX_TTL_SEC).toBe(315_360_000);
  });
});

describe('selecting and planning', () => {
  const r = (name: string, extra: Partial<TtlRule> = {}): TtlRule => ({
    name,
    match: `${name}:*`,
    action: 'set-missing',
    ttlSec: 86_400,
    jitter: 0.1,
    includeMissing: false,
    allowBroad: false,
    risk: 'low',
    ...extra,
  });

  it('rules of the target (and those naming no cluster), or one by name', () => {
    const rules = [r('a'), r('b', { cluster: 'prod' }), r('c', { cluster: 'staging' })];
    expect(selectRules(rules, 'prod').map((x) => x.name)).toEqual(['a', 'b']);
    expect(selectRules(rules, 'prod', 'a').map((x) => x.name)).toEqual(['a']);
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isRemediationError(err) ? err.code : String(err);
      }
      return 'no error';
    };
    expect(refusal(() => selectRules(rules, 'prod', 'c'))).toBe('rule_for_other_cluster');
    expect(refusal(() => selectRules(rules, 'prod', 'zzz'))).toBe('unknown_rule');
    expect(refusal(() => selectRules([r('x', { cluster: 'staging' })], 'prod'))).toBe('no_rules_for_target');
  });

  it('plan: the runbook order (risk, then keys to change, then bytes)', () => {
    const dry = (name: string, risk: TtlRule['risk'], toChange: number, bytesToFree = 0) =>
      ({ rule: r(name, { risk }), toChange, bytesToFree }) as Pick<
        DryRun,
        'rule' | 'toChange' | 'bytesToFree'
      >;
    const plan = planRules([
      dry('coupon-unread', 'low', 147_111),
      dry('user-group-label', 'medium', 177_450),
      dry('exchange-price', 'low', 473),
      dry('last-activity', 'low', 374_639),
    ]);
    expect(plan.map((d) => d.rule.name)).toEqual([
      'exchange-price',
      'coupon-unread',
      'last-activity',
      'user-group-label',
    ]);
    const tie = planRules([
      dry('b', 'low', 10, 500),
      dry('a', 'low', 10, 100),
      dry('h', 'high', 1),
      dry('u', 'unknown', 1),
    ]);
    expect(tie.map((d) => d.rule.name)).toEqual(['a', 'b', 'u', 'h']);
  });
});
