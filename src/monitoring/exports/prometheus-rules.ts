/**
 * Prometheus alerting rules for one cluster, generated from its config: memory at the cluster's
 * warning / critical / emergency thresholds (redis_exporter's used / max memory, per instance,
 * never when maxmemory is 0: the ratio would be +Inf), evictions starting, an instance redis_exporter
 * cannot reach (`redis_up == 0`), and — from the bot's own `/metrics` — keys without TTL growing
 * faster than a rate per hour, samples going stale (measured against the sample schedule's interval)
 * and the bot's metrics missing altogether (every rule above would then be silent).
 * Pure: config in, a rules document out; `renderRules` writes it as YAML.
 */
import { stringify } from 'yaml';
import type { ClusterConfig } from '../../config/types.js';
import { formatDuration } from '../../i18n/format.js';
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
  /** How often the bot samples (`monitoring.sample.cron`): samples are stale after 5 such intervals. @defaultValue 60 */
  sampleIntervalSeconds?: number;
}

export const DEFAULT_FOR_MEMORY: Record<Severity, string> = {
  warning: '10m',
  critical: '5m',
  emergency: '2m',
};
export const DEFAULT_KEYS_WITHOUT_TTL_PER_HOUR = 10_000;
export const DEFAULT_SAMPLE_INTERVAL_SECONDS = 60;

/**
 * Samples are stale once five in a row are missing, and never sooner than 5 minutes: a queue that
 * is briefly slow (a deploy, a replica restart) is not an outage worth a page.
 */
export function staleSampleSeconds(intervalSeconds: number): number {
  return Math.max(300, 5 * intervalSeconds);
}

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

/**
 * Prometheus renders every annotation as a Go template: configured text with `{{` in it would be
 * read as an action (a rules file Prometheus refuses to load). Such text goes in as one Go string
 * literal, which the template prints as it is (JSON's escapes are valid in a Go string).
 */
export function templateLiteral(text: string): string {
  return text.includes('{{') ? `{{ ${JSON.stringify(text)} }}` : text;
}

/** `t` must be a plain (unescaped) translator: the text goes into YAML, not Slack. */
export function prometheusRules(
  cluster: ClusterConfig,
  t: Translate,
  options: RuleOptions = {},
): RulesDocument {
  const name = cluster.name;
  const runbook = templateLiteral(cluster.runbookUrl ?? DEFAULT_RUNBOOK_URL);
  const forMemory = options.forMemory ?? DEFAULT_FOR_MEMORY;
  const perHour = options.keysWithoutTtlPerHour ?? DEFAULT_KEYS_WITHOUT_TTL_PER_HOUR;
  const interval = Math.round(options.sampleIntervalSeconds ?? DEFAULT_SAMPLE_INTERVAL_SECONDS);
  const stale = staleSampleSeconds(interval);
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
          duration: readableFor(forMemory[severity], t),
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
      description: t('monitoring:rules.stale.description', {
        cluster: name,
        intervalSeconds: interval,
        staleSeconds: stale,
      }),
      runbook_url: runbook,
    },
  };
  const down: AlertRule = {
    alert: 'RedisDown',
    expr: `${forCluster(EXPORTER_METRICS.up, name)} == 0`,
    for: '2m',
    labels: labels('critical'),
    annotations: {
      summary: t('monitoring:rules.down.summary', { cluster: name, instance: INSTANCE }),
      description: t('monitoring:rules.down.description', { cluster: name }),
      runbook_url: runbook,
    },
  };
  // absent() keeps the matcher's labels, so the alert carries `cluster` like the others.
  const absent: AlertRule = {
    alert: 'RedisMedicMetricsAbsent',
    expr: `absent(${forCluster(BOT_METRICS.sampleTimestamp, name)})`,
    for: '10m',
    labels: labels('warning'),
    annotations: {
      summary: t('monitoring:rules.absent.summary', { cluster: name }),
      description: t('monitoring:rules.absent.description', { cluster: name }),
      runbook_url: runbook,
    },
  };
  return {
    groups: [
      { name: `redis-medic-${name}-memory`, rules: [...memory, evictions, down] },
      { name: `redis-medic-${name}-bot`, rules: [withoutTtl, staleSamples, absent] },
    ],
  };
}

/** The rules file as Prometheus reads it. */
export function renderRules(doc: RulesDocument): string {
  return stringify(doc, { lineWidth: 0 });
}

/** A `for:` duration (`10m`, `1h30m`, `90s`) in the reader's words (`10 min` / `10 分钟`); as written if it is another shape. */
function readableFor(duration: string, t: Translate): string {
  const units: Record<string, number> = { s: 1 / 60, m: 1, h: 60, d: 1440 };
  const parts = [...duration.matchAll(/(\d+)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) return duration;
  return formatDuration(
    parts.reduce((minutes, p) => minutes + Number(p[1]) * (units[p[2] ?? 'm'] ?? 1), 0),
    t,
  );
}
