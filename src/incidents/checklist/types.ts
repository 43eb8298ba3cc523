/**
 * The incident checklist's shared vocabulary: the runbook's eight step ids (the default template),
 * a step's state and who moved it there. Pure data: stores, services and front ends all read it.
 */

/** The runbook's execution checklist, in its order. Other features tick these ids. */
export const RUNBOOK_STEP_IDS = [
  'verify_recovery',
  'dry_run',
  'sign_off',
  'execute',
  'notify_dev_team',
  'deploy_monitoring',
  'watch_two_weeks',
  'scale_decision',
] as const;
export type RunbookStepId = (typeof RUNBOOK_STEP_IDS)[number];

/** Any step id a template may hold: the runbook's, or a team's own (`[a-z0-9_]`). */
export type StepId = string;
export const STEP_ID_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export type StepState = 'pending' | 'in_progress' | 'done' | 'skipped';

/** One step as stored: its state and who/when/why. Pending steps are not stored at all. */
export interface StepRecord {
  state: Exclude<StepState, 'pending'>;
  /** Slack user id, or a bot actor (`monitor`, `job`). */
  by: string;
  at: string;
  /** Why it was skipped (a person's words, kept as typed and escaped where shown). */
  reason?: string;
  /** What completed it, short (`watch reached 74.2 %`, a run id …). */
  detail?: string;
}

/** A step of the template with its current state. */
export interface ChecklistStep {
  id: StepId;
  /** Own label of a team-defined step; the runbook's steps are worded by the locales. */
  label?: { en: string; zh: string };
  state: StepState;
  record?: StepRecord;
}

/** A template entry: the step id, and a label when it is not one of the runbook's. */
export interface StepTemplate {
  id: StepId;
  label?: { en: string; zh: string };
}

export const DEFAULT_TEMPLATE: readonly StepTemplate[] = RUNBOOK_STEP_IDS.map((id) => ({ id }));

export function isRunbookStep(id: string): id is RunbookStepId {
  return (RUNBOOK_STEP_IDS as readonly string[]).includes(id);
}

/** An incident by id, or the open one of a cluster (in a channel, or in any of its channels). */
export type IncidentRef = string | { cluster: string; channel?: string };
