import { HistoryStore } from '../../monitoring/history-store.js';
import { historyTrendProvider, withHistoryFallback } from '../../monitoring/history-trend.js';
import { proxySettings } from '../../net/proxy.js';
import { buildStatusView } from '../../presenters/status-view.js';
import { checkStatus } from '../../status/check-status.js';
import { cloudWatchTrendProvider } from '../../status/trend-providers.js';
import type { CliContext } from '../context.js';
import { EXIT_OK } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { toStatusJson } from '../render/status-json.js';
import { renderStatusTable } from '../render/status-table.js';
import { resolveTarget, type TargetOptions } from '../targets.js';

export interface StatusCommandOptions extends TargetOptions {
  json?: boolean;
  trend?: boolean;
  /** Connect and per-command timeout, ms. */
  timeout?: number;
}

/** CloudWatch from a terminal honours HTTPS_PROXY / NO_PROXY too (a bad one is a ProxyConfigError, exit 1). */
function awsProxySettings(env: CliContext['env']) {
  return proxySettings(env);
}

export async function statusCommand(opts: StatusCommandOptions, ctx: CliContext): Promise<number> {
  const { target, config } = resolveTarget(opts, ctx);
  const cloudWatch = cloudWatchTrendProvider({ proxy: awsProxySettings(ctx.env) });
  // With a config, the bot's own history on the queue Redis is the trend where CloudWatch is not.
  const trend = config
    ? withHistoryFallback(cloudWatch, (t, window) =>
        withQueueRedis(config, (redis) =>
          historyTrendProvider(new HistoryStore(redis, { prefix: config.queue.prefix }))(t, window),
        ),
      )
    : target.aws
      ? cloudWatch
      : undefined;
  const report = await checkStatus(target, {
    ...(opts.trend !== false && trend ? { trend } : {}),
    windowHours: config?.trend.windowHours ?? 3,
    ...(opts.timeout ? { connect: { connectTimeoutMs: opts.timeout, commandTimeoutMs: opts.timeout } } : {}),
  });
  const view = buildStatusView(report, { t: ctx.t, lang: ctx.lang });
  ctx.out(
    opts.json ? `${JSON.stringify(toStatusJson(report, view), null, 2)}\n` : renderStatusTable(view, ctx.t),
  );
  return EXIT_OK;
}
