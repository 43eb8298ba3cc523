import { analyzeTrend, recentSum } from '../analysis/trend.js';
import { decideVerdict } from '../analysis/verdict.js';
import type { AwsTargetConfig } from '../config/types.js';
import type { MetricSeries, Thresholds } from '../domain/types.js';
import { type ConnectOptions, connectTarget, type RedisTarget } from '../redis/connect.js';
import { inspectRedis } from '../redis/inspect.js';
import type { RedisSnapshot } from '../redis/snapshot.js';
import type { MemoryLevel, Note, StatusReport, StatusTrend, TrendSourceKind } from './types.js';

/** A Redis to check plus what status needs beyond the connection. ClusterConfig satisfies it. */
export interface StatusTarget extends RedisTarget {
  aws?: AwsTargetConfig;
  thresholds: Thresholds;
}

export type TrendFetch =
  | { ok: true; source: TrendSourceKind; node: string; series: MetricSeries; notes: Note[] }
  | { ok: false; notes: Note[] };

/** Reads the memory trend for a target; never throws (failures are notes). */
export type TrendProvider = (
  target: StatusTarget,
  window: { end: Date; hours: number },
) => Promise<TrendFetch>;

export interface StatusDeps {
  trend?: TrendProvider;
  windowHours?: number;
  connect?: ConnectOptions;
  now?: () => Date;
}

/**
 * One status check: INFO from every primary and the CloudWatch trend, fetched in parallel, then
 * the verdict. A Redis failure throws a MedicError (nothing to report without Redis); a trend
 * failure only adds a note, because Redis alone still answers "how full is it".
 */
export async function checkStatus(target: StatusTarget, deps: StatusDeps = {}): Promise<StatusReport> {
  const now = deps.now?.() ?? new Date();
  const trendPromise: Promise<TrendFetch> = deps.trend
    ? deps.trend(target, { end: now, hours: deps.windowHours ?? 3 }).catch(() => ({
        ok: false as const,
        notes: [
          { key: 'notes.aws_error', values: { action: 'cloudwatch:GetMetricData', error: 'UnknownError' } },
        ],
      }))
    : Promise.resolve({ ok: false, notes: [{ key: 'notes.aws_not_configured' }] });

  const redis = await readRedis(target, deps.connect);
  const trendResult = await trendPromise;

  let trend: StatusTrend | undefined;
  if (trendResult.ok) {
    const analysis = analyzeTrend(trendResult.series.memoryPct);
    trend = {
      source: trendResult.source,
      node: trendResult.node,
      series: trendResult.series,
      ...(analysis ? { analysis } : {}),
    };
  }
  // Evictions that matter for the verdict are recent ones, not a blip two hours ago.
  const evictionsInWindow = trend ? recentSum(trend.series.evictions, 15) : undefined;
  const verdict = decideVerdict({
    memoryPct: redis.memoryPct,
    maxmemoryPolicy: redis.maxmemoryPolicy,
    ...(trend?.analysis ? { trend: trend.analysis } : {}),
    thresholds: target.thresholds,
    ...(evictionsInWindow !== undefined ? { evictionsInWindow } : {}),
  });
  return {
    cluster: target.name,
    takenAt: redis.takenAt,
    redis,
    thresholds: target.thresholds,
    level: memoryLevel(redis.memoryPct, target.thresholds),
    ...(trend ? { trend } : {}),
    verdict,
    notes: [...connectionNotes(target), ...redisNotes(redis), ...trendResult.notes],
  };
}

async function readRedis(target: StatusTarget, options?: ConnectOptions): Promise<RedisSnapshot> {
  const conn = await connectTarget(target, options);
  try {
    return await inspectRedis(conn);
  } finally {
    await conn.close();
  }
}

export function memoryLevel(pct: number | null, t: Thresholds): MemoryLevel {
  if (pct === null) return 'unknown';
  if (pct >= t.emergency) return 'emergency';
  if (pct >= t.critical) return 'critical';
  if (pct >= t.warning) return 'warning';
  return 'ok';
}

/** How the bot reached the server, when it matters for trusting the figures. */
export function connectionNotes(target: StatusTarget): Note[] {
  return target.tls?.insecure ? [{ key: 'notes.tls_insecure' }] : [];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The traps an SRE checks by eye in INFO, spelled out (design notes: "OOM with evicted_keys 0"). */
export function redisNotes(redis: RedisSnapshot): Note[] {
  const notes: Note[] = [];
  if (redis.maxmemoryBytes === 0) notes.push({ key: 'notes.no_maxmemory' });
  const replica = redis.nodes.find((n) => n.role !== 'master');
  if (replica) notes.push({ key: 'notes.replica', values: { node: replica.address } });
  if (redis.mode === 'standalone' && redis.nodes.some((n) => n.clusterEnabled)) {
    notes.push({ key: 'notes.cluster_enabled_standalone' });
  }
  if (redis.maxmemoryPolicy.startsWith('volatile-') && redis.keysWithoutTtl > 0) {
    notes.push({
      key: 'notes.volatile_immune',
      values: {
        policy: redis.maxmemoryPolicy,
        count: redis.keysWithoutTtl,
        pct: round1((redis.keysWithoutTtl / Math.max(1, redis.keys)) * 100),
      },
    });
  }
  if (redis.maxmemoryPolicy === 'noeviction') notes.push({ key: 'notes.noeviction' });
  if (redis.evictedKeys > 0) notes.push({ key: 'notes.evictions', values: { count: redis.evictedKeys } });
  if (redis.policyMismatch) notes.push({ key: 'notes.policy_mismatch' });
  if (
    redis.fragmentationRatio !== null &&
    redis.fragmentationRatio > 1.5 &&
    redis.usedMemoryBytes > 100 * 2 ** 20
  ) {
    notes.push({
      key: 'notes.fragmentation',
      values: { ratio: Math.round(redis.fragmentationRatio * 100) / 100 },
    });
  }
  const pcts = redis.nodes.map((n) => n.memoryPct).filter((p): p is number => p !== null);
  if (redis.nodes.length > 1 && pcts.length === redis.nodes.length) {
    const max = Math.max(...pcts);
    const min = Math.min(...pcts);
    if (max - min >= 10) {
      const fullest = redis.nodes.find((n) => n.memoryPct === max);
      notes.push({
        key: 'notes.cluster_skew',
        values: { node: fullest?.address ?? '?', max: round1(max), min: round1(min) },
      });
    }
  }
  return notes;
}
