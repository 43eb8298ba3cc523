/**
 * The names of the bot's own Prometheus metrics, in one place: the `/metrics` registry registers
 * them, and the exported alerting rules and Grafana dashboard query them, so the three cannot drift.
 * Every series carries the `cluster` label (the cluster's name in the config).
 */
export const BOT_METRICS = {
  // The latest sample of a cluster (INFO summed over its primaries).
  memoryUsedBytes: 'redis_medic_memory_used_bytes',
  memoryMaxBytes: 'redis_medic_memory_max_bytes',
  keys: 'redis_medic_keys',
  keysWithTtl: 'redis_medic_keys_with_ttl',
  keysWithoutTtl: 'redis_medic_keys_without_ttl',
  evictedKeys: 'redis_medic_evicted_keys',
  expiredKeys: 'redis_medic_expired_keys',
  opsPerSec: 'redis_medic_ops_per_sec',
  fragmentationRatio: 'redis_medic_fragmentation_ratio',
  connectedClients: 'redis_medic_connected_clients',
  sampleTimestamp: 'redis_medic_sample_timestamp_seconds',
  // The latest census of a cluster, per pattern (bounded; the rest folded into `other`).
  censusPatternKeys: 'redis_medic_census_pattern_keys',
  censusPatternKeysWithoutTtl: 'redis_medic_census_pattern_keys_without_ttl',
  censusPatternBytes: 'redis_medic_census_pattern_bytes',
  censusTimestamp: 'redis_medic_census_timestamp_seconds',
  // The bot's health.
  jobs: 'redis_medic_jobs',
  slackApiErrors: 'redis_medic_slack_api_errors_total',
  slackRateLimitWaits: 'redis_medic_slack_rate_limit_waits_total',
  awsErrors: 'redis_medic_aws_errors_total',
  scheduleLagSeconds: 'redis_medic_schedule_lag_seconds',
} as const;

export type BotMetricName = (typeof BOT_METRICS)[keyof typeof BOT_METRICS];

/** The pattern label a census's smaller patterns are folded into (the label count stays bounded). */
export const OTHER_PATTERN = 'other';
