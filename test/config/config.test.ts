import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { parseRules } from '../../src/remediation/rules.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';

/** `${NAME}` as the config file spells it (built, so the linter doesn't take it for a template slip). */
const ref = (name: string) => ['$', '{', name, '}'].join('');

const minimal = `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
`;

const problemLines = (text: string, env: Record<string, string> = {}, lang: 'en' | 'zh' = 'en') => {
  const result = parseConfig(text, env, lang);
  if (result.ok) throw new Error('expected problems');
  const t = createI18n({ strict: true }).plain(lang);
  return result.problems.map((p) => `${p.path}: ${p.key ? t(p.key, p.values ?? {}) : p.text}`);
};

describe('config', () => {
  it('applies the documented defaults', () => {
    const result = parseConfig(minimal, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.defaultThresholds).toEqual({ warning: 60, critical: 70, emergency: 85 });
    expect(c.watch).toEqual({ targetPct: 75, intervalMinutes: 5, maxHours: 6 });
    expect(c.trend.windowHours).toBe(3);
    expect(c.queue.prefix).toBe('redis-medic');
    expect(c.clusters[0]).toMatchObject({
      name: 'market',
      mode: 'standalone',
      thresholds: c.defaultThresholds,
    });
  });

  it('the shipped example is valid once its secrets are in the environment', () => {
    const text = readFileSync(new URL('../../config/redis-medic.example.yml', import.meta.url), 'utf8');
    const result = parseConfig(text, { ISALES_REDIS_USER: 'medic', ISALES_REDIS_PASSWORD: 's3cret' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const cluster = result.config.clusters[0];
    expect(cluster?.password).toBe('s3cret');
    expect(cluster?.aws).toEqual({
      region: 'us-east-1',
      replicationGroupId: 'luckyus-isales-market',
      cacheNodeIds: ['luckyus-isales-market-001', 'luckyus-isales-market-002'],
    });
    expect(result.config.slack.channels).toEqual({ C0ISALESOPS: 'luckyus-isales-market' });
    // The runbook's four rules, validated like any rules file: the tests' shared fixture, on its cluster.
    expect(result.config.rules).toEqual(
      RUNBOOK_RULES.map((r) => ({ ...r, cluster: 'luckyus-isales-market' })),
    );
  });

  it('interpolates env references on the parsed tree, so secrets with YAML syntax stay data', () => {
    const text = `${minimal}    password: ${ref('PW')}\n`;
    const result = parseConfig(text, { PW: 'a: b # not a comment\n- x' });
    expect(result.ok && result.config.clusters[0]?.password).toBe('a: b # not a comment\n- x');
    const literal = parseConfig(`${minimal}    password: "$${ref('NOT_A_VAR')}"\n`, {});
    expect(literal.ok && literal.config.clusters[0]?.password).toBe(ref('NOT_A_VAR'));
  });

  it('reports every problem with its path, and nothing else', () => {
    const text = `
queue: { url: redis://127.0.0.1:6401 }
slack:
  channels: { C0OPS: nowhere }
  approvers: { users: [alice] }
thresholds: { warning: 80, critical: 70 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
  - name: market
    url: http://example.com
    password: ${ref('MISSING_PW')}
    aws: { region: us-east-1 }
    extra: true
`;
    const lines = problemLines(text);
    expect(lines).toEqual(
      expect.arrayContaining([
        'clusters[1].password: environment variable MISSING_PW is not set',
        'clusters[1].url: must be a redis:// or rediss:// URL with a host',
        expect.stringMatching(/^clusters\[1\]: .*extra/),
        expect.stringMatching(/^slack\.approvers\.users\[0\]: /),
      ]),
    );
    // superRefine checks run only on a structurally valid file; fix structure, then see them.
    const semantic = problemLines(`
queue: { url: redis://127.0.0.1:6401 }
slack: { channels: { C0OPS: nowhere } }
thresholds: { warning: 80, critical: 70 }
clusters:
  - { name: market, url: redis://127.0.0.1:6401 }
  - { name: market, url: redis://127.0.0.1:6402, aws: { region: us-east-1 } }
`);
    expect(semantic).toEqual(
      expect.arrayContaining([
        'clusters[1].name: cluster name market is already used by clusters[0]',
        'clusters[1].aws: aws needs replicationGroupId or cacheNodeIds to find the CloudWatch metrics',
        'thresholds: thresholds must rise: warning (80) < critical (70) < emergency (85)',
        "queue.url: the bot's queue Redis must not be on the same server as cluster market (another DB of the same server is refused too)",
        'slack.channels.C0OPS: refers to cluster nowhere, which is not in clusters',
      ]),
    );
  });

  it('localizes problems in Chinese', () => {
    const lines = problemLines(
      `queue: { url: redis://x:1 }\nclusters: [{ name: a, url: ftp://x }]`,
      {},
      'zh',
    );
    expect(lines).toContain('clusters[0].url: 必须是带主机名的 redis:// 或 rediss:// 地址');
  });

  it('four-eyes approval cannot be turned off: allowSelfApproval true is a problem, false is accepted', () => {
    expect(problemLines(`${minimal}approvals: { allowSelfApproval: true }\n`)).toEqual([
      'approvals.allowSelfApproval: four-eyes approval cannot be turned off: a second person approves every TTL run. Remove this setting',
    ]);
    expect(problemLines(`${minimal}approvals: { allowSelfApproval: true }\n`, {}, 'zh')).toEqual([
      'approvals.allowSelfApproval: 四眼审批不能关闭：每次 TTL 任务都须由另一人审批。请删除此设置',
    ]);
    expect(parseConfig(`${minimal}approvals: { allowSelfApproval: false }\n`, {}).ok).toBe(true);
  });

  it('reports YAML syntax errors with a position', () => {
    const lines = problemLines('queue: { url: redis://x\nclusters: [');
    expect(lines[0]).toMatch(/^\(yaml\): YAML syntax error at line \d+, column \d+/);
  });

  it('reports an alias without an anchor, and an alias bomb, as problems instead of throwing', () => {
    expect(problemLines(`${minimal}extra: *nope\n`)).toEqual([
      '(yaml): YAML error: an alias (*name) refers to an anchor (&name) that is not defined',
    ]);
    expect(problemLines('*a\n', {}, 'zh')).toEqual([
      '(yaml): YAML 错误：别名（`*name`）引用了未定义的锚点（`&name`）',
    ]);
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(problemLines(`${levels.join('\n')}\n`)[0]).toMatch(/aliases are expanded too many times/);
  });

  it('a rules file with an alias without an anchor is a problem, not a crash', () => {
    const result = parseRules('rules: *missing\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.key)).toEqual(['config:yaml_alias_unknown']);
  });
});

describe('monitoring schedules', () => {
  const base = (monitoring: string) =>
    `queue:\n  url: redis://127.0.0.1:6390\nclusters:\n  - name: a\n    url: redis://127.0.0.1:6391\n${monitoring}`;

  it('defaults to a sample every minute in UTC, alerts with hysteresis, no daily summary', () => {
    const r = parseConfig(base(''), {});
    expect(r.ok && r.config.monitoring).toMatchObject({
      enabled: true,
      sample: { cron: '* * * * *', timeZone: 'UTC' },
      retentionDays: 14,
      alerts: { minDurationSeconds: 120, hysteresisPct: 2, evictions: true },
    });
    expect(r.ok && r.config.monitoring.summary).toBeUndefined();
  });

  it('accepts six-field (seconds) expressions and a daily summary', () => {
    const r = parseConfig(
      base('monitoring:\n  sample:\n    cron: "* * * * * *"\n  summary:\n    cron: "0 9 * * *"\n'),
      {},
    );
    expect(r.ok).toBe(true);
  });

  it.each([
    ['retentionDays', 'retentionDays: 0.0001', 1, 90],
    ['retentionDays', 'retentionDays: 91', 1, 90],
    ['alerts.minDurationSeconds', 'alerts:\n    minDurationSeconds: -1', 0, 3600],
    ['alerts.hysteresisPct', 'alerts:\n    hysteresisPct: 25', 0, 20],
    ['alerts.keysWithoutTtlPerHour', 'alerts:\n    keysWithoutTtlPerHour: 0.5', 1, 1_000_000_000],
    ['alerts.keysWithoutTtlPerHour', 'alerts:\n    keysWithoutTtlPerHour: 2000000000', 1, 1_000_000_000],
  ])(
    'monitoring.%s out of range is a localized error naming the path and the bounds',
    (field, yaml, low, high) => {
      for (const lang of ['en', 'zh'] as const) {
        const r = parseConfig(base(`monitoring:\n  ${yaml}\n`), {}, lang);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.problems).toEqual([
          expect.objectContaining({
            path: `monitoring.${field}`,
            key: 'config:number_range',
            values: { low, high },
          }),
        ]);
      }
    },
  );

  it('accepts ordinary steps and ranges in cron expressions', () => {
    for (const cron of [
      '*/30 * * * *',
      '5/15 * * * *',
      '0 */6 * * *',
      '*/59 * * * * *',
      '0 9 * * 1-5',
      '0 0 1 */3 *',
    ])
      expect(parseConfig(base(`monitoring:\n  sample:\n    cron: "${cron}"\n`), {}).ok, cron).toBe(true);
  });

  it('accepts the bounds themselves: 1 and 90 days of history', () => {
    for (const days of [1, 90])
      expect(parseConfig(base(`monitoring:\n  retentionDays: ${days}\n`), {}).ok).toBe(true);
  });

  it.each([
    ['sample.cron', 'monitoring:\n  sample:\n    cron: "61 * * * *"\n', 'monitoring.sample.cron'],
    ['summary.cron', 'monitoring:\n  summary:\n    cron: "every day"\n', 'monitoring.summary.cron'],
    // Steps no field can take twice: the parser quietly runs them once a cycle (hourly, daily).
    ['minute step', 'monitoring:\n  sample:\n    cron: "*/61 * * * *"\n', 'monitoring.sample.cron'],
    ['hour step', 'monitoring:\n  summary:\n    cron: "0 */25 * * *"\n', 'monitoring.summary.cron'],
    ['second step', 'monitoring:\n  sample:\n    cron: "*/90 * * * * *"\n', 'monitoring.sample.cron'],
  ])('a bad %s is a config error naming its path, in both languages', (_, yaml, path) => {
    for (const lang of ['en', 'zh'] as const) {
      const r = parseConfig(base(yaml), {}, lang);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems).toEqual([expect.objectContaining({ path, key: 'config:cron' })]);
    }
  });
});
