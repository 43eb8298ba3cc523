import type { Logger } from 'pino';
import type { SnapshotStore } from '../census/snapshot-store.js';
import type { ClusterConfig, MedicConfig } from '../config/types.js';
import type { I18n } from '../i18n/index.js';
import type { ApprovalStore } from '../incidents/approval-store.js';
import type { PlanApprovalService } from '../incidents/approvals/plan-service.js';
import type { ApprovalService } from '../incidents/approvals.js';
import type { AuditLog } from '../incidents/audit-log.js';
import type { ChecklistService } from '../incidents/checklist/service.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { CensusService } from '../jobs/census-job.js';
import type { ReminderService } from '../jobs/reminder-job.js';
import type { TtlRunService } from '../jobs/ttl-job.js';
import type { WatchService } from '../jobs/watch.js';
import type { HistoryStore } from '../monitoring/history-store.js';
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
  cluster(name: string): ClusterConfig | undefined;
  /** The incident checklist (absent: no checklist buttons, no App Home incidents). */
  checklist?: ChecklistService;
  /** Scheduled posts (the two-week reassessment). */
  reminders?: ReminderService;
  /** The bot's own samples (App Home figures and trend). */
  history?: Pick<HistoryStore, 'range'>;
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
