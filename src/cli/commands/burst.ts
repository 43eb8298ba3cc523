/**
 * `redis-medic burst --cluster NAME [--from T --to T] [--json]`: the burst hunt from a terminal.
 * Times are ISO, or local in `--time-zone` (default: the time zone of the cluster's channel).
 */
import type { Redis } from 'ioredis';
import { createBurstAwsClients } from '../../aws/burst-clients.js';
import { huntBurst } from '../../burst/hunt.js';
import { parseWindowArgs } from '../../burst/parse-time.js';
import type { BurstReport } from '../../burst/types.js';
import { SnapshotStore } from '../../census/snapshot-store.js';
import { channelTimeZone } from '../../config/load.js';
import { isTimeZone } from '../../config/schema.js';
import { ErrorCode, MedicError } from '../../errors.js';
import { HistoryStore } from '../../monitoring/history-store.js';
import { historyTrendProvider, withHistoryFallback } from '../../monitoring/history-trend.js';
import { proxySettings } from '../../net/proxy.js';
import { buildBurstDoc } from '../../presenters/burst-view.js';
import { errorText } from '../../presenters/error-text.js';
import { connectTarget } from '../../redis/connect.js';
import { cloudWatchTrendProvider } from '../../status/trend-providers.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { renderDocText } from '../render/burst-text.js';
import { snakeKeys } from '../render/snake-json.js';
import { configPath, loadCliConfig, requireCluster } from '../targets.js';

export interface BurstCommandOptions {
  cluster?: string;
  config?: string;
  from?: string;
  to?: string;
  timeZone?: string;
  json?: boolean;
  sample?: number;
  unthrottled?: boolean;
  timeout?: number;
}

export async function burstCommand(opts: BurstCommandOptions, ctx: CliContext): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  if (!opts.cluster) throw new UsageError(ErrorCode.ClusterRequired);
  const config = loadCliConfig(path, ctx);
  const cluster = requireCluster(config, opts.cluster, ctx.lang);
  const channel = Object.entries(config.slack.channels).find(([, name]) => name === cluster.name)?.[0];
  const timeZone = opts.timeZone ?? channelTimeZone(config, channel);
  if (!isTimeZone(timeZone))
    throw new UsageError(ErrorCode.BurstBadTimeZone, { zone: timeZone.slice(0, 64) });
  // Refused before anything is read: bad times change nothing.
  const given = parseWindowArgs({ from: opts.from, to: opts.to }, timeZone, new Date());
  const proxy = proxySettings(ctx.env);
  const hunt = async (redis: Redis | undefined) => {
    const cloudWatch = cloudWatchTrendProvider({ proxy });
    const trend = redis
      ? withHistoryFallback(
          cloudWatch,
          historyTrendProvider(new HistoryStore(redis, { prefix: config.queue.prefix })),
        )
      : cloudWatch;
    const conn = await connectTarget(cluster, {
      ...(opts.timeout ? { connectTimeoutMs: opts.timeout, commandTimeoutMs: opts.timeout } : {}),
    });
    try {
      return await huntBurst(cluster, given, {
        conn,
        trend,
        ...(redis ? { snapshots: new SnapshotStore(redis, { prefix: config.queue.prefix }) } : {}),
        ...(cluster.aws ? { aws: createBurstAwsClients(cluster.aws.region, { proxy }) } : {}),
        ...(opts.sample ? { youngSample: opts.sample } : {}),
        ...(opts.unthrottled ? { throttle: false as const } : {}),
      });
    } finally {
      await conn.close();
    }
  };
  // The queue Redis only holds the memory history and the census snapshots: without it the hunt
  // still reads the target (and AWS), and the report names the census diff as not available.
  let report: BurstReport;
  try {
    report = await withQueueRedis(config, hunt);
  } catch (err) {
    if (!(err instanceof MedicError) || err.code !== ErrorCode.QueueUnreachable) throw err;
    ctx.err(`${errorText(err, ctx.t, ctx.lang)}\n`);
    report = await hunt(undefined);
  }
  if (opts.json) ctx.out(`${JSON.stringify(snakeKeys(JSON.parse(JSON.stringify(report))), null, 2)}\n`);
  else ctx.out(renderDocText(buildBurstDoc(report, { t: ctx.t, lang: ctx.lang, timeZone })));
  return EXIT_OK;
}
