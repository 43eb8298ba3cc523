/**
 * An incident as the CLI reads it back from the queue Redis: its record, whether it is still open
 * (closed by a person, or lapsed after the idle period), the checklist in template order with its
 * progress, and the timeline. Read-only; nothing here writes.
 */
import type { ClusterConfig } from '../config/types.js';
import type { ChecklistService } from './checklist/service.js';
import type { ChecklistStep } from './checklist/types.js';
import type { Incident, IncidentStore, TimelineEntry } from './incident-store.js';

/** `idle`: no activity for the idle period, so the channel's next status opened (or opens) a new one. */
export type IncidentState = 'open' | 'closed' | 'idle';

export interface IncidentSummary {
  incident: Incident;
  state: IncidentState;
  /** Steps done or skipped, of the template's. */
  stepsDone: number;
  stepsTotal: number;
}

export interface IncidentDetail extends IncidentSummary {
  steps: ChecklistStep[];
  timeline: TimelineEntry[];
}

async function summarize(
  store: IncidentStore,
  checklist: ChecklistService,
  incident: Incident,
): Promise<{ summary: IncidentSummary; steps: ChecklistStep[] }> {
  const [open, steps] = await Promise.all([store.isOpen(incident), checklist.steps(incident.id)]);
  const state: IncidentState = incident.closedAt ? 'closed' : open ? 'open' : 'idle';
  return {
    summary: {
      incident,
      state,
      stepsDone: steps.filter((s) => s.state === 'done' || s.state === 'skipped').length,
      stepsTotal: steps.length,
    },
    steps,
  };
}

/** The incidents of `clusters`, newest first, at most `limit` in all. */
export async function listIncidents(
  store: IncidentStore,
  checklist: ChecklistService,
  clusters: readonly Pick<ClusterConfig, 'name'>[],
  limit: number,
): Promise<IncidentSummary[]> {
  const perCluster = await Promise.all(clusters.map((c) => store.recent(c.name, limit)));
  const newest = perCluster
    .flat()
    .sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || b.id.localeCompare(a.id))
    .slice(0, limit);
  return Promise.all(newest.map(async (i) => (await summarize(store, checklist, i)).summary));
}

/** One incident with its steps and timeline, or undefined when the queue Redis does not hold it. */
export async function showIncident(
  store: IncidentStore,
  checklist: ChecklistService,
  id: string,
): Promise<IncidentDetail | undefined> {
  const incident = await store.get(id);
  if (!incident) return undefined;
  const [{ summary, steps }, timeline] = await Promise.all([
    summarize(store, checklist, incident),
    store.timeline(id),
  ]);
  return { ...summary, steps, timeline };
}
