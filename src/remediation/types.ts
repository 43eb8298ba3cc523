import type { Lang } from '../i18n/types.js';
import type { TtlPlanSpec } from './plan/types.js';

/**
 * TTL remediation: rules, dry-runs, and the engine that applies a rule page by page. Shared types
 * between the core (rules, dry-run, engine), the queued job, the approval workflow and front ends.
 * The core knows nothing about Slack or BullMQ.
 */

export type TtlAction = 'set-missing' | 'cap';
export type RiskLevel = 'low' | 'medium' | 'high' | 'unknown';

/** A validated rule (durations in seconds, jitter as a fraction 0–1). */
export interface TtlRule {
  name: string;
  /** Cluster name from the config; a rules file may omit it when a command names the cluster. */
  cluster?: string;
  /** Redis glob (SCAN MATCH). */
  match: string;
  action: TtlAction;
  ttlSec: number;
  /** Fraction, default 0.1: each key gets a TTL uniform in [ttl·(1−jitter), ttl]. */
  jitter: number;
  /** `cap` only: also give keys without TTL the (jittered) cap. */
  includeMissing: boolean;
  /** Allows a pattern without literal prefix, or one that could match the bot's own keys. */
  allowBroad: boolean;
  risk: RiskLevel;
  note?: string;
  /** Expected number of keys the rule will change (from the runbook / a census), for sanity checks. */
  expected?: number;
}

/** TTL spread of the matched keys, same buckets as the census. */
export type TtlSpread = Record<'none' | 'lt1h' | 'lt1d' | 'lt7d' | 'lt30d' | 'lt90d' | 'ge90d', number>;

/** A read-only preview of one rule. Stored (queue Redis) with an id, for approval and execution. */
export interface DryRun {
  id: string;
  rule: TtlRule;
  cluster: string;
  at: string;
  /**
   * The Slack channel the dry-run was posted in: its Request approval button works only there. A
   * dry-run without one (the CLI's) has no button, so a click naming it is refused.
   */
  channel?: string;
  /** Keys matching the pattern. */
  matched: number;
  keysWithoutTtl: number;
  /** `cap`: keys whose TTL is above the cap. */
  keysAboveCap: number;
  /** Keys the rule would change (set-missing: without TTL; cap: above cap, + without TTL if includeMissing). */
  toChange: number;
  ttlSpread: TtlSpread;
  /** MEMORY USAGE of the keys that would get a (shorter) TTL: freed when they expire. */
  bytesToFree: number;
  /** Up to 10 keys that would change, as `displayKey` shows them; not escaped for mrkdwn. */
  samples: string[];
  /** At the configured (throttled) rate. */
  estimatedDurationSec: number;
  durationMs: number;
  /** DBSIZE summed over every primary / DB walked: what the engine will have to walk. */
  walked: number;
  /** False when the walk was aborted: the counts are partial. */
  complete: boolean;
  /** The DBs walked (the target URL's DB, else every DB with keys): what the run will touch. */
  dbs?: number[];
  /** Nodes of the target that are replicas (with their primary): a run there is refused. */
  replicas?: { target: string; primary: string }[];
  /** MEMORY USAGE refused somewhere: `bytesToFree` is a lower bound. */
  bytesUnavailable?: boolean;
}

/** Where a run stands: per node SCAN cursor and counters. Saved after every page (idempotent replay). */
export interface EngineCheckpoint extends EngineCheckpointExtras {
  /** One entry per primary (standalone: one), in walk order; `done` once its cursor came back to 0. */
  nodes: ({ address: string; db: number; cursor: string; done: boolean } & EngineCheckpointNodeExtras)[];
  counters: EngineCounters;
}

export interface EngineCounters {
  /** Keys the walk saw that match the pattern. */
  scanned: number;
  /** Keys given a TTL (set-missing) or whose TTL was lowered (cap). */
  changed: number;
  /** Matched keys left alone (already had a TTL / at or below the cap). */
  skipped: number;
  /** Keys gone between SCAN and EXPIRE. */
  vanished: number;
  errors: number;
}

export interface EngineProgress {
  counters: EngineCounters;
  /** DBSIZE-based estimate of keys left to walk, for ETA. */
  total: number;
  keysPerSec: number;
  etaSec: number | null;
  paused: boolean;
  /** Share of the keyspace walked so far, 0–1 (from the SCAN cursors; MATCH hides the key count). */
  fraction: number;
  /** Why it is paused right now (when `paused`). */
  pausedBy?: EnginePauseReason;
  /** Guard pauses so far (episodes). */
  pauses: number;
  /** While the memory guard pauses: memory used, the guard's limit, and how long it waits at most. */
  memory?: { usedPct: number; limitPct: number; timeoutMs: number };
}

/** What a finished (or cancelled) run reports; the job adds memory before/after and the verify step. */
export interface ApplyResult {
  rule: TtlRule;
  counters: EngineCounters;
  complete: boolean;
  stoppedBy?: 'cancel' | 'pause';
  durationMs: number;
  strategy: 'options' | 'lua';
  checkpoint: EngineCheckpoint;
  /** Guard pauses (latency or memory) and the time spent in them. */
  pauses: number;
  pausedMs: number;
  /**
   * Set when the counters may count some keys twice: a node was replaced between attempts and the
   * checkpoint did not say what it had counted.
   */
  approximate?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Additions (remediation core). Additive only: nothing above changed.

/**
 * Optional fields of `EngineCheckpoint` and its nodes that let a resumed run recognise writes made
 * by an earlier attempt of the same run (the page after the last saved checkpoint), so counters stay
 * exact after a crash. Older checkpoints without them still resume, with that page counted as skipped.
 */
export interface EngineCheckpointExtras {
  /** Seed of the per-key jitter (a hash of salt and key name): the same run gives a key the same TTL. */
  salt?: number;
  /** The strategy the run started with, kept across resumes. */
  strategy?: 'options' | 'lua';
  /** ISO time the run started (first attempt). */
  startedAt?: string;
  /**
   * Set on `ApplyResult.checkpoint` (a run that returned: finished, cancelled or paused): every page
   * written is in it, so a resume from it has no earlier writes to recognise. Checkpoints handed to
   * `onPage` mid-run don't carry it.
   */
  clean?: boolean;
  /** Server time (ms) the run's first attempt started: a node walked again recognises writes since. */
  runStartMs?: number;
}

export interface EngineCheckpointNodeExtras {
  /** Server time (ms, from TIME) when this node's last saved page was read; earlier attempts wrote after it. */
  timeMs?: number;
  /** DBSIZE of this node/DB at the run's start, for progress. */
  dbsize?: number;
  /** INFO `run_id` of the server process the cursor came from: another process can't continue it. */
  runId?: string;
  /** What this node/DB's walk has counted so far (part of the totals). */
  counters?: EngineCounters;
}

/** Why the engine is waiting between pages. */
export type EnginePauseReason = 'latency' | 'memory';

/** An approved run of one rule, as the approval workflow hands it to the execution job. */
export interface TtlRunRequest {
  /** Also the BullMQ job id, derived from the approval request id: letters, digits, `-`, `_`. */
  runId: string;
  cluster: string;
  /** The rule exactly as it was dry-run and approved (not re-read from the config). */
  rule: TtlRule;
  dryRunId: string;
  requestedBy: string;
  approvedBy: string;
  incidentId: string;
  channel: string;
  threadTs: string;
  /** The approver's language: the run's thread messages use it. */
  lang: Lang;
  /** The dry-run's figures: the progress message shows done / matched against them. */
  expected?: { matched: number; toChange: number };
  /**
   * Set for a whole plan approved at once: `rule` then only names the plan (its SCAN filter), and
   * the job applies these rules (one walk where they share the DBs, see remediation/plan/).
   */
  plan?: TtlPlanSpec;
}
