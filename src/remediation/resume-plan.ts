/**
 * Where a resumed TTL run starts on each node. A SCAN cursor means something only to the server
 * process that handed it out (the hash seed is drawn at start-up), so a saved cursor is reused only
 * on the same process: same address, DB and `run_id`. A node that is another process now (a replica
 * promoted by a failover, a restarted server) is walked again from cursor 0, and what the old one
 * had counted is taken out of the totals: the new walk counts every key of that node once, keys
 * carrying this run's stamp since its start (written before the failover and replicated) as changed.
 * Checkpoints written before per-node counters existed can't be corrected that way: `exact` false.
 */

import type { EngineCheckpoint, EngineCounters } from './types.js';

export type SavedUnit = EngineCheckpoint['nodes'][number];

export interface CurrentUnit {
  address: string;
  db: number;
  runId: string;
}

export interface ResumePlan {
  /** The saved entry to continue from, by `unitKey`, only where the same server process still serves it. */
  continued: Map<string, SavedUnit>;
  /** The totals to continue from: the checkpoint's minus what the entries no longer served had counted. */
  counters: EngineCounters;
  /** Saved entries of servers no longer there (their counts taken out when known). */
  replaced: SavedUnit[];
  /** False when a replaced entry carried no per-node counters: the totals may count some keys twice. */
  exact: boolean;
}

export function unitKey(u: { address: string; db: number }): string {
  return `${u.address}/${u.db}`;
}

export function planResume(cp: EngineCheckpoint, current: readonly CurrentUnit[]): ResumePlan {
  const byKey = new Map(current.map((u) => [unitKey(u), u]));
  const continued = new Map<string, SavedUnit>();
  const replaced: SavedUnit[] = [];
  const counters = { ...cp.counters };
  let exact = true;
  for (const saved of cp.nodes) {
    const now = byKey.get(unitKey(saved));
    if (now && (saved.runId === undefined || saved.runId === now.runId)) {
      continued.set(unitKey(saved), saved);
      continue;
    }
    replaced.push(saved);
    if (!saved.counters) {
      exact = false;
      continue;
    }
    for (const k of Object.keys(counters) as (keyof EngineCounters)[]) {
      counters[k] = Math.max(0, counters[k] - saved.counters[k]);
    }
  }
  return { continued, counters, replaced, exact };
}

/** A checkpoint without `runStartMs`: its ISO start (local clock), a minute early for clock skew. */
export function legacyRunStart(cp: EngineCheckpoint): number | undefined {
  const at = cp.startedAt ? Date.parse(cp.startedAt) : Number.NaN;
  return Number.isFinite(at) ? at - 60_000 : undefined;
}
