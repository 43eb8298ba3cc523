/**
 * The exported Grafana dashboard is a sound JSON model (schemaVersion, unique panel ids, panels that
 * do not overlap on the 24-column grid, a `datasource` variable every panel and query uses, the
 * `cluster` variable) with the runbook's four panels, and every metric a panel or variable queries
 * exists: redis_exporter's (the fixture, from the exporter's source), the bot's own (read from the
 * /metrics registry itself) or the rules'. The rules, too, query only such metrics.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { type GridPos, grafanaDashboard } from '../../src/monitoring/exports/grafana-dashboard.js';
import { prometheusRules } from '../../src/monitoring/exports/prometheus-rules.js';
import { metricNamesIn } from '../../src/monitoring/exports/promql.js';
import { MedicMetrics } from '../../src/monitoring/metrics/registry.js';
import { promtool } from './promtool.js';

const fixture = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/monitoring/redis-exporter-metrics.json'), 'utf8'),
) as { metrics: Record<string, string> };
const exporterNames = new Set(Object.keys(fixture.metrics));

const cluster: ClusterConfig = {
  name: 'prod-cache',
  url: 'redis://127.0.0.1:1',
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
};

async function botNames(): Promise<Set<string>> {
  const metrics = await new MedicMetrics().registry.getMetricsAsJSON();
  return new Set(metrics.map((m) => m.name));
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe.each(['en', 'zh'] as const)('the exported Grafana dashboard (%s)', (lang) => {
  const t = createI18n({ strict: true }).plain(lang);
  const dashboard = JSON.parse(JSON.stringify(grafanaDashboard(cluster, t))) as ReturnType<
    typeof grafanaDashboard
  >;

  it('is a sound JSON model: schemaVersion, unique ids, no overlapping panels, on the 24-column grid', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
    for (const [i, a] of dashboard.panels.entries()) {
      for (const b of dashboard.panels.slice(i + 1))
        expect(overlaps(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false);
    }
  });

  it('takes its data source from a variable and its cluster from another', () => {
    // Grafana's reference to the `datasource` variable, spelled as Grafana reads it.
    const fromVariable = ['$', '{datasource}'].join('');
    const vars = dashboard.templating.list;
    const ds = vars.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const clusterVar = vars.find((v) => v.name === 'cluster');
    expect(clusterVar?.type).toBe('query');
    expect(clusterVar?.datasource?.uid).toBe(fromVariable);
    expect(clusterVar?.current?.value).toBe('prod-cache');
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(fromVariable);
      for (const target of panel.targets) {
        expect(target.datasource.uid).toBe(fromVariable);
        expect(target.expr, panel.title).toContain('cluster="$cluster"');
      }
    }
  });

  it("has the runbook's four panels; memory % draws the cluster's 60 / 70 / 85 lines", () => {
    expect(dashboard.panels).toHaveLength(4);
    const [memory, keys, evictions, patterns] = dashboard.panels;
    const thresholds = memory?.fieldConfig.defaults.thresholds as
      | { steps: { value: number | null }[] }
      | undefined;
    const steps = thresholds?.steps ?? [];
    expect(steps.map((s) => s.value)).toEqual([null, 60, 70, 85]);
    expect(memory?.fieldConfig.defaults.unit).toBe('percent');
    expect(keys?.targets).toHaveLength(2);
    expect(keys?.fieldConfig.defaults.custom).toMatchObject({ stacking: { mode: 'normal' } });
    expect(evictions?.targets[0]?.expr).toMatch(/rate\(redis_evicted_keys_total/);
    expect(patterns?.targets.every((x) => x.expr.includes('by (pattern)'))).toBe(true);
  });

  it('queries only metrics that redis_exporter, the bot or the rules expose', async () => {
    const rules = prometheusRules(cluster, t);
    const ruleNames = new Set(
      rules.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [String(r.record)] : []))),
    );
    const known = new Set([...exporterNames, ...(await botNames()), ...ruleNames]);
    const queried = [
      ...dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr)),
      ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
    ].flatMap(metricNamesIn);
    expect(queried.length).toBeGreaterThan(5);
    expect(queried.filter((name) => !known.has(name))).toEqual([]);
    const inRules = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNamesIn(r.expr)));
    expect(inRules.filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('the pattern panel with more than one bot replica', () => {
  it('shows the census numbers once, though every replica exposes the same census (promtool)', async () => {
    const dashboard = grafanaDashboard(cluster, (key) => key);
    const patterns = dashboard.panels[3];
    const exprs = patterns?.targets.map((x) => x.expr.replaceAll('$cluster', 'prod-cache')) ?? [];
    expect(exprs).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), 'medic-dashboard-'));
    writeFileSync(join(dir, 'empty-rules.yml'), 'groups: []\n');
    // Two replicas scraped as two instances, each serving the stored census: 100 keys, 40 without
    // TTL, 5000 bytes for `user:*`. The table must read 100 / 40 / 5000, not twice that.
    const metricOf = [
      'redis_medic_census_pattern_keys',
      'redis_medic_census_pattern_keys_without_ttl',
      'redis_medic_census_pattern_bytes',
    ];
    const values = [100, 40, 5000];
    const series = metricOf.flatMap((name, i) =>
      ['bot-a', 'bot-b'].map((instance) => [
        `      - series: '${name}{cluster="prod-cache", pattern="user:*", instance="${instance}"}'`,
        `        values: "${values[i]}x10"`,
      ]),
    );
    const tests = exprs.flatMap((expr, i) => [
      `      - expr: '${expr}'`,
      '        eval_time: 5m',
      '        exp_samples:',
      `          - labels: '{pattern="user:*"}'`,
      `            value: ${values[i]}`,
    ]);
    writeFileSync(
      join(dir, 'patterns.test.yml'),
      [
        'rule_files: [empty-rules.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        ...series.flat(),
        '    promql_expr_test:',
        ...tests,
      ].join('\n'),
    );
    // Each query names its metric: the series above are the ones it reads.
    for (const [i, expr] of exprs.entries()) expect(metricNamesIn(expr)).toEqual([metricOf[i]]);
    const tested = await promtool(['test', 'rules', 'patterns.test.yml'], dir);
    expect(tested.ok, tested.output).toBe(true);
  });
});

describe('dashboard uids', () => {
  it('are valid Grafana uids and differ between clusters, so importing one never replaces another', () => {
    const names = [
      'a.b',
      'a-b',
      'a_b',
      'luckyus-isales-market-cache-primary-1',
      'luckyus-isales-market-cache-primary-2',
      `${'x'.repeat(62)}1`,
      `${'x'.repeat(62)}2`,
    ];
    const uids = names.map((name) => grafanaDashboard({ ...cluster, name }, (key) => key).uid);
    for (const uid of uids) expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(new Set(uids).size).toBe(names.length);
    // A short plain name keeps its readable uid.
    expect(grafanaDashboard(cluster, (key) => key).uid).toBe('redis-medic-prod-cache');
  });
});

describe('metricNamesIn', () => {
  it('finds metric names, not functions, labels, ranges or grouping labels', () => {
    expect(
      metricNamesIn(
        'sum by (instance) (rate(a_total{cluster="$cluster", x=~"b.*"}[$__rate_interval])) / on(instance) b_bytes > 0 and time() - c_seconds > 1e3',
      ).sort(),
    ).toEqual(['a_total', 'b_bytes', 'c_seconds']);
    expect(metricNamesIn('label_values(up_metric{job="x"}, cluster)')).toEqual(['up_metric']);
  });
});
