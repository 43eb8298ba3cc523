/**
 * The TTL plan's milestones on the incident checklist: the plan dry-run done ticks `dry_run`, the
 * request starts `sign_off` and the approval ticks it, the plan's run done ticks `execute`. The
 * plan's listeners and job only report events; this is where they meet the checklist.
 */
import type { ChecklistService } from '../incidents/checklist/service.js';
import type { TtlJobDeps } from '../jobs/ttl-job.js';
import type { PlanEvents } from './listeners/actions/plan-actions.js';

export function planChecklistEvents(checklist: Pick<ChecklistService, 'tick' | 'start'>): PlanEvents {
  return {
    dryRun: async (e) => {
      await checklist.tick(e.incidentId, 'dry_run', e.by, String(e.rules));
    },
    requested: async (e) => {
      await checklist.start(e.incidentId, 'sign_off', e.by);
    },
    approved: async (e) => {
      await checklist.tick(e.incidentId, 'sign_off', e.by);
    },
  };
}

export function planFinishedTick(
  checklist: Pick<ChecklistService, 'tick'>,
): NonNullable<TtlJobDeps['onPlanFinished']> {
  return async (data, summary) => {
    if (summary.outcome === 'done') await checklist.tick(data.incidentId, 'execute', data.approvedBy);
  };
}
