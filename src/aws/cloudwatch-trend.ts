import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { MetricSeries, Note, TrendPoint } from '../domain/types.js';
import { ProxyAwareHttpHandler } from '../net/agents.js';
import type { ProxySettings } from '../net/proxy.js';
import { bounded, DEFAULT_AWS_TIMEOUT_MS, deadlineSignal } from './deadline.js';
import { awsErrorNote, isFatalForRequest } from './errors.js';
import { quietSdkNodeWarning } from './node-version.js';
import {
  DEFAULT_CACHE_NODE_ID,
  hasAwsTarget,
  isBurstableNodeType,
  resolvePrimaryCacheClusterId,
} from './primary-node.js';
import type { AwsTarget, TrendResult } from './types.js';

export const ELASTICACHE_NAMESPACE = 'AWS/ElastiCache';
/** Enough for the burst baseline before a spike plus the spike itself. */
export const DEFAULT_TREND_HOURS = 3;
/** Page cap: a 3 h window is one page; this only guards against a token that never ends. */
const MAX_PAGES = 10;

type SeriesKey = 'memoryPct' | 'evictions' | 'currItems' | 'engineCpuPct' | 'cpuCreditBalance';

interface MetricSpec {
  id: string;
  key: SeriesKey;
  metricName: string;
  stat: 'Maximum' | 'Sum' | 'Average';
  period: number;
}

// Ids must match ^[a-z][a-zA-Z0-9_]*$. Maximum for memory so a spike inside a minute is not averaged away.
const METRICS: readonly MetricSpec[] = [
  { id: 'mem', key: 'memoryPct', metricName: 'DatabaseMemoryUsagePercentage', stat: 'Maximum', period: 60 },
  { id: 'evictions', key: 'evictions', metricName: 'Evictions', stat: 'Sum', period: 60 },
  { id: 'items', key: 'currItems', metricName: 'CurrItems', stat: 'Average', period: 60 },
  { id: 'enginecpu', key: 'engineCpuPct', metricName: 'EngineCPUUtilization', stat: 'Average', period: 60 },
];
// Published every 5 minutes, and only for t-class nodes.
const CPU_CREDITS: MetricSpec = {
  id: 'cpucredits',
  key: 'cpuCreditBalance',
  metricName: 'CPUCreditBalance',
  stat: 'Average',
  period: 300,
};

export interface MetricWindow {
  end: Date;
  hours: number;
}

export interface FetchMetricSeriesOptions {
  includeCpuCredits: boolean;
  /** CloudWatch `CacheNodeId` dimension. @defaultValue `'0001'` */
  cacheNodeId?: string;
  signal?: AbortSignal;
}

/** A metric whose result did not come back `Complete` (e.g. `Forbidden`, `InternalError`). */
export interface IncompleteMetric {
  metric: string;
  status: string;
}

/** Builds the one GetMetricData request (without NextToken); exported for tests and debugging. */
export function buildMetricDataQueries(
  cacheClusterId: string,
  opts: { includeCpuCredits: boolean; cacheNodeId?: string },
): MetricDataQuery[] {
  // Node-level metrics are published per (CacheClusterId, CacheNodeId); CloudWatch matches the
  // dimension set exactly, and the pair names exactly one node.
  const dimensions = [
    { Name: 'CacheClusterId', Value: cacheClusterId },
    { Name: 'CacheNodeId', Value: opts.cacheNodeId ?? DEFAULT_CACHE_NODE_ID },
  ];
  const specs = opts.includeCpuCredits ? [...METRICS, CPU_CREDITS] : METRICS;
  return specs.map((spec) => ({
    Id: spec.id,
    Label: spec.metricName,
    MetricStat: {
      Metric: { Namespace: ELASTICACHE_NAMESPACE, MetricName: spec.metricName, Dimensions: dimensions },
      Period: spec.period,
      Stat: spec.stat,
    },
    ReturnData: true,
  }));
}

function toPoints(timestamps: Date[], values: number[]): TrendPoint[] {
  const byTime = new Map<number, number>();
  timestamps.forEach((ts, i) => {
    const value = values[i];
    const at = new Date(ts).getTime();
    if (value !== undefined && Number.isFinite(value) && Number.isFinite(at)) byTime.set(at, value);
  });
  // Pages and ScanBy both vary the order (the default is newest first): always return oldest first.
  return [...byTime.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, value]) => ({ at: new Date(at), value }));
}

/** Like {@link fetchMetricSeries}, also reporting metrics whose data came back incomplete. */
export async function fetchMetricSeriesWithStatus(
  cw: CloudWatchClient,
  cacheClusterId: string,
  window: MetricWindow,
  opts: FetchMetricSeriesOptions,
): Promise<{ series: MetricSeries; incomplete: IncompleteMetric[] }> {
  const queries = buildMetricDataQueries(cacheClusterId, opts);
  const specs = opts.includeCpuCredits ? [...METRICS, CPU_CREDITS] : METRICS;
  const collected = new Map<string, { timestamps: Date[]; values: number[]; status?: string }>();
  const startTime = new Date(window.end.getTime() - window.hours * 3_600_000);
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await bounded(
      (abortSignal) =>
        cw.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: startTime,
            EndTime: window.end,
            ScanBy: 'TimestampAscending',
            ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          }),
          { abortSignal },
        ),
      opts.signal,
    );
    for (const result of out.MetricDataResults ?? []) mergeResult(collected, result);
    nextToken = out.NextToken;
    if (nextToken === undefined || nextToken === '') break;
  }

  const series: MetricSeries = { memoryPct: [], evictions: [], currItems: [], engineCpuPct: [] };
  const incomplete: IncompleteMetric[] = [];
  for (const spec of specs) {
    const data = collected.get(spec.id);
    series[spec.key] = toPoints(data?.timestamps ?? [], data?.values ?? []);
    // PartialData on the last page means the page cap cut it short; on earlier pages it is normal.
    if (data?.status !== undefined && data.status !== 'Complete') {
      incomplete.push({ metric: spec.metricName, status: data.status });
    }
  }
  return { series, incomplete };
}

function mergeResult(
  collected: Map<string, { timestamps: Date[]; values: number[]; status?: string }>,
  result: MetricDataResult,
): void {
  if (result.Id === undefined) return;
  const entry = collected.get(result.Id) ?? { timestamps: [], values: [] };
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  // Keep the two arrays index-aligned even if a page is malformed.
  const n = Math.min(timestamps.length, values.length);
  entry.timestamps.push(...timestamps.slice(0, n));
  entry.values.push(...values.slice(0, n));
  if (result.StatusCode !== undefined) entry.status = result.StatusCode;
  collected.set(result.Id, entry);
}

/**
 * Reads the primary's memory, evictions, keys and engine CPU (and CPU credits for t-class nodes) in
 * one GetMetricData request, following NextToken. Points are oldest first. Throws SDK errors as is;
 * {@link fetchTrend} turns them into notes.
 */
export async function fetchMetricSeries(
  cw: CloudWatchClient,
  cacheClusterId: string,
  window: MetricWindow,
  opts: FetchMetricSeriesOptions,
): Promise<MetricSeries> {
  return (await fetchMetricSeriesWithStatus(cw, cacheClusterId, window, opts)).series;
}

export interface AwsClients {
  cloudwatch: CloudWatchClient;
  elasticache: ElastiCacheClient;
}

export interface CreateAwsClientsOptions {
  /** Per HTTP request. @defaultValue 3000 */
  requestTimeoutMs?: number;
  /** TCP/TLS connect. @defaultValue 1000 */
  connectionTimeoutMs?: number;
  /** HTTPS_PROXY / NO_PROXY; without it every request connects directly. */
  proxy?: ProxySettings;
  /** Static credentials instead of the SDK's default chain (tests). */
  credentials?: CloudWatchClientConfig['credentials'];
}

/** Clients tuned for a chat reply: one retry and short timeouts rather than the SDK's patient defaults. */
export function createAwsClients(region: string, opts: CreateAwsClientsOptions = {}): AwsClients {
  const handlerOptions = {
    requestTimeout: opts.requestTimeoutMs ?? 3_000,
    connectionTimeout: opts.connectionTimeoutMs ?? 1_000,
  };
  // One handler per client: each client's endpoint is checked against NO_PROXY on every request.
  const config = () => ({
    region,
    maxAttempts: 2,
    requestHandler: opts.proxy ? new ProxyAwareHttpHandler(handlerOptions, opts.proxy) : handlerOptions,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
  quietSdkNodeWarning();
  return { cloudwatch: new CloudWatchClient(config()), elasticache: new ElastiCacheClient(config()) };
}

export interface FetchTrendOptions {
  /** @defaultValue the last {@link DEFAULT_TREND_HOURS} hours up to now */
  window?: MetricWindow;
  /** Override; by default taken from the node type (`cache.t*`) when DescribeReplicationGroups tells it. */
  includeCpuCredits?: boolean;
  /** Bound for all AWS calls of this request together. @defaultValue 5000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TrendDeps {
  cloudwatch: CloudWatchClient;
  elasticache: ElastiCacheClient;
}

/**
 * The primary's metric series for a status or watch. Never throws for AWS trouble: every failure
 * becomes a note (i18n key + values), with `ok: false` when there is no memory series to show.
 */
export async function fetchTrend(
  deps: TrendDeps,
  aws: AwsTarget | undefined,
  opts: FetchTrendOptions = {},
): Promise<TrendResult> {
  if (!hasAwsTarget(aws)) return { ok: false, notes: [{ key: 'notes.aws_not_configured' }] };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS;
  const signal = deadlineSignal(timeoutMs, opts.signal);

  const primary = await resolvePrimaryCacheClusterId(deps.elasticache, aws, { signal, timeoutMs });
  const notes: Note[] = [...primary.notes];
  if (primary.error !== undefined && isFatalForRequest(primary.error)) return { ok: false, notes };

  const { cacheClusterId } = primary;
  const window = opts.window ?? { end: new Date(), hours: DEFAULT_TREND_HOURS };
  try {
    const { series, incomplete } = await fetchMetricSeriesWithStatus(
      deps.cloudwatch,
      cacheClusterId,
      window,
      {
        includeCpuCredits: opts.includeCpuCredits ?? isBurstableNodeType(primary.nodeType),
        cacheNodeId: primary.cacheNodeId,
        signal,
      },
    );
    for (const { metric, status } of incomplete) {
      notes.push({ key: 'notes.aws_metric_incomplete', values: { metric, status } });
    }
    if (series.memoryPct.length === 0) {
      notes.push({ key: 'notes.aws_no_data', values: { cacheClusterId } });
      return { ok: false, notes };
    }
    return {
      ok: true,
      cacheClusterId,
      ...(primary.nodeType !== undefined ? { nodeType: primary.nodeType } : {}),
      series,
      notes,
    };
  } catch (err) {
    const { note } = awsErrorNote(err, { action: 'cloudwatch:GetMetricData', region: aws.region, timeoutMs });
    // Two identical notes (e.g. no credentials from both services) read as noise.
    if (!notes.some((n) => n.key === note.key && JSON.stringify(n.values) === JSON.stringify(note.values))) {
      notes.push(note);
    }
    return { ok: false, notes };
  }
}
