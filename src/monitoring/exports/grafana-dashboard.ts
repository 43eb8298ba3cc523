/**
 * A Grafana dashboard (JSON model) for one cluster with the runbook's four panels: memory % with the
 * cluster's warning / critical / emergency lines, keys with vs without TTL (stacked), the eviction
 * rate, and keys and bytes by pattern from the bot's latest census. The data source and the cluster
 * are template variables, so one import serves every Prometheus and every cluster.
 * Pure: config in, the model out.
 */
import { createHash } from 'node:crypto';
import type { ClusterConfig } from '../../config/types.js';
import type { Translate } from '../../i18n/types.js';
import { BOT_METRICS } from '../metrics/names.js';
import { forClusterVariable } from './promql.js';
import { CLUSTER_LABEL, EXPORTER_METRICS } from './redis-exporter.js';

/** The JSON model version the dashboard is written for (Grafana 10.x/11.x read it as is). */
export const SCHEMA_VERSION = 39;

/** Grafana's reference to the `datasource` template variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, read by Grafana, not by JS.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PanelTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table';
  datasource: typeof DATASOURCE;
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'table';
  title: string;
  gridPos: GridPos;
  datasource: typeof DATASOURCE;
  targets: PanelTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  transformations?: unknown[];
}

export interface TemplateVariable {
  name: string;
  label: string;
  type: 'datasource' | 'query';
  query: string | { query: string; refId: string };
  datasource?: typeof DATASOURCE;
  definition?: string;
  current?: { text: string; value: string };
  refresh?: number;
  hide: number;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: TemplateVariable[] };
  panels: Panel[];
}

/** `t` must be a plain (unescaped) translator: the text goes into JSON, not Slack. */
export function grafanaDashboard(cluster: ClusterConfig, t: Translate): GrafanaDashboard {
  const { warning, critical, emergency } = cluster.thresholds;
  const target = (refId: string, expr: string, extra: Partial<PanelTarget> = {}): PanelTarget => ({
    refId,
    expr,
    datasource: DATASOURCE,
    ...extra,
  });
  const used = forClusterVariable(EXPORTER_METRICS.memoryUsedBytes);
  const max = forClusterVariable(EXPORTER_METRICS.memoryMaxBytes);
  const keys = `sum(${forClusterVariable(EXPORTER_METRICS.dbKeys)})`;
  const expiring = `sum(${forClusterVariable(EXPORTER_METRICS.dbKeysExpiring)})`;
  const memoryPct: Panel = {
    id: 1,
    type: 'timeseries',
    title: t('monitoring:dashboard.memory_pct'),
    gridPos: { x: 0, y: 0, w: 12, h: 8 },
    datasource: DATASOURCE,
    // `max > 0`: an instance without maxmemory has no percentage (not +Inf).
    targets: [target('A', `100 * ${used} / (${max} > 0)`, { legendFormat: '{{instance}}' })],
    fieldConfig: {
      defaults: {
        unit: 'percent',
        min: 0,
        max: 100,
        custom: { thresholdsStyle: { mode: 'line+area' } },
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'yellow', value: warning },
            { color: 'orange', value: critical },
            { color: 'red', value: emergency },
          ],
        },
      },
      overrides: [],
    },
  };
  const keysTtl: Panel = {
    id: 2,
    type: 'timeseries',
    title: t('monitoring:dashboard.keys_ttl'),
    gridPos: { x: 12, y: 0, w: 12, h: 8 },
    datasource: DATASOURCE,
    targets: [
      target('A', expiring, { legendFormat: t('monitoring:dashboard.with_ttl') }),
      target('B', `${keys} - ${expiring}`, { legendFormat: t('monitoring:dashboard.without_ttl') }),
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      overrides: [],
    },
  };
  const evictions: Panel = {
    id: 3,
    type: 'timeseries',
    title: t('monitoring:dashboard.eviction_rate'),
    gridPos: { x: 0, y: 8, w: 12, h: 8 },
    datasource: DATASOURCE,
    targets: [
      target(
        'A',
        `sum by (instance) (rate(${forClusterVariable(EXPORTER_METRICS.evictedKeysTotal)}[$__rate_interval]))`,
        {
          legendFormat: '{{instance}}',
        },
      ),
    ],
    fieldConfig: { defaults: { unit: 'ops', min: 0 }, overrides: [] },
  };
  // `max`, not `sum`: every bot replica serves the same stored census, so summing would count it
  // once per replica.
  const byPattern = (refId: string, metric: string): PanelTarget =>
    target(refId, `max by (pattern) (${forClusterVariable(metric)})`, {
      instant: true,
      range: false,
      format: 'table',
    });
  const patterns: Panel = {
    id: 4,
    type: 'table',
    title: t('monitoring:dashboard.patterns'),
    gridPos: { x: 12, y: 8, w: 12, h: 8 },
    datasource: DATASOURCE,
    targets: [
      byPattern('A', BOT_METRICS.censusPatternKeys),
      byPattern('B', BOT_METRICS.censusPatternKeysWithoutTtl),
      byPattern('C', BOT_METRICS.censusPatternBytes),
    ],
    // One row per pattern: the three queries joined on `pattern`, biggest by bytes first.
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          renameByName: {
            'Value #A': t('monitoring:dashboard.pattern_keys'),
            'Value #B': t('monitoring:dashboard.pattern_without_ttl'),
            'Value #C': t('monitoring:dashboard.pattern_bytes'),
          },
        },
      },
    ],
    options: { sortBy: [{ displayName: t('monitoring:dashboard.pattern_bytes'), desc: true }] },
    fieldConfig: {
      defaults: {},
      overrides: [
        {
          matcher: { id: 'byName', options: t('monitoring:dashboard.pattern_bytes') },
          properties: [{ id: 'unit', value: 'bytes' }],
        },
      ],
    },
  };
  const clusterQuery = `label_values(${EXPORTER_METRICS.memoryUsedBytes}, ${CLUSTER_LABEL})`;
  return {
    uid: dashboardUid(cluster.name),
    title: t('monitoring:dashboard.title', { cluster: cluster.name }),
    tags: ['redis', 'redis-medic'],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        {
          name: 'datasource',
          label: t('monitoring:dashboard.datasource'),
          type: 'datasource',
          query: 'prometheus',
          hide: 0,
        },
        {
          name: 'cluster',
          label: t('monitoring:dashboard.cluster'),
          type: 'query',
          datasource: DATASOURCE,
          query: { query: clusterQuery, refId: 'cluster' },
          definition: clusterQuery,
          current: { text: cluster.name, value: cluster.name },
          refresh: 2,
          hide: 0,
        },
      ],
    },
    panels: [memoryPct, keysTtl, evictions, patterns],
  };
}

/**
 * Grafana uids are at most 40 characters of letters, digits, `-` and `_`. A name that had to be
 * changed to fit (a dot replaced, a long name cut) gets a hash of the real name, so `a.b` and `a-b`,
 * or two long names with the same beginning, never share a uid: importing one would replace the other.
 */
function dashboardUid(cluster: string): string {
  const plain = `redis-medic-${cluster}`;
  if (/^[A-Za-z0-9_-]{1,40}$/.test(plain)) return plain;
  const hash = createHash('sha256').update(cluster).digest('hex').slice(0, 8);
  return `${`redis-medic-${cluster.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 31)}-${hash}`;
}
