import { userInfo } from 'node:os';
import { nodeCatalogProblem } from '../capacity/node-catalog.js';
import { findCluster, loadConfigFile } from '../config/load.js';
import { hostPort, redisUrlProblem } from '../config/redis-url.js';
import type { ClusterConfig, MedicConfig } from '../config/types.js';
import { ErrorCode, MedicError } from '../errors.js';
import { formatList } from '../i18n/format.js';
import { createI18n } from '../i18n/index.js';
import type { Lang } from '../i18n/types.js';
import { parseRedisUrl } from '../redis/connect.js';
import type { StatusTarget } from '../status/check-status.js';
import { closestName } from './closest-name.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';

export const DEFAULT_THRESHOLDS = { warning: 60, critical: 70, emergency: 85 } as const;

export interface TargetOptions {
  redis?: string;
  cluster?: string;
  config?: string;
  clusterMode?: boolean;
}

export function configPath(opts: { config?: string }, ctx: CliContext): string | undefined {
  return opts.config ?? ctx.env.REDIS_MEDIC_CONFIG;
}

/**
 * Loads the config; when it names locale overrides (`i18n.overridesDir`, checked at load), the rest
 * of the command speaks the team's wording too: `ctx.i18n` and `ctx.t` are switched to them.
 */
export function loadCliConfig(path: string, ctx: CliContext): MedicConfig {
  const config = loadConfigFile(path, ctx.env, ctx.lang, { nodeCatalogCheck: nodeCatalogProblem });
  if (config.i18n) {
    ctx.i18n = createI18n({ overrides: config.i18n.overrides });
    ctx.t = ctx.i18n.plain(ctx.lang);
  }
  return config;
}

/** `--redis URL` (ad hoc, default thresholds) or `--cluster NAME` from the config file, exactly one. */
export function resolveTarget(
  opts: TargetOptions,
  ctx: CliContext,
): { target: StatusTarget; config?: MedicConfig } {
  if ((opts.redis === undefined) === (opts.cluster === undefined))
    throw new UsageError(ErrorCode.RedisOrCluster);
  const path = configPath(opts, ctx);
  if (opts.redis !== undefined) {
    const config = path ? loadCliConfig(path, ctx) : undefined;
    // Only the port or the path is echoed back: the URL itself may carry a password.
    const problem = redisUrlProblem(opts.redis);
    if (problem?.kind === 'userinfo') throw new UsageError(ErrorCode.RedisUrlUserinfo);
    if (problem?.kind === 'port') throw new UsageError(ErrorCode.RedisUrlPort, { port: problem.port });
    if (problem?.kind === 'db_path') throw new UsageError(ErrorCode.RedisUrlDb, { path: problem.path });
    let parsed: ReturnType<typeof parseRedisUrl>;
    try {
      parsed = parseRedisUrl(opts.redis);
    } catch (err) {
      const dbInQuery = err instanceof MedicError && err.values.reason === 'db_in_query';
      throw new UsageError(dbInQuery ? ErrorCode.RedisUrlDbQuery : ErrorCode.BadRedisUrl);
    }
    return {
      target: {
        name: hostPort(parsed.host, parsed.port),
        url: opts.redis,
        mode: opts.clusterMode ? 'cluster' : 'standalone',
        thresholds: config?.defaultThresholds ?? { ...DEFAULT_THRESHOLDS },
      },
      ...(config ? { config } : {}),
    };
  }
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadCliConfig(path, ctx);
  return { target: requireCluster(config, opts.cluster ?? '', ctx.lang), config };
}

/**
 * The configured cluster a `--cluster NAME` names. Every command that takes one checks it here, so a
 * typo is refused the same way everywhere (listing the known names, and the closest one if a name
 * is close) instead of reading as "nothing stored for that cluster".
 */
export function requireCluster(config: MedicConfig, name: string, lang: Lang): ClusterConfig {
  const cluster = findCluster(config, name);
  if (cluster) return cluster;
  const names = config.clusters.map((c) => c.name);
  const closest = closestName(name, names);
  throw new UsageError(ErrorCode.ClusterNotInConfig, {
    name,
    known: formatList(names, lang),
    ...(closest ? { closest } : {}),
  });
}

/** `cli:<login>`: who did it, in the audit log and the incident message. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
