/**
 * The memory trend for sizing (BytesUsedForCache, hourly average and maximum, up to 14 days: what
 * CloudWatch keeps at one-minute resolution is far shorter, hourly points are enough for a growth
 * rate) and, on burstable nodes, the last day of CPUCreditBalance. One GetMetricData request per
 * window, NextToken followed. Failures become notes: sizing goes on without a trend.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { Note, TrendPoint } from '../domain/types.js';
import { ELASTICACHE_NAMESPACE } from './cloudwatch-trend.js';
import { bounded } from './deadline.js';
import { awsErrorNote } from './errors.js';
import { DEFAULT_CACHE_NODE_ID } from './primary-node.js';

export const SIZING_TREND_DAYS = 14;
const MAX_PAGES = 10;

export interface CapacityMetrics {
  bytesAvg: TrendPoint[];
  bytesMax: TrendPoint[];
  cpuCredits: TrendPoint[];
  notes: Note[];
}

function query(
  id: string,
  metric: string,
  stat: string,
  period: number,
  cacheClusterId: string,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: ELASTICACHE_NAMESPACE,
        MetricName: metric,
        Dimensions: [
          { Name: 'CacheClusterId', Value: cacheClusterId },
          { Name: 'CacheNodeId', Value: DEFAULT_CACHE_NODE_ID },
        ],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  };
}

async function fetchWindow(
  cw: CloudWatchClient,
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
  signal?: AbortSignal,
): Promise<Map<string, TrendPoint[]>> {
  const out = new Map<string, TrendPoint[]>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await bounded(
      (abortSignal) =>
        cw.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampAscending',
            ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          }),
          { abortSignal },
        ),
      signal,
    );
    for (const r of res.MetricDataResults ?? []) {
      const list = out.get(r.Id ?? '') ?? [];
      (r.Timestamps ?? []).forEach((at, i) => {
        const value = r.Values?.[i];
        if (value !== undefined && Number.isFinite(value)) list.push({ at: new Date(at), value });
      });
      out.set(r.Id ?? '', list);
    }
    nextToken = res.NextToken;
    if (nextToken === undefined || nextToken === '') break;
  }
  for (const list of out.values()) list.sort((a, b) => a.at.getTime() - b.at.getTime());
  return out;
}

export async function fetchCapacityMetrics(
  cw: CloudWatchClient,
  target: { cacheClusterId: string; region: string; burstable: boolean },
  opts: { now?: Date; days?: number; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<CapacityMetrics> {
  const end = opts.now ?? new Date();
  const days = opts.days ?? SIZING_TREND_DAYS;
  const id = target.cacheClusterId;
  const result: CapacityMetrics = { bytesAvg: [], bytesMax: [], cpuCredits: [], notes: [] };
  try {
    const memory = await fetchWindow(
      cw,
      [
        query('bytesavg', 'BytesUsedForCache', 'Average', 3600, id),
        query('bytesmax', 'BytesUsedForCache', 'Maximum', 3600, id),
      ],
      new Date(end.getTime() - days * 86_400_000),
      end,
      opts.signal,
    );
    result.bytesAvg = memory.get('bytesavg') ?? [];
    result.bytesMax = memory.get('bytesmax') ?? [];
    if (target.burstable) {
      const credits = await fetchWindow(
        cw,
        [query('credits', 'CPUCreditBalance', 'Average', 300, id)],
        new Date(end.getTime() - 86_400_000),
        end,
        opts.signal,
      );
      result.cpuCredits = credits.get('credits') ?? [];
    }
  } catch (err) {
    result.notes.push(
      awsErrorNote(err, {
        action: 'cloudwatch:GetMetricData',
        region: target.region,
        timeoutMs: opts.timeoutMs ?? 10_000,
      }).note,
    );
  }
  return result;
}
