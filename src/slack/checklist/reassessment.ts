/**
 * The runbook's "watch for two weeks, then reassess": a reminder posted in the incident thread two
 * weeks after the fixes ran (scheduled when the execute step is done, or by the step's button).
 * Posting it completes the step (server.ts wraps the reminder reporter).
 */
import type { ChecklistService } from '../../incidents/checklist/service.js';
import type { Incident } from '../../incidents/incident-store.js';
import type { ReminderService } from '../../jobs/reminder-job.js';

/** The reminder's text key (its values: cluster, target). */
export const REASSESS_KEY = 'incident:reminder.reassess';
export const REASSESS_AFTER_MS = 14 * 86_400_000;

/** Schedules the reassessment once per incident; false when it was scheduled already. */
export async function scheduleReassessment(
  deps: { reminders: ReminderService; checklist: ChecklistService },
  incident: Incident,
  input: { by: string; targetPct: number; now?: number },
): Promise<{ scheduled: boolean; at: number }> {
  const now = input.now ?? Date.now();
  const at = now + REASSESS_AFTER_MS;
  const scheduled = await deps.reminders.schedule(
    {
      id: `reassess-${incident.id}`,
      channel: incident.channel,
      threadTs: incident.threadTs,
      at,
      key: REASSESS_KEY,
      values: { cluster: incident.cluster, target: `${input.targetPct}%` },
      incidentId: incident.id,
    },
    now,
  );
  await deps.checklist.start(incident.id, 'watch_two_weeks', input.by);
  return { scheduled, at };
}
