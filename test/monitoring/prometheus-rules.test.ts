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
import { prometheusRules, renderRules } from '../../src/monitoring/exports/prometheus-rules.js';
import { promtool } from './promtool.js';

const unitTests = resolve(import.meta.dirname, 'promtool');
const keysOnly = (key: string) => key;

function cluster(thresholds: string): ClusterConfig {
  const parsed = parseConfig(
    [
      'queue:',
      '  url: redis://127.0.0.1:1',
      'clusters:',
      '  - name: prod-cache',
      '    url: redis://127.0.0.1:2',
      '    runbookUrl: https://runbooks.example.com/redis/prod-cache',
      thresholds ? `    thresholds: ${thresholds}` : '',
    ].join('\n'),
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const found = parsed.config.clusters[0];
  if (!found) throw new Error('no cluster');
  return found;
}

/** A folder with the rules as `rules.yml` and the committed unit tests next to it. */
function workdir(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'medic-rules-'));
  writeFileSync(join(dir, 'rules.yml'), rules);
  for (const file of ['memory-alerts.test.yml', 'bot-alerts.test.yml']) {
    copyFileSync(join(unitTests, file), join(dir, file));
  }
  return dir;
}

describe('the exported Prometheus rules', () => {
  const own = cluster('{ warning: 55, critical: 72, emergency: 90 }');

  it.each(['en', 'zh'] as const)('pass promtool check rules (%s)', async (lang) => {
    const dir = workdir(renderRules(prometheusRules(own, createI18n({ strict: true }).plain(lang))));
    const checked = await promtool(['check', 'rules', 'rules.yml'], dir);
    expect(checked.output).toMatch(/SUCCESS: 6 rules found/);
    expect(checked.ok, checked.output).toBe(true);
  });

  it('fire at their thresholds after their for:, not before, not with maxmemory 0 (promtool test rules)', async () => {
    const dir = workdir(renderRules(prometheusRules(own, keysOnly)));
    const tested = await promtool(['test', 'rules', 'memory-alerts.test.yml', 'bot-alerts.test.yml'], dir);
    expect(tested.ok, tested.output).toBe(true);
  });

  it('follow the config: the same unit tests fail on rules made with the default thresholds', async () => {
    const dir = workdir(renderRules(prometheusRules(cluster(''), keysOnly)));
    const tested = await promtool(['test', 'rules', 'memory-alerts.test.yml'], dir);
    expect(tested.ok).toBe(false);
    expect(tested.output).toMatch(/RedisMemoryWarning/);
  });
});
