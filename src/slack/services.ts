import type { Logger } from 'pino';
import type { BurstAwsClients } from '../aws/burst-clients.js';
import type { AdviseDeps } from '../capacity/advise.js';
import type { SnapshotStore } from '../census/snapshot-store.js';
import type { ChangeApprovalService } from '../changes/approval.js';
import type { PlanRequest } from '../changes/planner.js';
import type { ChangePlan, PlanOutcome } from '../changes/types.js';
import type { ClusterConfig, MedicConfig } from '../config/types.js';
import type { I18n } from '../i18n/index.js';
import type { ApprovalStore } from '../incidents/approval-store.js';
import type { PlanApprovalService } from '../incidents/approvals/plan-service.js';
import type { ApprovalService } from '../incidents/approvals.js';
import type { AuditLog } from '../incidents/audit-log.js';
import type { ChecklistService } from '../incidents/checklist/service.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { CensusService } from '../jobs/census-job.js';
import type { Reminder, ReminderService } from '../jobs/reminder-job.js';
import type { TtlRunService } from '../jobs/ttl-job.js';
import type { WatchService } from '../jobs/watch.js';
import type { HistoryStore } from '../monitoring/history-store.js';
import type { TargetConnection } from '../redis/connect.js';
import type { DryRun, TtlRule } from '../remediation/types.js';
import type { StatusDeps } from '../status/check-status.js';
import type { PlanEvents } from './listeners/actions/plan-actions.js';

/** What the Slack front end needs from the rest of the bot; listeners get nothing else. */
export interface SlackServices {
  config: MedicConfig;
  i18n: I18n;
  logger: Logger;
  status: StatusDeps;
  incidents: IncidentStore;
  watches: WatchService;
  census: CensusService;
  remediation: RemediationServices;
  /** Pause / Resume / Cancel of queued TTL runs (absent: the buttons are not handled). */
  ttlRuns?: TtlRunService;
  /** One approval for a cluster's whole TTL plan (absent: the plan buttons are not handled). */
  plans?: PlanApprovalService;
  /** Plan milestones for the incident checklist (dry-run done, approved). */
  planEvents?: PlanEvents;
  /** Census snapshots: the incident message names the patterns at fault from the latest one. */
  snapshots?: Pick<SnapshotStore, 'get' | 'list'>;
  /** `/redis-capacity` and `/redis-policy` (absent: the commands say they are not set up). */
  capacity?: CapacityServices;
  /** Approve-gated scale and eviction-policy changes (absent: their buttons are not handled). */
  changes?: ChangeServices;
  cluster(name: string): ClusterConfig | undefined;
  /** The burst hunt's AWS clients per region and its walk settings (absent: AWS sources not configured). */
  burst?: BurstServices;
  /** The incident checklist (absent: no checklist buttons, no App Home incidents). */
  checklist?: ChecklistService;
  /** Scheduled posts (the two-week reassessment). */
  reminders?: ReminderService;
  /** The bot's own samples (App Home figures and trend). */
  history?: Pick<HistoryStore, 'range'>;
}

export interface BurstServices {
  aws?: (region: string) => Promise<BurstAwsClients>;
  /** Keys the young-keys view reads at most. */
  youngSample?: number;
}

/** Scale and eviction-policy changes: plans read from the cluster, and their four-eyes approval. */
export interface ChangeServices {
  approvals: ChangeApprovalService;
  /** Reads the cluster and plans the change a button asked for (a refusal says why not). */
  plan(req: Omit<PlanRequest, 'id'>): Promise<PlanOutcome<ChangePlan>>;
}

/** The inputs of the capacity advice, and the reminder posted on the policy's revisit date. */
export interface CapacityServices {
  /** Advice inputs for a cluster over a connection the command opens and closes. */
  deps(cluster: ClusterConfig, conn: TargetConnection): AdviseDeps;
  horizonDays: number;
  /** Schedules a thread reminder; false when one with this id is already scheduled. */
  remind(reminder: Reminder): Promise<boolean>;
}

/** Where a dry-run stands (the walk's figures; the same shape as a census walk's). */
export interface DryRunProgress {
  scanned: number;
  total: number;
  keysPerSec: number;
  etaSec: number | null;
}

/** TTL fixes: dry-runs, the four-eyes approval and the audit log. */
export interface RemediationServices {
  approvals: ApprovalService;
  audit: AuditLog;
  /** Request records and short locks on the queue Redis. */
  store: ApprovalStore;
  /** The configured rules that apply to a cluster. */
  rules(cluster: string): TtlRule[];
  /** Runs a read-only dry-run of a rule against the cluster and stores it (with its id). */
  dryRun(
    cluster: ClusterConfig,
    rule: TtlRule,
    opts: { onProgress?: (p: DryRunProgress) => void; signal?: AbortSignal; channel?: string },
  ): Promise<DryRun>;
}
