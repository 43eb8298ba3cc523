/**
 * `redis-medic monitoring export` through the real CLI: it writes the cluster's rules and dashboard
 * (the rules pass `promtool check rules` and carry the cluster's own thresholds), answers JSON in
 * snake_case, and refuses an unknown cluster or a missing --out with the localized sentence, writing
 * nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { promtool } from '../monitoring/promtool.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'medic-monitoring-'));
const config = join(dir, 'config.yml');
writeFileSync(
  config,
  [
    'queue:',
    '  url: redis://127.0.0.1:1',
    'clusters:',
    '  - name: market',
    '    url: redis://127.0.0.1:2',
    '    thresholds: { warning: 50, critical: 65, emergency: 80 }',
    '  - name: other',
    '    url: redis://127.0.0.1:3',
  ].join('\n'),
);

describe('redis-medic monitoring export', () => {
  it('writes the rules and the dashboard of the cluster', async () => {
    const out = join(dir, 'out');
    const run = await runCli([
      'monitoring',
      'export',
      '--cluster',
      'market',
      '--out',
      out,
      '--config',
      config,
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      cluster: string;
      files: { kind: string; path: string; bytes: number }[];
    };
    expect(answer.cluster).toBe('market');
    expect(answer.files.map((f) => f.kind)).toEqual(['prometheus_rules', 'grafana_dashboard']);
    expect(readdirSync(out).sort()).toEqual([
      'redis-medic-market-dashboard.json',
      'redis-medic-market-rules.yml',
    ]);
    for (const f of answer.files) expect(readFileSync(f.path).length).toBe(f.bytes);

    const checked = await promtool(['check', 'rules', 'redis-medic-market-rules.yml'], out);
    expect(checked.ok, checked.output).toBe(true);
    const rules = parse(readFileSync(join(out, 'redis-medic-market-rules.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const exprOf = (alert: string) =>
      rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert)?.expr;
    expect(exprOf('RedisMemoryWarning')).toContain('>= 50)');
    expect(exprOf('RedisMemoryCritical')).toContain('>= 65)');
    expect(exprOf('RedisMemoryEmergency')).toContain('>= 80)');
    const dashboard = JSON.parse(readFileSync(join(out, 'redis-medic-market-dashboard.json'), 'utf8')) as {
      panels: { fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] } } } }[];
    };
    expect(dashboard.panels[0]?.fieldConfig.defaults.thresholds?.steps.map((s) => s.value)).toEqual([
      null,
      50,
      65,
      80,
    ]);
  });

  it("alerts on keys without TTL at the config's monitoring.alerts.keysWithoutTtlPerHour (promtool test rules)", async () => {
    const own = join(dir, 'ttl-config.yml');
    writeFileSync(
      own,
      [
        'queue:',
        '  url: redis://127.0.0.1:1',
        'monitoring:',
        '  alerts: { keysWithoutTtlPerHour: 500 }',
        'clusters:',
        '  - name: market',
        '    url: redis://127.0.0.1:2',
      ].join('\n'),
    );
    const out = join(dir, 'ttl-out');
    const run = await runCli(['monitoring', 'export', '--cluster', 'market', '--out', out, '--config', own]);
    expect(run.code, run.stderr).toBe(0);
    // Only who fires is under test here: the rules without their (localized) annotations.
    const rules = parse(readFileSync(join(out, 'redis-medic-market-rules.yml'), 'utf8')) as {
      groups: { rules: { annotations?: unknown }[] }[];
    };
    for (const rule of rules.groups.flatMap((g) => g.rules)) delete rule.annotations;
    writeFileSync(join(out, 'bare-rules.yml'), stringify(rules));
    // 600 keys without TTL an hour (10 a minute) is over the configured 500 an hour: the rule fires
    // after its hour of history and its `for:`; 300 an hour never does.
    writeFileSync(
      join(out, 'ttl.test.yml'),
      [
        'rule_files: [bare-rules.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        '      - series: \'redis_medic_keys_without_ttl{cluster="market", job="fast"}\'',
        '        values: "0+10x180"',
        '      - series: \'redis_medic_keys_without_ttl{cluster="market", job="slow"}\'',
        '        values: "0+5x180"',
        '    alert_rule_test:',
        '      - eval_time: 120m',
        '        alertname: RedisKeysWithoutTtlGrowing',
        '        exp_alerts:',
        '          - exp_labels: { severity: warning, cluster: market, job: fast }',
      ].join('\n'),
    );
    const tested = await promtool(['test', 'rules', 'ttl.test.yml'], out);
    expect(tested.ok, tested.output).toBe(true);
  });

  it('refuses an unknown cluster, naming the known ones, and writes nothing', async () => {
    const out = join(dir, 'unknown');
    const run = await runCli(['monitoring', 'export', '--cluster', 'nope', '--out', out, '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown cluster nope; the config knows: market, other');
    expect(existsSync(out)).toBe(false);
  });

  it('asks for --out, in Chinese too', async () => {
    const run = await runCli([
      'monitoring',
      'export',
      '--cluster',
      'market',
      '--config',
      config,
      '--lang',
      'zh',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('需要指定 --out DIR');
  });
});
