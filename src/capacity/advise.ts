/**
 * Gathers the facts and computes both analyses: sizing with the cost table (from ElastiCache, or
 * from INFO on a self-hosted server, saying what could not be known) and the eviction-policy
 * analysis (one read-only walk plus a hotness sample). Front ends pass the clients and stores.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { fetchCapacityMetrics, SIZING_TREND_DAYS } from '../aws/capacity-metrics.js';
import {
  type ElastiCacheFacts,
  type FetchFactsOptions,
  fetchClusterFacts,
} from '../aws/elasticache-facts.js';
import { isBurstableNodeType } from '../aws/primary-node.js';
import type { ClusterConfig } from '../config/types.js';
import type { Note } from '../domain/types.js';
import type { ThrottleOptions } from '../keyspace/pacing/throttle.js';
import { parseInfo, parseKeyspace } from '../keyspace/server-facts.js';
import type { MonitoringSample } from '../monitoring/sample.js';
import type { TargetConnection } from '../redis/connect.js';
import { urlDb } from '../redis/databases.js';
import { inspectRedis } from '../redis/inspect.js';
import type { DryRun, TtlRule } from '../remediation/types.js';
import { type CostRow, costTableForFacts } from './cost-table.js';
import { type EvictionPatternInput, walkEvictability } from './eviction-walk.js';
import { type Hotness, sampleHotness } from './hotness.js';
import type { NodeCatalog } from './node-catalog.js';
import { analysePolicy, type PolicyAdvice, type ScopedWalk } from './policy-advice.js';
import { releaseOf, slopePerDay } from './projection.js';
import { QUEUE_PATTERNS } from './queue-patterns.js';
import { cpuCreditsState, DEFAULT_HORIZON_DAYS, sizeCluster } from './sizing.js';
import type { Advice, CapacityReport, Growth, RedisMemoryFacts, Unknown } from './types.js';

export interface AdviseDeps {
  conn: TargetConnection;
  /** Absent, or the cluster has no `aws:` block: the self-hosted path. */
  aws?: { elasticache: ElastiCacheClient; cloudwatch: CloudWatchClient };
  catalog: NodeCatalog;
  /** The bot's own memory samples (monitoring), the trend where CloudWatch has none. */
  history?: { range(cluster: string, from: number, to: number): Promise<MonitoringSample[]> };
  /** The rule's dry-run (a fresh stored one, or a new read-only walk): what it changes and frees. */
  dryRunOf: (rule: TtlRule) => Promise<Pick<DryRun, 'toChange' | 'bytesToFree'>>;
  /** Patterns of the latest census, biggest first (the eviction table's rows besides the rules). */
  censusPatterns?: () => Promise<string[]>;
  factsOptions?: FetchFactsOptions;
}

export interface AdviseInput {
  cluster: ClusterConfig;
  rules: TtlRule[];
  now?: Date;
  horizonDays?: number;
  throttle?: ThrottleOptions | false;
  /** Census patterns taken into the eviction table. @defaultValue 30 */
  maxCensusPatterns?: number;
}

/** Valkey reports `valkey_version` in INFO server (and a `redis_version` for client compatibility). */
export function engineOfInfo(serverInfo: string): 'redis' | 'valkey' {
  return parseInfo(serverInfo).server?.valkey_version !== undefined ? 'valkey' : 'redis';
}

async function redisFacts(conn: TargetConnection): Promise<RedisMemoryFacts> {
  const snap = await inspectRedis(conn);
  const serverInfo = await conn
    .primaries()[0]
    ?.info('server')
    .catch(() => '');
  // One full shard refuses writes however empty the others are: size by the fullest primary.
  const fullest = [...snap.nodes].sort((a, b) => (b.memoryPct ?? 0) - (a.memoryPct ?? 0))[0];
  let configAllowed = true;
  try {
    await conn.primaries()[0]?.config('GET', 'maxmemory-policy');
  } catch {
    configAllowed = false;
  }
  return {
    usedBytes: fullest?.usedMemoryBytes ?? snap.usedMemoryBytes,
    peakBytes: fullest?.usedMemoryPeakBytes ?? snap.usedMemoryPeakBytes,
    maxmemoryBytes: fullest?.maxmemoryBytes ?? snap.maxmemoryBytes,
    policy: snap.maxmemoryPolicy,
    evictedKeys: snap.evictedKeys,
    keys: snap.keys,
    keysWithTtl: snap.keysWithTtl,
    totalSystemMemoryBytes: fullest?.totalSystemMemoryBytes ?? 0,
    shards: snap.nodes.length,
    configAllowed,
    engine: engineOfInfo(serverInfo ?? ''),
  };
}

/**
 * A standalone URL naming a DB scopes the walk to it; eviction and maxmemory are server-wide, so
 * the other DBs' keys (and those without a TTL: keys minus expires) are read from INFO keyspace.
 */
async function scopeOfWalk(conn: TargetConnection): Promise<ScopedWalk | undefined> {
  if (conn.target.mode !== 'standalone') return undefined;
  const db = urlDb(conn.target.url);
  if (db === undefined) return undefined;
  let otherKeys = 0;
  let otherKeysWithoutTtl = 0;
  for (const node of conn.primaries()) {
    for (const d of parseKeyspace(parseInfo(await node.info('keyspace')).keyspace)) {
      if (d.db === db) continue;
      otherKeys += d.keys;
      otherKeysWithoutTtl += Math.max(0, d.keys - d.expires);
    }
  }
  return { db, otherKeys, otherKeysWithoutTtl };
}

async function historyGrowth(deps: AdviseDeps, cluster: string, now: Date): Promise<Growth | undefined> {
  if (deps.history === undefined) return undefined;
  const samples = await deps.history
    .range(cluster, now.getTime() - SIZING_TREND_DAYS * 86_400_000, now.getTime())
    .catch(() => []);
  if (samples.length < 2) return undefined;
  const points = samples.map((s) => ({ at: new Date(s.at), value: s.usedMemory }));
  return growthOf(points, 'history');
}

function growthOf(points: Growth['points'], source: Growth['source']): Growth {
  const first = points[0];
  const last = points[points.length - 1];
  const days = first && last ? (last.at.getTime() - first.at.getTime()) / 86_400_000 : 0;
  // Less than a day of points says more about the hour's burst than about growth.
  return { bytesPerDay: days >= 1 ? slopePerDay(points) : 0, source, days, points };
}

export async function adviseCapacity(deps: AdviseDeps, input: AdviseInput): Promise<CapacityReport> {
  const now = input.now ?? new Date();
  const horizonDays = input.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const { cluster } = input;
  const notes: Note[] = [];
  const unknowns: Unknown[] = [];
  const redis = await redisFacts(deps.conn);

  let facts: ElastiCacheFacts | undefined;
  if (deps.aws !== undefined && cluster.aws !== undefined) {
    facts = await fetchClusterFacts(deps.aws.elasticache, cluster, deps.factsOptions);
  } else {
    unknowns.push('node_type', 'prices', 'allowed_node_types', 'parameter_group');
    if (!redis.configAllowed) unknowns.push('config_command');
  }

  let rows: CostRow[] = [];
  let unpriced: string[] = [];
  let growth: Growth | undefined;
  let recentPeak = redis.peakBytes;
  let cpu: CapacityReport['cpuCredits'];
  if (facts !== undefined) {
    ({ rows, unpriced } = costTableForFacts(facts, deps.catalog, redis.maxmemoryBytes || undefined));
    const primary = facts.members.find((m) => m.role === 'primary') ?? facts.members[0];
    if (primary !== undefined && deps.aws !== undefined) {
      const burstable = rows[0]?.burstable ?? isBurstableNodeType(facts.nodeType);
      const metrics = await fetchCapacityMetrics(
        deps.aws.cloudwatch,
        { cacheClusterId: primary.cacheClusterId, region: facts.region, burstable },
        { now },
      );
      notes.push(...metrics.notes);
      if (metrics.bytesAvg.length >= 2) growth = growthOf(metrics.bytesAvg, 'cloudwatch');
      // The highest hourly maximum of the window: bursts recur, so the projection carries it along.
      if (metrics.bytesMax.length > 0) recentPeak = Math.max(...metrics.bytesMax.map((p) => p.value));
      if (burstable) {
        cpu = cpuCreditsState(metrics.cpuCredits);
        if (cpu === undefined) unknowns.push('cpu_credits');
      }
    }
  }
  growth ??= await historyGrowth(deps, cluster.name, now);
  if (growth === undefined) {
    unknowns.push('growth');
    growth = { bytesPerDay: 0, source: 'none', days: 0, points: [] };
  }

  const releases = [];
  for (const rule of input.rules) {
    const dry = await deps.dryRunOf(rule);
    releases.push(releaseOf(rule, dry.toChange, dry.bytesToFree));
  }
  // maxmemory 0 is "no limit": Redis then grows until the host runs out, so that is the ceiling.
  let ceiling = redis.maxmemoryBytes || (rows[0]?.maxmemoryBytes ?? 0);
  if (ceiling === 0 && redis.totalSystemMemoryBytes > 0) {
    ceiling = redis.totalSystemMemoryBytes;
    unknowns.push('maxmemory_unset');
  }
  const sizing = sizeCluster({
    now,
    horizonDays,
    thresholds: cluster.thresholds,
    usedBytes: redis.usedBytes,
    recentPeakBytes: Math.max(recentPeak, redis.usedBytes),
    currentMaxmemoryBytes: ceiling,
    rows,
    releases,
    growthBytesPerDay: growth.bytesPerDay,
  });
  return {
    cluster: cluster.name,
    at: now.toISOString(),
    horizonDays,
    source: facts !== undefined ? 'elasticache' : 'self_hosted',
    ...(facts !== undefined ? { elasticache: facts } : {}),
    redis,
    growth,
    releases,
    rows,
    unpriced,
    sizing,
    ...(cpu !== undefined ? { cpuCredits: cpu } : {}),
    catalog: {
      pricesAsOf: deps.catalog.pricesAsOf,
      source: deps.catalog.source,
      hoursPerMonth: deps.catalog.hoursPerMonth,
    },
    unknowns,
    notes,
  };
}

/** The patterns the eviction table shows: the rules, job queues and locks, then the census's. */
export function evictionPatterns(
  rules: readonly TtlRule[],
  census: readonly string[],
): EvictionPatternInput[] {
  return [
    ...rules.map((r) => ({
      pattern: r.match,
      source: 'rule' as const,
      rule: r.name,
      risk: r.risk,
      ...(r.note !== undefined ? { note: r.note } : {}),
    })),
    ...QUEUE_PATTERNS.map((q) => ({ pattern: q.glob, source: 'queue' as const, family: q.family })),
    ...census.map((pattern) => ({ pattern, source: 'census' as const })),
  ];
}

export async function advisePolicy(
  deps: AdviseDeps,
  input: AdviseInput,
  policy?: string,
  maxmemoryBytes?: number,
): Promise<PolicyAdvice> {
  const now = input.now ?? new Date();
  let current = policy;
  let maxmemory = maxmemoryBytes;
  if (current === undefined || maxmemory === undefined) {
    const facts = await redisFacts(deps.conn);
    current ??= facts.policy;
    maxmemory ??= facts.maxmemoryBytes;
  }
  const census = ((await deps.censusPatterns?.().catch(() => [])) ?? []).slice(
    0,
    input.maxCensusPatterns ?? 30,
  );
  const walk = await walkEvictability(deps.conn, evictionPatterns(input.rules, census), {
    ...(input.throttle !== undefined ? { throttle: input.throttle } : {}),
  });
  const hotness = new Map<string, Hotness>();
  for (const p of walk.patterns) {
    if (p.sampleNames.length > 0)
      hotness.set(p.pattern, await sampleHotness(deps.conn.client, current, p.sampleNames));
  }
  const scope = await scopeOfWalk(deps.conn);
  return analysePolicy({
    policy: current,
    walk,
    hotness,
    maxmemoryBytes: maxmemory,
    now,
    ...(scope !== undefined ? { scope } : {}),
  });
}

/** Both analyses (the CLI's `advise`): the policy from ElastiCache's parameter group when known. */
export async function advise(deps: AdviseDeps, input: AdviseInput): Promise<Advice> {
  const capacity = await adviseCapacity(deps, input);
  const policy = await advisePolicy(
    deps,
    input,
    // The policy the server runs (INFO); the parameter group's may still be pending a reboot.
    capacity.redis.policy || capacity.elasticache?.parameterGroup.maxmemoryPolicy,
    capacity.redis.maxmemoryBytes,
  );
  return { capacity, policy };
}
