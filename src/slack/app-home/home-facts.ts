/**
 * What App Home shows, gathered without touching any cluster's Redis: for each configured cluster
 * its newest sample, verdict and trend from the bot's own history, its open incident with the
 * checklist's progress, what runs there (a watch, TTL runs started and not ended), and the
 * approval requests of that incident the viewer may decide. Each cluster is read within a time box:
 * a slow or failing read shows as "could not be read", never as a missing tab.
 */
import { analyzeTrend, recentSum } from '../../analysis/trend.js';
import type { VerdictKind } from '../../analysis/types.js';
import { decideVerdict } from '../../analysis/verdict.js';
import type { ClusterConfig } from '../../config/types.js';
import type { TrendPoint } from '../../domain/types.js';
import type { ApprovalRequest } from '../../incidents/approval-store.js';
import { type GroupMembers, isApprover } from '../../incidents/approvals.js';
import type { ChecklistStep } from '../../incidents/checklist/types.js';
import type { Incident, TimelineEntry } from '../../incidents/incident-store.js';
import { historySeries } from '../../monitoring/history-trend.js';
import type { MonitoringSample } from '../../monitoring/sample.js';
import type { SlackServices } from '../services.js';

export interface ClusterHome {
  cluster: string;
  /** `unreadable`: the reads did not finish within the time box (or failed). */
  state: 'ok' | 'no_data' | 'unreadable';
  latest?: MonitoringSample;
  verdict?: VerdictKind;
  trend: TrendPoint[];
  incident?: Incident;
  steps: ChecklistStep[];
  watching: boolean;
  /** Rules whose runs started and have not ended (from the incident's timeline). */
  runningRules: string[];
  /** Requests the viewer may approve: pending, someone else's, and the viewer is an approver. */
  approvals: ApprovalRequest[];
  /** When the two-week reassessment is due, if scheduled. */
  nextReminderAt?: number;
  /** Where the incident's thread opens. */
  link?: string;
}

/** Per cluster: App Home must publish well within the time a person waits for a tab. */
export const CLUSTER_READ_MS = 1_500;
const REASSESS_MS = 14 * 86_400_000;

export async function homeFacts(
  s: SlackServices,
  viewer: string,
  deps: {
    groupMembers: GroupMembers;
    now?: number;
    readMs?: number;
    link?: (incident: Incident) => Promise<string>;
  },
): Promise<ClusterHome[]> {
  const now = deps.now ?? Date.now();
  return Promise.all(
    s.config.clusters.map(async (cluster) => {
      try {
        return await within(clusterHome(s, cluster, viewer, deps, now), deps.readMs ?? CLUSTER_READ_MS);
      } catch (err) {
        s.logger.warn({ cluster: cluster.name, err: String(err) }, 'app home: cluster unread');
        return { ...empty(cluster.name), state: 'unreadable' as const };
      }
    }),
  );
}

function empty(cluster: string): ClusterHome {
  return {
    cluster,
    state: 'no_data',
    trend: [],
    steps: [],
    watching: false,
    runningRules: [],
    approvals: [],
  };
}

async function clusterHome(
  s: SlackServices,
  cluster: ClusterConfig,
  viewer: string,
  deps: { groupMembers: GroupMembers; link?: (incident: Incident) => Promise<string> },
  now: number,
): Promise<ClusterHome> {
  const out = empty(cluster.name);
  const windowMs = s.config.trend.windowHours * 3_600_000;
  const samples = s.history ? await s.history.range(cluster.name, now - windowMs, now) : [];
  const latest = samples[samples.length - 1];
  if (latest) {
    out.state = 'ok';
    out.latest = latest;
    const series = historySeries(samples);
    out.trend = series.memoryPct;
    const trend = analyzeTrend(series.memoryPct);
    out.verdict = decideVerdict({
      memoryPct: latest.memoryPct,
      ...(trend ? { trend } : {}),
      thresholds: cluster.thresholds,
      evictionsInWindow: recentSum(series.evictions, 15, new Date(latest.at)),
    }).kind;
  }
  const incident = s.checklist ? await s.checklist.resolve({ cluster: cluster.name }) : undefined;
  if (!incident || !s.checklist) return out;
  out.incident = incident;
  const [steps, timeline, watching, link] = await Promise.all([
    s.checklist.steps(incident.id),
    s.incidents.timeline(incident.id),
    s.watches.isWatched(incident.id),
    deps.link?.(incident),
  ]);
  if (link) out.link = link;
  out.steps = steps;
  out.watching = watching;
  out.runningRules = runningRules(timeline);
  const reassess = steps.find((x) => x.id === 'watch_two_weeks');
  if (reassess?.state === 'in_progress' && reassess.record)
    out.nextReminderAt = Date.parse(reassess.record.at) + REASSESS_MS;
  out.approvals = await approvalsFor(s, cluster, viewer, timeline, deps.groupMembers);
  return out;
}

/** Rules with a `ttl_run_started` and no end after it. */
function runningRules(timeline: readonly TimelineEntry[]): string[] {
  const running = new Map<string, string>();
  for (const e of timeline) {
    const run = e.data?.run;
    if (typeof run !== 'string') continue;
    if (e.kind === 'ttl_run_started') running.set(run, String(e.data?.rule ?? ''));
    else if (e.kind === 'ttl_run_finished' || e.kind === 'ttl_run_cancelled' || e.kind === 'ttl_run_failed')
      running.delete(run);
  }
  return [...running.values()];
}

async function approvalsFor(
  s: SlackServices,
  cluster: ClusterConfig,
  viewer: string,
  timeline: readonly TimelineEntry[],
  groupMembers: GroupMembers,
): Promise<ApprovalRequest[]> {
  const ids = [
    ...new Set(
      timeline
        .filter(
          (e) =>
            (e.kind === 'ttl_approval_requested' || e.kind === 'ttl_plan_approval_requested') &&
            typeof e.data?.request === 'string',
        )
        .map((e) => String(e.data?.request)),
    ),
  ];
  if (ids.length === 0) return [];
  // Four eyes: only an approver who did not ask sees a request as waiting for them.
  if (!(await isApprover(viewer, cluster.approvers, groupMembers).catch(() => false))) return [];
  const requests = await Promise.all(ids.map((id) => s.remediation.store.get(id)));
  return requests.filter(
    (r): r is ApprovalRequest => r !== undefined && r.state === 'pending' && r.requester !== viewer,
  );
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('time box')), ms).unref()),
  ]);
}
