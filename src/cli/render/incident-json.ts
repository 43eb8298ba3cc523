/** `incident list|show --json`: the incidents as docs/json-schema/incident-list|incident-show.schema.json say. */
import { openedVia } from '../../incidents/incident-store.js';
import type { IncidentDetail, IncidentSummary } from '../../incidents/incident-view.js';
import { snakeKeys } from './snake-json.js';

function summaryJson(s: IncidentSummary) {
  const i = s.incident;
  return {
    id: i.id,
    cluster: i.cluster,
    channel: i.channel,
    state: s.state,
    ...(i.severity ? { severity: i.severity } : {}),
    openedBy: i.openedBy,
    openedVia: openedVia(i),
    openedAt: i.openedAt,
    ...(i.closedBy ? { closedBy: i.closedBy } : {}),
    ...(i.closedAt ? { closedAt: i.closedAt } : {}),
    stepsDone: s.stepsDone,
    stepsTotal: s.stepsTotal,
  };
}

export function incidentListJson(list: readonly IncidentSummary[]): unknown {
  return snakeKeys({ incidents: list.map(summaryJson) });
}

export function incidentShowJson(d: IncidentDetail): unknown {
  return snakeKeys({
    ...summaryJson(d),
    threadTs: d.incident.threadTs,
    ...(d.incident.permalink ? { permalink: d.incident.permalink } : {}),
    ...(d.incident.resolution !== undefined ? { resolution: d.incident.resolution } : {}),
    steps: d.steps.map((s) => ({
      id: s.id,
      state: s.state,
      ...(s.label ? { label: s.label } : {}),
      ...(s.record
        ? {
            by: s.record.by,
            at: s.record.at,
            ...(s.record.reason !== undefined ? { reason: s.record.reason } : {}),
            ...(s.record.detail !== undefined ? { detail: s.record.detail } : {}),
          }
        : {}),
    })),
    timeline: d.timeline.map((e) => ({
      at: e.at,
      kind: e.kind,
      ...(e.actor ? { actor: e.actor } : {}),
      ...(e.data ? { data: e.data } : {}),
    })),
  });
}
