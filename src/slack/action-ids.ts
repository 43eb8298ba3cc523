/** Block Kit action ids: one place, so blocks and listeners can't drift apart. */
export const ActionId = {
  StatusRefresh: 'status_refresh',
  WatchStart: 'watch_start',
  WatchCancel: 'watch_cancel',
  CensusCancel: 'census_cancel',
  DraftTtlRule: 'draft_ttl_rule',
  TtlRequestApproval: 'ttl_request_approval',
  TtlApprove: 'ttl_approve',
  TtlReject: 'ttl_reject',
  TtlRunPause: 'ttl_run_pause',
  TtlRunResume: 'ttl_run_resume',
  TtlRunCancel: 'ttl_run_cancel',
  AlertStatus: 'alert_status',
  AlertCensus: 'alert_census',
  AlertRules: 'alert_rules',
  /** `/redis-capacity`: value `{"cluster","node_type"}`; the approval path handles it. */
  CapacityRequestScale: 'capacity_request_scale',
  /** `/redis-policy`: value `{"cluster","policy"}`; the approval path handles it. */
  PolicyRequestChange: 'policy_request_change',
  // The incident checklist's buttons (the plan's two are handled by the plan approval listeners).
  ChecklistSkip: 'checklist_skip',
  ChecklistDecide: 'checklist_decide',
  ChecklistMonitoring: 'checklist_monitoring',
  ChecklistRemind: 'checklist_remind',
  ChecklistNotify: 'checklist_notify',
  PlanDryRun: 'plan_dry_run',
  PlanRequestApproval: 'plan_request_approval',
  /** Approve / Reject of a scale or policy change request: value `{"request"}`. */
  ChangeApprove: 'change_approve',
  ChangeReject: 'change_reject',
  PlanApprove: 'plan_approve',
  PlanRunNow: 'plan_run_now',
  PlanReject: 'plan_reject',
} as const;

/** What a checklist step's own buttons carry. */
export interface StepButtonValue {
  incident: string;
  step: string;
}

export function decodeStepButtonValue(raw: string | undefined): StepButtonValue | undefined {
  try {
    const parsed = JSON.parse(raw ?? '') as Partial<StepButtonValue>;
    if (typeof parsed.incident !== 'string' || !/^[A-Za-z0-9-]+$/.test(parsed.incident)) return undefined;
    if (typeof parsed.step !== 'string' || !/^[a-z][a-z0-9_]{0,39}$/.test(parsed.step)) return undefined;
    return { incident: parsed.incident, step: parsed.step };
  } catch {
    return undefined;
  }
}

/** What a status button carries (button values are ≤ 2000 chars; these are tiny). */
export interface StatusButtonValue {
  cluster: string;
  incident: string;
  target?: number;
}

export function encodeButtonValue(value: StatusButtonValue): string {
  return JSON.stringify(value);
}

/** Button values come back from Slack in a signed request, but are still parsed defensively. */
export function decodeButtonValue(raw: string | undefined): StatusButtonValue | undefined {
  try {
    const parsed = JSON.parse(raw ?? '') as Partial<StatusButtonValue>;
    if (typeof parsed.cluster !== 'string' || typeof parsed.incident !== 'string') return undefined;
    if (!/^[A-Za-z0-9-]+$/.test(parsed.incident)) return undefined;
    return {
      cluster: parsed.cluster,
      incident: parsed.incident,
      ...(typeof parsed.target === 'number' && parsed.target > 0 && parsed.target <= 100
        ? { target: parsed.target }
        : {}),
    };
  } catch {
    return undefined;
  }
}
