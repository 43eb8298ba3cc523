/**
 * The exported alerting rules are valid Prometheus rules (`promtool check rules`, in both languages)
 * and behave as the cluster's config says: the promtool unit tests in test/monitoring/promtool/ show
 * each alert firing at its threshold once its `for:` has passed, not before, and never when
 * maxmemory is 0. The same unit tests run against rules made with other thresholds must fail, so
 * they do read the thresholds from the config.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { monitoringExportFiles } from '../../src/monitoring/exports/export-files.js';
import { prometheusRules, renderRules } from '../../src/monitoring/exports/prometheus-rules.js';
import { promtool } from './promtool.js';

const unitTests = resolve(import.meta.dirname, 'promtool');
const keysOnly = (key: string) => key;

function config(thresholds: string, monitoring = '') {
  const parsed = parseConfig(
    [
      'queue:',
      '  url: redis://127.0.0.1:1',
      'clusters:',
      '  - name: prod-cache',
      '    url: redis://127.0.0.1:2',
      '    runbookUrl: https://runbooks.example.com/redis/prod-cache',
      thresholds ? `    thresholds: ${thresholds}` : '',
      monitoring,
    ].join('\n'),
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

function cluster(thresholds: string): ClusterConfig {
  const found = config(thresholds).clusters[0];
  if (!found) throw new Error('no cluster');
  return found;
}

/** A folder with the rules as `rules.yml` and the committed unit tests next to it. */
function workdir(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'medic-rules-'));
  writeFileSync(join(dir, 'rules.yml'), rules);
  for (const file of ['memory-alerts.test.yml', 'bot-alerts.test.yml', 'health-alerts.test.yml']) {
    copyFileSync(join(unitTests, file), join(dir, file));
  }
  return dir;
}

describe('the exported Prometheus rules', () => {
  const own = cluster('{ warning: 55, critical: 72, emergency: 90 }');

  it.each(['en', 'zh'] as const)('pass promtool check rules (%s)', async (lang) => {
    const dir = workdir(renderRules(prometheusRules(own, createI18n({ strict: true }).plain(lang))));
    const checked = await promtool(['check', 'rules', 'rules.yml'], dir);
    expect(checked.output).toMatch(/SUCCESS: 8 rules found/);
    expect(checked.ok, checked.output).toBe(true);
  });

  it('fire at their thresholds after their for:, not before, not with maxmemory 0 (promtool test rules)', async () => {
    const dir = workdir(renderRules(prometheusRules(own, keysOnly)));
    const files = ['memory-alerts.test.yml', 'bot-alerts.test.yml', 'health-alerts.test.yml'];
    const tested = await promtool(['test', 'rules', ...files], dir);
    expect(tested.ok, tested.output).toBe(true);
  });

  it('follow the config: the same unit tests fail on rules made with the default thresholds', async () => {
    const dir = workdir(renderRules(prometheusRules(cluster(''), keysOnly)));
    const tested = await promtool(['test', 'rules', 'memory-alerts.test.yml'], dir);
    expect(tested.ok).toBe(false);
    expect(tested.output).toMatch(/RedisMemoryWarning/);
  });

  it('derive the stale-sample line from monitoring.sample.cron: max(5 min, 5 × the interval), stated in the annotation', async () => {
    // Sampling every 10 minutes: samples are stale after 5 × 600 s = 3000 s, not after 5 minutes.
    const slow = config('', 'monitoring:\n  sample:\n    cron: "*/10 * * * *"');
    const target = slow.clusters[0] as ClusterConfig;
    const files = monitoringExportFiles(target, keysOnly, slow.monitoring);
    const rules = files.find((f) => f.kind === 'prometheus_rules')?.content ?? '';
    const dir = workdir(rules);
    const plain = monitoringExportFiles(target, createI18n({ strict: true }).plain('en'), slow.monitoring);
    const english = plain.find((f) => f.kind === 'prometheus_rules')?.content ?? '';
    expect(english).toMatch(/every 600 s.*3000 s/);
    // The timestamp stops at minute 30: more than 3000 s old from minute 81, firing 5 minutes later.
    writeFileSync(
      join(dir, 'slow.test.yml'),
      [
        'rule_files: [rules.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'redis_medic_sample_timestamp_seconds{cluster="prod-cache", job="redis-medic"}'`,
        '        values: "0+60x30 1800x100"',
        '    alert_rule_test:',
        '      - { eval_time: 60m, alertname: RedisMedicSamplesStale, exp_alerts: [] }',
        '      - { eval_time: 85m, alertname: RedisMedicSamplesStale, exp_alerts: [] }',
        '      - eval_time: 86m',
        '        alertname: RedisMedicSamplesStale',
        '        exp_alerts:',
        '          - exp_labels: { severity: warning, cluster: prod-cache, job: redis-medic }',
        '            exp_annotations:',
        '              summary: monitoring:rules.stale.summary',
        '              description: monitoring:rules.stale.description',
        '              runbook_url: https://runbooks.example.com/redis/prod-cache',
      ].join('\n'),
    );
    const tested = await promtool(['test', 'rules', 'slow.test.yml'], dir);
    expect(tested.ok, tested.output).toBe(true);
  });

  it('a one-second sample schedule still waits 5 minutes before calling samples stale', () => {
    const fast = config('', 'monitoring:\n  sample:\n    cron: "* * * * * *"');
    const rules = monitoringExportFiles(fast.clusters[0] as ClusterConfig, keysOnly, fast.monitoring)[0];
    expect(rules?.content).toMatch(
      /time\(\) - redis_medic_sample_timestamp_seconds\{cluster="prod-cache"\} > 300\b/,
    );
  });
});
