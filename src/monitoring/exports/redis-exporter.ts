/**
 * The redis_exporter (oliver006/redis_exporter) metric names the exported rules and dashboard
 * query. They are the exporter's own names for INFO fields (`used_memory` → `redis_memory_used_bytes`,
 * `maxmemory` → `redis_memory_max_bytes`, `evicted_keys` → `redis_evicted_keys_total`) and its
 * keyspace gauges (`redis_db_keys`, `redis_db_keys_expiring`, per `db` label).
 */
export const EXPORTER_METRICS = {
  up: 'redis_up',
  memoryUsedBytes: 'redis_memory_used_bytes',
  memoryMaxBytes: 'redis_memory_max_bytes',
  evictedKeysTotal: 'redis_evicted_keys_total',
  expiredKeysTotal: 'redis_expired_keys_total',
  dbKeys: 'redis_db_keys',
  dbKeysExpiring: 'redis_db_keys_expiring',
} as const;

/**
 * The label that ties a scraped series to a cluster of the config. redis_exporter does not add it:
 * the Prometheus scrape config attaches it to each exporter target (README, "Monitoring exports").
 */
export const CLUSTER_LABEL = 'cluster';
