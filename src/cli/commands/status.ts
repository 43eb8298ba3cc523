import { proxySettings } from '../../net/proxy.js';
import { buildStatusView } from '../../presenters/status-view.js';
import { checkStatus } from '../../status/check-status.js';
import { cloudWatchTrendProvider } from '../../status/trend-providers.js';
import type { CliContext } from '../context.js';
import { EXIT_OK } from '../errors.js';
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
  const report = await checkStatus(target, {
    ...(opts.trend !== false && target.aws
      ? { trend: cloudWatchTrendProvider({ proxy: awsProxySettings(ctx.env) }) }
      : {}),
    windowHours: config?.trend.windowHours ?? 3,
    ...(opts.timeout ? { connect: { connectTimeoutMs: opts.timeout, commandTimeoutMs: opts.timeout } } : {}),
  });
  const view = buildStatusView(report, { t: ctx.t, lang: ctx.lang });
  ctx.out(
    opts.json ? `${JSON.stringify(toStatusJson(report, view), null, 2)}\n` : renderStatusTable(view, ctx.t),
  );
  return EXIT_OK;
}
