/**
 * What a TTL run reports after each page: the checkpoint to persist (cursor, counters, replay time
 * per node/DB; salt and time base of the run) and the progress (fraction walked, keys/s, ETA,
 * pauses), handed to `onPage` one at a time.
 */

import { cursorFraction } from '../../keyspace/scan/cursor.js';
import type { MemoryPause } from '../memory-guard.js';
import type { EngineCheckpoint, EngineCounters, EnginePauseReason, EngineProgress } from '../types.js';
import type { Unit } from './node.js';
import type { EngineStrategy } from './options.js';

/** The run-wide part of a checkpoint. */
export interface RunIdentity {
  salt: number;
  runStartMs: number;
  strategy: EngineStrategy;
  startedAt: string;
}

export function checkpointOf(
  units: readonly Unit[],
  counters: EngineCounters,
  run: RunIdentity,
): EngineCheckpoint {
  return {
    nodes: units.map((u) => ({
      address: u.address,
      db: u.db,
      cursor: u.cursor,
      done: u.done,
      ...(u.timeMs !== undefined ? { timeMs: u.timeMs } : {}),
      dbsize: u.dbsize,
      runId: u.node.runId,
      counters: { ...u.counters },
    })),
    counters: { ...counters },
    salt: run.salt,
    runStartMs: run.runStartMs,
    strategy: run.strategy,
    startedAt: run.startedAt,
  };
}

/** How far the walk is, weighted by each unit's DBSIZE (equal weights when every DB is empty). */
export function walkedFraction(units: readonly Unit[]): number {
  const total = units.reduce((s, u) => s + u.dbsize, 0);
  const part = (u: Unit) => (u.done ? 1 : cursorFraction(u.cursor));
  if (total === 0) {
    return units.length ? units.reduce((s, u) => s + part(u), 0) / units.length : 1;
  }
  return units.reduce((s, u) => s + u.dbsize * part(u), 0) / total;
}

export interface ProgressState {
  units: readonly Unit[];
  counters: EngineCounters;
  /** The counters and fraction this attempt started from (a resume starts above zero). */
  startCounters: EngineCounters;
  startFraction: number;
  /** performance.now() when the run was created. */
  t0: number;
  pausedBy: EnginePauseReason | undefined;
  memoryPause: MemoryPause | undefined;
  pauses: number;
}

export function progressOf(s: ProgressState): EngineProgress {
  const elapsedSec = Math.max(1e-3, (performance.now() - s.t0) / 1000);
  const fraction = walkedFraction(s.units);
  const walked = fraction - s.startFraction;
  return {
    counters: { ...s.counters },
    total: s.units.reduce((sum, u) => sum + u.dbsize, 0),
    keysPerSec: Math.round((s.counters.scanned - s.startCounters.scanned) / elapsedSec),
    etaSec: fraction >= 1 ? 0 : walked > 0 ? Math.round((elapsedSec * (1 - fraction)) / walked) : null,
    paused: s.pausedBy !== undefined,
    ...(s.pausedBy ? { pausedBy: s.pausedBy } : {}),
    ...(s.pausedBy === 'memory' && s.memoryPause ? { memory: s.memoryPause } : {}),
    fraction,
    pauses: s.pauses,
  };
}

/**
 * Serialized reports: one `onPage` at a time, each with a consistent snapshot taken when its turn
 * comes. A failed report rejects its caller only; the next one still runs.
 */
export class ReportChain {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly onPage:
      | ((cp: EngineCheckpoint, progress: EngineProgress) => Promise<void> | void)
      | undefined,
    private readonly current: () => { checkpoint: EngineCheckpoint; progress: EngineProgress },
  ) {}

  report(): Promise<void> {
    const onPage = this.onPage;
    if (!onPage) return Promise.resolve();
    const next = this.chain.then(() => {
      const { checkpoint, progress } = this.current();
      return onPage(checkpoint, progress);
    });
    this.chain = next.catch(() => {});
    return next;
  }

  /** Every report queued so far has run (its failure is the caller's). */
  settled(): Promise<void> {
    return this.chain.catch(() => {});
  }
}
