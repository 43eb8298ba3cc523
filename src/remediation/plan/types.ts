/**
 * A TTL plan: every rule of a cluster applied in one decision. Its checkpoint is one engine
 * checkpoint per rule, all sharing the walk's cursors (the plan walks the keyspace once), each with
 * the rule's own salt and counters: per rule exactly what a separate run of it would have saved.
 */

import type { ApplyResult, EngineCheckpoint, EngineCounters, EngineProgress, TtlRule } from '../types.js';

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

/**
 * An approved plan as the run job carries it (`TtlRunRequest.plan`): the rules in run order, each
 * with the dry-run it was approved on and that dry-run's figures.
 */
export interface TtlPlanSpec {
  planId: string;
  rules: TtlRule[];
  dryRunIds: string[];
  expected: { matched: number; toChange: number }[];
  /** Epoch ms: the off-peak window's start, when the approval scheduled the run for it. */
  notBefore?: number;
}

/** How the job keeps a plan's place inside the engine checkpoint it saves after every page. */
export type StoredPlanCheckpoint =
  | { mode: 'one-walk'; walk: PlanCheckpoint }
  | { mode: 'sequence'; index: number; rules: (EngineCheckpoint | null)[]; counters: EngineCounters[] };

/** The engine checkpoint of a plan job: the walk's cursors, the rules' summed counters, and the plan's own place. */
export interface PlanEngineCheckpoint extends EngineCheckpoint {
  plan: StoredPlanCheckpoint;
}
