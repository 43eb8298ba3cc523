/**
 * `runbook_url` comes from the config (`clusters[].runbookUrl`) but Prometheus renders every
 * annotation as a Go template: a URL with `{{` in it (a wiki's templated link) must still load, and
 * the alert must carry the URL exactly as configured. Checked with promtool itself: its unit test
 * compares the annotation Prometheus renders with the configured text.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { prometheusRules, renderRules } from '../../src/monitoring/exports/prometheus-rules.js';
import { promtool } from './promtool.js';

const keysOnly = (key: string) => key;

function clusterWithRunbook(url: string) {
  const parsed = parseConfig(
    [
      'queue:',
      '  url: redis://127.0.0.1:1',
      'clusters:',
      '  - name: prod-cache',
      '    url: redis://127.0.0.1:2',
      `    runbookUrl: ${JSON.stringify(url)}`,
    ].join('\n'),
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const found = parsed.config.clusters[0];
  if (!found) throw new Error('no cluster');
  return found;
}

describe('runbook_url with template braces', () => {
  it.each(['https://wiki.example.com/x/{{cluster', 'https://wiki.example.com/r?q={{ $value }}&a=}}'])(
    'loads in Prometheus and renders %s literally',
    async (url) => {
      const dir = mkdtempSync(join(tmpdir(), 'medic-runbook-'));
      writeFileSync(join(dir, 'rules.yml'), renderRules(prometheusRules(clusterWithRunbook(url), keysOnly)));
      const check = await promtool(['check', 'rules', 'rules.yml'], dir);
      expect(check.output).toContain('SUCCESS');
      expect(check.ok).toBe(true);
      // RedisDown fires after 2m of redis_up == 0: its runbook_url is what Prometheus renders.
      const unit = {
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'redis_up{cluster="prod-cache", instance="a"}', values: '0x5' }],
            alert_rule_test: [
              {
                eval_time: '3m',
                alertname: 'RedisDown',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', cluster: 'prod-cache', instance: 'a' },
                    exp_annotations: {
                      summary: 'monitoring:rules.down.summary',
                      description: 'monitoring:rules.down.description',
                      runbook_url: url,
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      writeFileSync(join(dir, 'runbook.test.yml'), stringify(unit));
      const tested = await promtool(['test', 'rules', 'runbook.test.yml'], dir);
      expect(tested.output).toContain('SUCCESS');
      expect(tested.ok).toBe(true);
    },
  );
});
