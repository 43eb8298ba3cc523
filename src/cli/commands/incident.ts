/**
 * `redis-medic incident list|show ID`: the incidents the bot recorded on its queue Redis (opened by
 * `/redis-status`, `/redis-incident` or an alert), read-only, as text or JSON.
 */

import type { Redis } from 'ioredis';
import type { MedicConfig } from '../../config/types.js';
import { ErrorCode } from '../../errors.js';
import { ChecklistService } from '../../incidents/checklist/service.js';
import { IncidentStore } from '../../incidents/incident-store.js';
import { listIncidents, showIncident } from '../../incidents/incident-view.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { incidentListJson, incidentShowJson } from '../render/incident-json.js';
import { renderIncidentList, renderIncidentShow } from '../render/incident-text.js';
import { configPath, loadCliConfig, requireCluster } from '../targets.js';

export interface IncidentListOptions {
  cluster?: string;
  limit?: number;
  json?: boolean;
  config?: string;
}

export interface IncidentShowOptions {
  json?: boolean;
  config?: string;
}

function services(redis: Redis, config: MedicConfig) {
  const store = new IncidentStore(redis, {
    prefix: config.queue.prefix,
    idleHours: config.incidents.idleHours,
  });
  const checklist = new ChecklistService(store, {
    ...(config.incidents.checklist ? { template: config.incidents.checklist } : {}),
  });
  return { store, checklist };
}

function load(opts: { config?: string }, ctx: CliContext): MedicConfig {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  return loadCliConfig(path, ctx);
}

export async function incidentListCommand(opts: IncidentListOptions, ctx: CliContext): Promise<number> {
  const config = load(opts, ctx);
  const clusters =
    opts.cluster !== undefined ? [requireCluster(config, opts.cluster, ctx.lang)] : config.clusters;
  const list = await withQueueRedis(config, (redis) => {
    const { store, checklist } = services(redis, config);
    return listIncidents(store, checklist, clusters, opts.limit ?? 20);
  });
  if (opts.json) ctx.out(`${JSON.stringify(incidentListJson(list), null, 2)}\n`);
  else ctx.out(renderIncidentList(list, { t: ctx.t, lang: ctx.lang, targetPct: config.watch.targetPct }));
  return EXIT_OK;
}

export async function incidentShowCommand(
  id: string,
  opts: IncidentShowOptions,
  ctx: CliContext,
): Promise<number> {
  const config = load(opts, ctx);
  const detail = await withQueueRedis(config, (redis) => {
    const { store, checklist } = services(redis, config);
    return showIncident(store, checklist, id);
  });
  if (!detail) throw new UsageError(ErrorCode.UnknownIncident, { id });
  if (opts.json) ctx.out(`${JSON.stringify(incidentShowJson(detail), null, 2)}\n`);
  else ctx.out(renderIncidentShow(detail, { t: ctx.t, lang: ctx.lang, targetPct: config.watch.targetPct }));
  return EXIT_OK;
}
