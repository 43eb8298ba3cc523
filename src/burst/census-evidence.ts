/**
 * The census side of the hunt: the last stored snapshot that finished before the window, against
 * the newest snapshot taken after the window began, or else a fresh (sampled) census taken now.
 */
import { diffCensus } from '../census/diff.js';
import { runCensus } from '../census/run-census.js';
import type { SnapshotStore } from '../census/snapshot-store.js';
import type { CensusResult } from '../census/types.js';
import type { ThrottleOptions } from '../census/walker.js';
import type { TargetConnection } from '../redis/connect.js';
import type { CensusEvidence, SourceStatus } from './types.js';

/** Keys a fresh census reads at most (then it is sampled and extrapolated). */
export const FRESH_CENSUS_SAMPLE = 200_000;

export type SnapshotReader = Pick<SnapshotStore, 'list' | 'get'>;

export async function censusEvidence(
  conn: TargetConnection,
  snapshots: SnapshotReader | undefined,
  cluster: string,
  window: { from: Date },
  opts: { throttle?: ThrottleOptions | false; signal?: AbortSignal } = {},
): Promise<{ status: SourceStatus; evidence?: CensusEvidence }> {
  if (!snapshots)
    return {
      status: { source: 'census', state: 'not_configured', notes: [{ key: 'burst:notes.census_no_store' }] },
    };
  const list = await snapshots.list(cluster);
  const from = window.from.getTime();
  const beforeInfo = list.find((s) => Date.parse(s.finishedAt) <= from && !s.match);
  if (!beforeInfo) {
    return {
      status: { source: 'census', state: 'no_snapshot', notes: [{ key: 'burst:notes.census_no_snapshot' }] },
    };
  }
  const before = await snapshots.get(cluster, beforeInfo.id);
  if (!before)
    return {
      status: { source: 'census', state: 'no_snapshot', notes: [{ key: 'burst:notes.census_no_snapshot' }] },
    };
  const afterInfo = list.find((s) => Date.parse(s.finishedAt) > from && !s.match);
  let after: CensusResult | undefined = afterInfo ? await snapshots.get(cluster, afterInfo.id) : undefined;
  let afterId = afterInfo?.id ?? 'fresh';
  if (!after) {
    after = await runCensus(conn, {
      cluster,
      sample: FRESH_CENSUS_SAMPLE,
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    afterId = 'fresh';
  }
  const diff = diffCensus(before, after);
  return {
    status: { source: 'census', state: 'ok', notes: [] },
    evidence: { beforeId: beforeInfo.id, afterId, diff },
  };
}
