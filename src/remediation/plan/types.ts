/**
 * A TTL plan: every rule of a cluster applied in one decision. Its checkpoint is one engine
 * checkpoint per rule, all sharing the walk's cursors (the plan walks the keyspace once), each with
 * the rule's own salt and counters: per rule exactly what a separate run of it would have saved.
 */

import type { ApplyResult, EngineCheckpoint, EngineProgress } from '../types.js';

export interface PlanCheckpoint {
  /** Same order as the plan's rules; every entry has the same nodes, cursors and done flags. */
  rules: EngineCheckpoint[];
}

export interface PlanProgress {
  /** The walk's progress (counters: the rules' sum). */
  walk: EngineProgress;
  /** Per rule, in plan order. */
  rules: EngineProgress['counters'][];
}

export interface PlanWalkResult {
  /** Per rule, in plan order: what a separate run of the rule would have returned. */
  rules: ApplyResult[];
  complete: boolean;
  stoppedBy?: 'cancel' | 'pause';
  durationMs: number;
  /** Keys the walk read (every key of the DBs walked that passed the SCAN MATCH filter). */
  walked: number;
  checkpoint: PlanCheckpoint;
}
