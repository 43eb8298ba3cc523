import { runbookMemoryTrend } from '../analysis/runbook-trend.js';
import type { AwsClients } from '../aws/cloudwatch-trend.js';
import type { ProxySettings } from '../net/proxy.js';
import type { TrendFetch, TrendProvider } from './check-status.js';

/**
 * CloudWatch through the cluster's region; clients are made once per region and reused. Pass the
 * proxy settings (HTTPS_PROXY / NO_PROXY) or a client factory; the default connects directly.
 * The AWS SDK is imported on the first CloudWatch read, so a plain Redis target never loads it.
 */
export function cloudWatchTrendProvider(
  clientsOrProxy?: ((region: string) => AwsClients) | { proxy: ProxySettings },
): TrendProvider {
  const byRegion = new Map<string, AwsClients>();
  return async (target, window): Promise<TrendFetch> => {
    if (!target.aws) return { ok: false, notes: [{ key: 'notes.aws_not_configured' }] };
    const { createAwsClients, fetchTrend } = await import('../aws/cloudwatch-trend.js');
    let clients = byRegion.get(target.aws.region);
    if (!clients) {
      clients =
        typeof clientsOrProxy === 'function'
          ? clientsOrProxy(target.aws.region)
          : createAwsClients(target.aws.region, clientsOrProxy ? { proxy: clientsOrProxy.proxy } : {});
      byRegion.set(target.aws.region, clients);
    }
    const result = await fetchTrend(clients, target.aws, { window });
    if (!result.ok) return result;
    return {
      ok: true,
      source: 'cloudwatch',
      node: result.cacheClusterId,
      series: result.series,
      notes: result.notes,
    };
  };
}

/**
 * The demo has no AWS account: it replays the runbook's 13:00–14:28 memory curve ending now, and
 * says so in a note and in the trend heading, so nobody mistakes it for a live reading.
 */
export function replayTrendProvider(): TrendProvider {
  return async (target, window) => ({
    ok: true,
    source: 'replay',
    node: `${target.name}-001`,
    series: { memoryPct: runbookMemoryTrend(window.end), evictions: [], currItems: [], engineCpuPct: [] },
    notes: [{ key: 'notes.trend_replayed' }],
  });
}
