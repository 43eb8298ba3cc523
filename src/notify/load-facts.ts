import type { SnapshotStore } from '../census/snapshot-store.js';
import type { CensusResult } from '../census/types.js';
import type { AuditLog } from '../incidents/audit-log.js';
import type { Incident, IncidentStore, TimelineEntry } from '../incidents/incident-store.js';
import type { TtlRule } from '../remediation/types.js';
import { buildIncidentFacts, type IncidentFacts } from './incident-facts.js';

export interface FactSources {
  incidents: Pick<IncidentStore, 'get' | 'latest' | 'findOpen' | 'timeline'>;
  audit?: Pick<AuditLog, 'list'>;
  snapshots?: Pick<SnapshotStore, 'get' | 'list'>;
  /** The configured rules that apply to a cluster. */
  rules: (cluster: string) => readonly TtlRule[];
}

/** Which incident: an id, or the cluster's open one in a channel, else its latest one. */
export type IncidentRef = { incidentId: string } | { cluster: string; channel?: string };

/** Without an incident, the audit log of this many days back stands in for the timeline. */
const NO_INCIDENT_AUDIT_DAYS = 7;

/**
 * Reads what the message needs from the queue Redis. An unknown incident id returns undefined;
 * a cluster with no incident still gets a message from its census, rules and audit log.
 */
export async function loadIncidentFacts(
  sources: FactSources,
  ref: IncidentRef,
  now = new Date(),
): Promise<IncidentFacts | undefined> {
  let incident: Incident | undefined;
  if ('incidentId' in ref) {
    incident = await sources.incidents.get(ref.incidentId);
    if (!incident) return undefined;
  } else {
    incident =
      (ref.channel ? await sources.incidents.findOpen(ref.cluster, ref.channel) : undefined) ??
      (await sources.incidents.latest(ref.cluster));
  }
  const cluster = incident?.cluster ?? ('cluster' in ref ? ref.cluster : '');
  const timeline = incident ? await sources.incidents.timeline(incident.id) : [];
  const since = incident
    ? new Date(incident.openedAt)
    : new Date(now.getTime() - NO_INCIDENT_AUDIT_DAYS * 86_400_000);
  const audit = sources.audit ? await sources.audit.list({ cluster, since, limit: 1000 }) : [];

  const snapshotId = rootCauseSnapshot(timeline);
  let census: (CensusResult & { snapshotId?: string }) | undefined;
  if (sources.snapshots) {
    const id =
      typeof snapshotId === 'string' ? snapshotId : (await sources.snapshots.list(cluster, 1))[0]?.id;
    const result = id ? await sources.snapshots.get(cluster, id) : undefined;
    if (result) census = { ...result, ...(id ? { snapshotId: id } : {}) };
  }
  return buildIncidentFacts({
    cluster,
    ...(incident ? { incident } : {}),
    timeline,
    audit,
    ...(census ? { census } : {}),
    rules: sources.rules(cluster),
  });
}

/**
 * The census that shows the root cause: the last one before the first TTL run (a census run to
 * verify the fix no longer shows the patterns that were at fault), else the incident's first one.
 * Undefined when the incident ran none: the cluster's newest snapshot is used then.
 */
export function rootCauseSnapshot(timeline: readonly TimelineEntry[]): string | undefined {
  const firstRun = timeline.find((e) => e.kind === 'ttl_run_started')?.at;
  const censuses = timeline.filter((e) => e.kind === 'census' && typeof e.data?.snapshot === 'string');
  const before = firstRun ? censuses.filter((e) => e.at < firstRun) : censuses;
  const chosen = before.at(-1) ?? censuses[0];
  return typeof chosen?.data?.snapshot === 'string' ? chosen.data.snapshot : undefined;
}
