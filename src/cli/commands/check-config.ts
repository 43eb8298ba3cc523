import { loadConfigFile } from '../../config/load.js';
import { ErrorCode } from '../../errors.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { configPath } from '../targets.js';

/** Validates a config file without starting anything: for a config repo's own CI. */
export function checkConfigCommand(opts: { config?: string }, ctx: CliContext): number {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadConfigFile(path, ctx.env, ctx.lang);
  ctx.out(
    `${ctx.t('cli:check_config.ok', { path, clusters: config.clusters.map((c) => c.name).join(', ') })}\n`,
  );
  return EXIT_OK;
}
