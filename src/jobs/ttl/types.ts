// What a TTL run job keeps in BullMQ, reports to people and needs from its host (types only, plus the queue name).
import type { MedicError } from '../../errors.js';
import type { AuditInput } from '../../incidents/audit-log.js';
import type { TimelineEntry } from '../../incidents/incident-store.js';
import type { Logger } from '../../observability/logger.js';
import type { RedisTarget, TargetConnection } from '../../redis/connect.js';
import type { ApplyOptions, EngineThrottle } from '../../remediation/engine.js';
import type {
  ApplyResult,
  EngineCheckpoint,
  EngineCounters,
  TtlRule,
  TtlRunRequest,
} from '../../remediation/types.js';
import type { TtlRunService } from './run-service.js';

export type { TtlRunRequest };

export const TTL_RUN_QUEUE = 'ttl-run';

/**
 * What the job keeps in BullMQ between pages and across workers. `job.updateData()` replaces the
 * whole object, so every write spreads the current data.
 */
export interface TtlJobData extends TtlRunRequest {
  /** The one progress message in the thread, posted by the first worker that ran the job. */
  progressTs?: string;
  /** Saved after every page: a worker that takes the job over resumes from here. */
  checkpoint?: EngineCheckpoint;
  /**
   * True while a worker walks. Still true when a worker picks the job up means its predecessor died
   * (or threw) mid-page: counted in `resumes`.
   */
  walking?: boolean;
  /** Epoch ms of the first start; memory (used_memory summed over primaries) at that moment. */
  startedAt?: number;
  memoryBefore?: number;
  /** How often a worker resumed the walk after another one stopped mid-page. */
  resumes?: number;
  /** Set while paused (epoch ms); pauses add up in `pausedMs`. */
  pausedAt?: number;
  pausedBy?: string;
  pausedMs?: number;
  strategy?: ApplyResult['strategy'];
  /** The outcome was posted: a failure handler must not post it again. */
  reported?: boolean;
}

/** What the job reports when it ends (the reporter words it; the audit log keeps the figures). */
export interface TtlRunSummary {
  outcome: 'done' | 'cancelled' | 'failed';
  /**
   * Exact across resumes: every page is counted once from the checkpoint, and the engine recognises
   * its own writes in the page it re-applies after a worker died (see src/remediation/engine.ts).
   */
  counters: EngineCounters;
  /** Times a worker took the walk over from one that died (or failed) mid-page. */
  resumes: number;
  /** The engine could not keep the counters exact (a node replaced without its counts known). */
  approximate?: boolean;
  /** Wall time from the first start, pauses included, and the paused part of it. */
  durationMs: number;
  pausedMs: number;
  memoryBefore?: number;
  memoryAfter?: number;
  /** The verify step: keys in the pattern still without TTL after the run (complete runs only). */
  remainingWithoutTtl?: number;
  /** Who cancelled (a Slack user id, or `pause_expired`). */
  by?: string;
  error?: MedicError;
  strategy?: ApplyResult['strategy'];
}

/** What the progress message shows. */
export interface TtlRunView {
  state: 'running' | 'paused' | 'verifying';
  counters: EngineCounters;
  /** 0–1: how much of the keyspace the walk has covered (SCAN cursors, every node). */
  fraction: number;
  /** Keys in the databases walked (DBSIZE at the start), for "walked / total". */
  total: number;
  keysPerSec: number;
  etaSec: number | null;
  /** Who paused. */
  by?: string;
  /** The engine waits for the target: PING latency or memory above its guard. */
  guard?: 'latency' | 'memory';
}

/**
 * How a run talks to people. The Slack front end implements it; the job knows nothing of Slack.
 * Only the worker that runs the job calls it (never a QueueEvents listener: N replicas would post N times).
 */
export interface TtlRunReporter {
  /** Posts the progress message; its ts is kept in the job so a worker that takes over updates the same one. */
  start(data: TtlJobData): Promise<string | undefined>;
  /** Best effort and non-blocking: the reporter may drop updates (throttle, rate limits), never the walk. */
  progress(data: TtlJobData, view: TtlRunView): void;
  /** Must deliver: waits out rate limits and transient failures. */
  finished(data: TtlJobData, summary: TtlRunSummary): Promise<void>;
  /** The run goes on from its checkpoint after the worker running it stopped; `fraction` 0–1. */
  resumed?(data: TtlJobData, fraction: number): Promise<void>;
}

/** The engine, as the job uses it: src/remediation/engine.ts by default; tests may wrap it. */
export interface RuleApplier {
  applyRule(conn: TargetConnection, rule: TtlRule, options: ApplyOptions): Promise<ApplyResult>;
  countWithoutTtl(
    conn: TargetConnection,
    match: string,
    options?: { throttle?: EngineThrottle | false; signal?: AbortSignal },
  ): Promise<number>;
}

export interface TtlJobDeps {
  service: TtlRunService;
  /** @defaultValue {@link engineApplier} */
  applier?: RuleApplier;
  reporter: TtlRunReporter;
  /** B's AuditLog (src/incidents/audit-log.ts): run started, finished, failed. */
  audit?: { append(input: AuditInput): Promise<unknown> };
  incidents?: { append(id: string, entry: TimelineEntry): Promise<void> };
  /** Looks the cluster up in the current config (it may have been removed since approval). */
  target(cluster: string): RedisTarget | undefined;
  /**
   * Checked once connected, before any key is read: a throw (the target is the queue Redis's
   * server) fails the run for good with nothing written.
   */
  guardTarget?: (conn: TargetConnection) => Promise<void>;
  /** The engine's pacing (keys/s, latency and memory guards). @defaultValue the engine's default */
  throttle?: EngineThrottle | false;
  /** The memory guard's settings (it is on for every run). @defaultValue 95 %, 10 min timeout */
  memoryGuard?: ApplyOptions['memoryGuard'];
  logger?: Logger;
  /** The control record is also read this often while no page completes (latency-guard pauses). @defaultValue 1000 */
  pollMs?: number;
  /** A paused run wakes this often to re-read its status (Resume and Cancel wake it at once). @defaultValue 60000 */
  pauseRecheckMs?: number;
  /** A run whose cluster another run holds (its lease) is looked at again after this. @defaultValue 15000 */
  leaseRecheckMs?: number;
  /** A run paused longer than this is cancelled: its dry-run and approval are stale by then. @defaultValue 24 h */
  maxPauseMs?: number;
  now?: () => number;
  /**
   * Before the first write of a run (not on resume): a throw fails the run for good with nothing
   * written (a scheduled plan whose rules' re-counts drifted since the approval).
   */
  beforeStart?: (conn: TargetConnection, data: TtlJobData) => Promise<void>;
  /** How far a start-time re-count may be from its dry-run (percent, as `approvals.recountTolerancePct`). @defaultValue 5 */
  recountTolerancePct?: number;
  /** A whole plan's run ended (after its summary was delivered): the incident checklist's `execute`. */
  onPlanFinished?: (data: TtlJobData, summary: TtlRunSummary) => Promise<void> | void;
}

export type TtlRunOutcome = 'done' | 'cancelled' | 'paused' | 'duplicate';
