// A finished scale is the incident checklist's "scaling decided": the reporter that posts the run's lines also ticks it.
import type { ChecklistService } from '../../incidents/checklist/service.js';
import type { ChangeReporter } from './types.js';

/**
 * Wraps the thread reporter: when a scale reaches `available` on its new node type, the incident the
 * request was made in gets its `scale_decision` step done, by the approver. A failed tick is the
 * checklist's problem, never the run's: the thread line has been posted either way.
 */
export function withChecklistTicks(
  reporter: ChangeReporter,
  checklist: Pick<ChecklistService, 'tick'>,
  onError: (err: unknown) => void = () => {},
): ChangeReporter {
  return {
    async post(run, line) {
      await reporter.post(run, line);
      if (line.kind !== 'finished' || run.plan.kind !== 'scale' || !run.incidentId) return;
      await checklist.tick(run.incidentId, 'scale_decision', run.approvedBy, line.value).catch(onError);
    },
  };
}
