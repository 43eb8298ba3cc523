/**
 * Which timeline entry completes (or starts) which checklist step. The actions themselves only
 * record what they did; this table is the one place that knows what that means for the runbook.
 * Plan-level steps (dry-run of the whole plan, its approval, its runs) are ticked by the plan's own
 * events through ChecklistService.tick; single-rule events only mark them as under way.
 */
import type { TimelineEntry } from '../incident-store.js';
import type { RunbookStepId } from './types.js';

export interface StepMove {
  step: RunbookStepId;
  state: 'done' | 'in_progress';
  detail?: string;
}

/** Timeline kind a scaling decision records (a person's "Decide scaling", or the capacity advisor). */
export const SCALE_DECIDED = 'scale_decided';
/** Timeline kind of a scale that reached its new node type (from, to, nodes, region, engine): the closing report prices it. */
export const SCALE_FINISHED = 'scale_finished';
/** Timeline kind of the monitoring export (Prometheus rules + Grafana dashboard) posted. */
export const MONITORING_EXPORTED = 'monitoring_exported';
/** Timeline kind of the two-week reassessment reminder posted in the thread. */
export const REASSESSMENT_POSTED = 'reassessment_posted';

export function stepMoveFor(entry: TimelineEntry): StepMove | undefined {
  const data = entry.data ?? {};
  switch (entry.kind) {
    case 'watch_started':
      return { step: 'verify_recovery', state: 'in_progress' };
    case 'watch_ended':
      return data.end === 'reached'
        ? { step: 'verify_recovery', state: 'done', detail: pctDetail(data.memoryPct) }
        : undefined;
    case 'ttl_dry_run':
      return { step: 'dry_run', state: 'in_progress' };
    case 'ttl_approval_requested':
      return { step: 'sign_off', state: 'in_progress' };
    case 'ttl_run_started':
      return { step: 'execute', state: 'in_progress' };
    case 'notify_sent':
      // Only part of the message went out (`total` is recorded then): not done yet.
      return { step: 'notify_dev_team', state: data.total === undefined ? 'done' : 'in_progress' };
    case MONITORING_EXPORTED:
      return { step: 'deploy_monitoring', state: 'done' };
    case REASSESSMENT_POSTED:
      return { step: 'watch_two_weeks', state: 'done' };
    case SCALE_DECIDED:
      return {
        step: 'scale_decision',
        state: 'done',
        ...(typeof data.decision === 'string' ? { detail: data.decision } : {}),
      };
    default:
      return undefined;
  }
}

function pctDetail(value: unknown): string | undefined {
  return typeof value === 'number' ? `${value.toFixed(1)}%` : undefined;
}
