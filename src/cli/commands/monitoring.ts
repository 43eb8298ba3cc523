/** `redis-medic monitoring export`: writes the cluster's alerting rules and dashboard into a folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findCluster } from '../../config/load.js';
import { ErrorCode } from '../../errors.js';
import { monitoringExportFiles } from '../../monitoring/exports/export-files.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { configPath, loadCliConfig } from '../targets.js';

export interface MonitoringExportOptions {
  cluster?: string;
  config?: string;
  out?: string;
  json?: boolean;
}

export async function monitoringExportCommand(
  opts: MonitoringExportOptions,
  ctx: CliContext,
): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  if (!opts.cluster) throw new UsageError(ErrorCode.ClusterRequired);
  if (!opts.out) throw new UsageError(ErrorCode.OutRequired);
  const config = loadCliConfig(path, ctx);
  const cluster = findCluster(config, opts.cluster);
  if (!cluster) {
    throw new UsageError(ErrorCode.ClusterNotInConfig, {
      name: opts.cluster,
      known: config.clusters.map((c) => c.name).join(', '),
    });
  }
  const dir = resolve(opts.out);
  const files = monitoringExportFiles(cluster, ctx.t, config.monitoring);
  try {
    await mkdir(dir, { recursive: true });
    for (const file of files) await writeFile(join(dir, file.name), file.content);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new UsageError(ErrorCode.ExportWriteFailed, { dir, errno: code });
  }
  const written = files.map((f) => ({
    kind: f.kind,
    path: join(dir, f.name),
    bytes: Buffer.byteLength(f.content),
  }));
  if (opts.json) ctx.out(`${JSON.stringify({ cluster: cluster.name, files: written }, null, 2)}\n`);
  else {
    ctx.out(`${ctx.t('cli:monitoring.written', { cluster: cluster.name, dir })}\n`);
    for (const f of written) ctx.out(`  ${f.path}\n`);
  }
  return EXIT_OK;
}
