/**
 * Prometheus alerting rules for one cluster, generated from its config: memory at the cluster's
 * warning / critical / emergency thresholds (redis_exporter's used / max memory, per instance,
 * never when maxmemory is 0: the ratio would be +Inf), evictions starting, and — from the bot's own
 * `/metrics` — keys without TTL growing faster than a rate per hour and samples going stale.
 * Pure: config in, a rules document out; `renderRules` writes it as YAML.
 */
import { stringify } from 'yaml';
import type { ClusterConfig } from '../../config/types.js';
import type { Translate } from '../../i18n/types.js';
import { BOT_METRICS } from '../metrics/names.js';
import { forCluster } from './promql.js';
import { EXPORTER_METRICS } from './redis-exporter.js';

/** Where `runbook_url` points when the cluster's config names no runbook of its own. */
export const DEFAULT_RUNBOOK_URL =
  'https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/memory-optimization/';

export const SEVERITIES = ['warning', 'critical', 'emergency'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RuleOptions {
  /** How long memory must stay over each line before its alert fires. */
  forMemory?: Record<Severity, string>;
  /** Keys without TTL growing by more than this in an hour (from the bot's samples) alerts. @defaultValue 10000 */
  keysWithoutTtlPerHour?: number;
  /** The bot's latest sample older than this alerts (sampling stopped). @defaultValue 600 */
  staleSampleSeconds?: number;
}

export const DEFAULT_FOR_MEMORY: Record<Severity, string> = {
  warning: '10m',
  critical: '5m',
  emergency: '2m',
};
export const DEFAULT_KEYS_WITHOUT_TTL_PER_HOUR = 10_000;
export const DEFAULT_STALE_SAMPLE_SECONDS = 600;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RulesDocument {
  groups: { name: string; rules: AlertRule[] }[];
}

const ALERT_NAMES: Record<Severity, string> = {
  warning: 'RedisMemoryWarning',
  critical: 'RedisMemoryCritical',
  emergency: 'RedisMemoryEmergency',
};

/** Prometheus alert templates, passed into the localized sentences as values (never translated). */
const VALUE = '{{ $value | printf "%.1f" }}';
const INSTANCE = '{{ $labels.instance }}';

/** `t` must be a plain (unescaped) translator: the text goes into YAML, not Slack. */
export function prometheusRules(
  cluster: ClusterConfig,
  t: Translate,
  options: RuleOptions = {},
): RulesDocument {
  const name = cluster.name;
  const runbook = cluster.runbookUrl ?? DEFAULT_RUNBOOK_URL;
  const forMemory = options.forMemory ?? DEFAULT_FOR_MEMORY;
  const perHour = options.keysWithoutTtlPerHour ?? DEFAULT_KEYS_WITHOUT_TTL_PER_HOUR;
  const stale = options.staleSampleSeconds ?? DEFAULT_STALE_SAMPLE_SECONDS;
  const used = forCluster(EXPORTER_METRICS.memoryUsedBytes, name);
  const max = forCluster(EXPORTER_METRICS.memoryMaxBytes, name);
  const labels = (severity: string) => ({ severity, cluster: name });

  const memory = SEVERITIES.map(
    (severity): AlertRule => ({
      alert: ALERT_NAMES[severity],
      // `and max > 0`: with maxmemory 0 (no limit) used / max is +Inf, which must not page anyone.
      expr: `(100 * ${used} / ${max} >= ${cluster.thresholds[severity]}) and ${max} > 0`,
      for: forMemory[severity],
      labels: labels(severity),
      annotations: {
        summary: t(`monitoring:rules.memory_${severity}.summary`, {
          cluster: name,
          instance: INSTANCE,
          value: VALUE,
          threshold: cluster.thresholds[severity],
        }),
        description: t('monitoring:rules.memory.description', {
          cluster: name,
          duration: forMemory[severity],
        }),
        runbook_url: runbook,
      },
    }),
  );
  const evictions: AlertRule = {
    alert: 'RedisEvictionsStarted',
    expr: `rate(${forCluster(EXPORTER_METRICS.evictedKeysTotal, name)}[5m]) > 0`,
    for: '5m',
    labels: labels('warning'),
    annotations: {
      summary: t('monitoring:rules.evictions.summary', { cluster: name, instance: INSTANCE, value: VALUE }),
      description: t('monitoring:rules.evictions.description', { cluster: name }),
      runbook_url: runbook,
    },
  };
  const withoutTtl: AlertRule = {
    alert: 'RedisKeysWithoutTtlGrowing',
    expr: `delta(${forCluster(BOT_METRICS.keysWithoutTtl, name)}[1h]) > ${perHour}`,
    for: '15m',
    labels: labels('warning'),
    annotations: {
      summary: t('monitoring:rules.keys_without_ttl.summary', { cluster: name, value: VALUE, rate: perHour }),
      description: t('monitoring:rules.keys_without_ttl.description', { cluster: name }),
      runbook_url: runbook,
    },
  };
  const staleSamples: AlertRule = {
    alert: 'RedisMedicSamplesStale',
    expr: `time() - ${forCluster(BOT_METRICS.sampleTimestamp, name)} > ${stale}`,
    for: '5m',
    labels: labels('warning'),
    annotations: {
      summary: t('monitoring:rules.stale.summary', { cluster: name, value: VALUE }),
      description: t('monitoring:rules.stale.description', { cluster: name }),
      runbook_url: runbook,
    },
  };
  return {
    groups: [
      { name: `redis-medic-${name}-memory`, rules: [...memory, evictions] },
      { name: `redis-medic-${name}-bot`, rules: [withoutTtl, staleSamples] },
    ],
  };
}

/** The rules file as Prometheus reads it. */
export function renderRules(doc: RulesDocument): string {
  return stringify(doc, { lineWidth: 0 });
}
