import { nodeCatalogProblem } from '../../capacity/node-catalog.js';
import { loadConfigFile } from '../../config/load.js';
import { ErrorCode } from '../../errors.js';
import { formatList } from '../../i18n/format.js';
import { createLogger } from '../../observability/logger.js';
import { startServer } from '../../server.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { configPath } from '../targets.js';

/** `redis-medic serve`: validate everything first (nothing starts on a bad config), then run until SIGTERM. */
export async function serveCommand(
  opts: { config?: string; port?: number },
  ctx: CliContext,
): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadConfigFile(path, ctx.env, ctx.lang, { nodeCatalogCheck: nodeCatalogProblem });
  const env = ctx.env;
  const missing = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].filter((name) => !env[name]);
  if (missing.length > 0)
    throw new UsageError(ErrorCode.EnvMissing, { names: formatList(missing, ctx.lang) });

  const logger = createLogger();
  warnOnOneBotId(env, logger);
  const server = await startServer({
    config,
    logger,
    // SLACK_API_URL (else slack.apiUrl in the file) and HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
    env,
    slack: {
      botToken: env.SLACK_BOT_TOKEN ?? '',
      signingSecret: env.SLACK_SIGNING_SECRET ?? '',
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(env.SLACK_BOT_USER_ID ? { botUserId: env.SLACK_BOT_USER_ID } : {}),
      ...(env.SLACK_BOT_ID ? { botId: env.SLACK_BOT_ID } : {}),
      port: opts.port ?? Number(env.PORT ?? 3000),
    },
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return EXIT_OK;
}

/**
 * Bolt skips its auth.test call only when it has both ids; one of them alone changes nothing, which
 * an operator who set one to avoid the call would never notice. Said once at start, in the log.
 */
function warnOnOneBotId(env: CliContext['env'], logger: ReturnType<typeof createLogger>): void {
  const ids = ['SLACK_BOT_USER_ID', 'SLACK_BOT_ID'] as const;
  const set = ids.filter((name) => env[name]);
  if (set.length !== 1) return;
  const missing = ids.find((name) => !env[name]);
  logger.warn(
    { set: set[0], missing },
    `${set[0]} is set without ${missing}: Slack's auth.test is still called (only both together skip it)`,
  );
}
