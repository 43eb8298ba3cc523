// Progress figures of a TTL run: the share of the keyspace walked, the still view between pages, used memory.
import { cursorFraction } from '../../census/walker.js';
import type { TargetConnection } from '../../redis/connect.js';
import { inspectRedis } from '../../redis/inspect.js';
import type { EngineCheckpoint, EngineCounters } from '../../remediation/types.js';
import type { TtlJobData, TtlRunView } from './types.js';

/** used_memory summed over primaries; undefined when INFO fails (the summary says "—"). */
export async function usedMemory(conn: TargetConnection): Promise<number | undefined> {
  try {
    return (await inspectRedis(conn)).usedMemoryBytes;
  } catch {
    return undefined;
  }
}

/** A view while no page runs (start, paused, verifying): from the saved checkpoint. */
export function stillView(data: TtlJobData, state: TtlRunView['state']): TtlRunView {
  const cp = data.checkpoint;
  return {
    state,
    counters: cp?.counters ?? zeroCounters(),
    fraction: cp ? walkedFraction(cp) : 0,
    total: cp ? cp.nodes.reduce((s, n) => s + (n.dbsize ?? 0), 0) : 0,
    keysPerSec: 0,
    etaSec: null,
  };
}

/** The share of the keyspace walked, from the SCAN cursors (reverse-binary: a cursor is a position), by DBSIZE. */
export function walkedFraction(checkpoint: EngineCheckpoint): number {
  const nodes = checkpoint.nodes;
  if (nodes.length === 0) return 0;
  const part = (n: EngineCheckpoint['nodes'][number]) => (n.done ? 1 : cursorFraction(n.cursor));
  const total = nodes.reduce((s, n) => s + (n.dbsize ?? 0), 0);
  if (total === 0) return nodes.reduce((s, n) => s + part(n), 0) / nodes.length;
  return Math.min(1, nodes.reduce((s, n) => s + (n.dbsize ?? 0) * part(n), 0) / total);
}

export function zeroCounters(): EngineCounters {
  return { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 };
}
