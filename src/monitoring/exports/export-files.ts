/**
 * The files `redis-medic monitoring export` writes and `/redis-monitoring` uploads for one cluster:
 * the Prometheus alerting rules (YAML) and the Grafana dashboard (JSON model).
 */
import { cronIntervalMs } from '../../config/cron.js';
import type { ClusterConfig, MedicConfig } from '../../config/types.js';
import type { Translate } from '../../i18n/types.js';
import { grafanaDashboard } from './grafana-dashboard.js';
import { prometheusRules, type RuleOptions, renderRules } from './prometheus-rules.js';

export interface ExportFile {
  /** A plain file name (no folders): `redis-medic-<cluster>-rules.yml`. */
  name: string;
  content: string;
  kind: 'prometheus_rules' | 'grafana_dashboard';
}

/**
 * `t` must be a plain (unescaped) translator. `monitoring` is the config's section: the rules alert
 * on keys without TTL at the same rate per hour as the bot does, and call samples stale from the
 * sample schedule's own interval.
 */
export function monitoringExportFiles(
  cluster: ClusterConfig,
  t: Translate,
  monitoring?: MedicConfig['monitoring'],
): ExportFile[] {
  const perHour = monitoring?.alerts.keysWithoutTtlPerHour;
  const sample = monitoring?.sample;
  const options: RuleOptions = {
    ...(perHour !== undefined ? { keysWithoutTtlPerHour: perHour } : {}),
    ...(sample ? { sampleIntervalSeconds: cronIntervalMs(sample.cron, sample.timeZone) / 1000 } : {}),
  };
  // Cluster names are `[A-Za-z0-9._-]` (config schema): safe in a file name as they are.
  const base = `redis-medic-${cluster.name}`;
  return [
    {
      name: `${base}-rules.yml`,
      content: renderRules(prometheusRules(cluster, t, options)),
      kind: 'prometheus_rules',
    },
    {
      name: `${base}-dashboard.json`,
      content: `${JSON.stringify(grafanaDashboard(cluster, t), null, 2)}\n`,
      kind: 'grafana_dashboard',
    },
  ];
}
