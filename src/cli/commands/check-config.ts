import { nodeCatalogProblem } from '../../capacity/node-catalog.js';
import { loadConfigFile } from '../../config/load.js';
import { ErrorCode } from '../../errors.js';
import { formatList } from '../../i18n/format.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { configPath } from '../targets.js';

/** Validates a config file without starting anything: for a config repo's own CI. */
export function checkConfigCommand(opts: { config?: string }, ctx: CliContext): number {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadConfigFile(path, ctx.env, ctx.lang, { nodeCatalogCheck: nodeCatalogProblem });
  ctx.out(
    `${ctx.t('cli:check_config.ok', {
      path,
      clusters: formatList(
        config.clusters.map((c) => c.name),
        ctx.lang,
      ),
    })}\n`,
  );
  // Valid, but a cluster no channel maps to has its alerts, summaries and reports only in the log.
  const mapped = new Set(Object.values(config.slack.channels));
  for (const cluster of config.clusters) {
    if (!mapped.has(cluster.name))
      ctx.err(`${ctx.t('cli:check_config.no_channel', { cluster: cluster.name })}\n`);
  }
  return EXIT_OK;
}
