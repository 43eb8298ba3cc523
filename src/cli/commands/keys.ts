import { diffCensus } from '../../census/diff.js';
import { runCensus } from '../../census/run-census.js';
import { SnapshotStore } from '../../census/snapshot-store.js';
import type { WalkProgress } from '../../census/types.js';
import type { MedicConfig } from '../../config/types.js';
import { ErrorCode } from '../../errors.js';
import { formatEta, formatInt, formatList } from '../../i18n/format.js';
import { globHasUnclosedClass } from '../../keyspace/glob.js';
import { buildCensusDiffView } from '../../presenters/census-diff-view.js';
import { buildCensusView } from '../../presenters/census-view.js';
import { connectTarget } from '../../redis/connect.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { renderCensusDiffTable } from '../render/census-diff-table.js';
import { toCensusJson } from '../render/census-json.js';
import { renderCensusTable } from '../render/census-table.js';
import { snakeKeys } from '../render/snake-json.js';
import { configPath, loadCliConfig, requireCluster, resolveTarget, type TargetOptions } from '../targets.js';

export interface KeysCommandOptions extends TargetOptions {
  json?: boolean;
  sample?: number;
  match?: string;
  top?: number;
  memorySamples?: number;
  unthrottled?: boolean;
  save?: boolean;
  timeout?: number;
}

/** `redis-medic keys`: the census, a table or JSON; stored as a snapshot when a config names the queue Redis. */
export async function keysCommand(opts: KeysCommandOptions, ctx: CliContext): Promise<number> {
  if (opts.match !== undefined && globHasUnclosedClass(opts.match))
    throw new UsageError(ErrorCode.GlobUnclosed, { match: opts.match });
  const { target, config } = resolveTarget(opts, ctx);
  const conn = await connectTarget(target, {
    ...(opts.timeout ? { connectTimeoutMs: opts.timeout, commandTimeoutMs: opts.timeout } : {}),
  });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let result: Awaited<ReturnType<typeof runCensus>>;
  try {
    result = await runCensus(conn, {
      cluster: target.name,
      ...(opts.match ? { match: opts.match } : {}),
      ...(opts.sample ? { sample: opts.sample } : {}),
      ...(opts.memorySamples !== undefined ? { memorySamples: opts.memorySamples } : {}),
      ...(opts.unthrottled ? { throttle: false as const } : {}),
      signal: abort.signal,
      ...(process.stderr.isTTY ? { onProgress: (p: WalkProgress) => showProgress(p, ctx) } : {}),
    });
  } finally {
    process.off('SIGINT', onSigint);
    await conn.close();
    if (process.stderr.isTTY) ctx.err('\r\x1b[K');
  }
  const snapshotId =
    config && opts.save !== false ? await withStore(config, (store) => store.save(result)) : undefined;
  if (opts.json) {
    ctx.out(`${JSON.stringify(toCensusJson(result, snapshotId), null, 2)}\n`);
  } else {
    ctx.out(
      renderCensusTable(buildCensusView(result, { t: ctx.t, lang: ctx.lang, top: opts.top ?? 20 }), ctx.t),
    );
    if (snapshotId) ctx.err(`${ctx.t('census:saved', { id: snapshotId })}\n`);
  }
  return EXIT_OK;
}

export interface KeysDiffOptions {
  cluster?: string;
  config?: string;
  from?: string;
  to?: string;
  json?: boolean;
  top?: number;
}

/** `redis-medic keys diff`: what grew between two stored snapshots (default: the last two). */
export async function keysDiffCommand(opts: KeysDiffOptions, ctx: CliContext): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  if (!opts.cluster) throw new UsageError(ErrorCode.ClusterRequired);
  const cluster = opts.cluster;
  const config = loadCliConfig(path, ctx);
  requireCluster(config, cluster, ctx.lang);
  return withStore(config, async (store) => {
    const list = await store.list(cluster);
    // A mistyped id is named as such, not reported as "fewer than two censuses".
    for (const id of [opts.from, opts.to]) {
      if (id !== undefined && !list.some((s) => s.id === id)) {
        throw new UsageError(ErrorCode.UnknownSnapshot, {
          id,
          cluster,
          available: list.map((s) => s.id).join(', ') || '—',
        });
      }
    }
    const toId = opts.to ?? list[0]?.id;
    const fromId = opts.from ?? (toId ? list[list.findIndex((s) => s.id === toId) + 1]?.id : undefined);
    const after = toId ? await store.get(cluster, toId) : undefined;
    const before = fromId ? await store.get(cluster, fromId) : undefined;
    if (!after || !before) {
      throw new UsageError(ErrorCode.NeedTwoSnapshots, {
        cluster,
        available:
          formatList(
            list.map((s) => s.id),
            ctx.lang,
          ) || '—',
      });
    }
    const diff = diffCensus(before, after);
    if (opts.json) ctx.out(`${JSON.stringify(snakeKeys(diff), null, 2)}\n`);
    else
      ctx.out(
        renderCensusDiffTable(
          buildCensusDiffView(diff, { t: ctx.t, lang: ctx.lang, top: opts.top ?? 20 }),
          ctx.t,
        ),
      );
    return EXIT_OK;
  });
}

/** `redis-medic keys snapshots`: the stored census snapshots of a cluster, newest first. */
export async function keysSnapshotsCommand(
  opts: { cluster?: string; config?: string },
  ctx: CliContext,
): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  if (!opts.cluster) throw new UsageError(ErrorCode.ClusterRequired);
  const cluster = opts.cluster;
  const config = loadCliConfig(path, ctx);
  requireCluster(config, cluster, ctx.lang);
  const list = await withStore(config, (store) => store.list(cluster));
  for (const s of list) {
    const line = ctx.t('census:snapshot_line', {
      keys: formatInt(s.totalKeys, ctx.lang),
      withoutTtl: formatInt(s.totalKeysWithoutTtl, ctx.lang),
    });
    const shown = s.sampled
      ? ctx.t('common:paren', { value: line, note: ctx.t('census:sampled_short') })
      : line;
    ctx.out(`${s.id}  ${shown}\n`);
  }
  return EXIT_OK;
}

async function withStore<T>(config: MedicConfig, fn: (store: SnapshotStore) => Promise<T>): Promise<T> {
  return withQueueRedis(config, (redis) => fn(new SnapshotStore(redis, { prefix: config.queue.prefix })));
}

export function showProgress(p: WalkProgress, ctx: CliContext): void {
  const pct = p.total > 0 ? Math.min(100, (p.scanned / p.total) * 100) : 0;
  ctx.err(
    `\r\x1b[K${ctx.t('census:progress', {
      scanned: formatInt(p.scanned, ctx.lang),
      total: formatInt(p.total, ctx.lang),
      pct: pct.toFixed(0),
      rate: formatInt(p.keysPerSec, ctx.lang),
      eta: formatEta(p.etaSec, ctx.t),
    })}`,
  );
}
