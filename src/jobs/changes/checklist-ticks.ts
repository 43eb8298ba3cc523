// A finished scale is the incident checklist's "scaling decided": the reporter that posts the run's lines also ticks it.
import type { ChecklistService } from '../../incidents/checklist/service.js';
import { SCALE_FINISHED } from '../../incidents/checklist/timeline-steps.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { ChangeReporter } from './types.js';

/**
 * Wraps the thread reporter: when a scale reaches `available` on its new node type, the incident the
 * request was made in gets a `scale_finished` timeline entry (from, to, nodes, region, engine) and
 * its `scale_decision` step done, by the approver. A failed write is the incident's problem, never
 * the run's: the thread line has been posted either way.
 */
export function withChecklistTicks(
  reporter: ChangeReporter,
  checklist: Pick<ChecklistService, 'tick'>,
  onError: (err: unknown) => void = () => {},
  timeline?: Pick<IncidentStore, 'append'>,
): ChangeReporter {
  return {
    async post(run, line) {
      await reporter.post(run, line);
      const plan = run.plan;
      if (line.kind !== 'finished' || plan.kind !== 'scale' || !run.incidentId) return;
      await timeline
        ?.append(run.incidentId, {
          at: new Date().toISOString(),
          kind: SCALE_FINISHED,
          actor: run.approvedBy,
          data: {
            from: plan.from,
            to: plan.to,
            region: plan.region,
            ...(plan.nodes !== undefined ? { nodes: plan.nodes } : {}),
            ...(plan.engine !== undefined ? { engine: plan.engine } : {}),
          },
        })
        .catch(onError);
      await checklist.tick(run.incidentId, 'scale_decision', run.approvedBy, line.value).catch(onError);
    },
  };
}
