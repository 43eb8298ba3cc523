/**
 * What App Home shows, gathered without touching any cluster's Redis: for each configured cluster
 * its newest sample, verdict and trend from the bot's own history, its open incident with the
 * checklist's progress, what runs there (a watch; TTL runs started and not ended, each with the
 * figures its job saved after its last page: keys walked and changed, per rule for a plan), and the
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
import { FINAL, stillView, type TtlRunStatus } from '../../jobs/ttl-job.js';
import { historySeries } from '../../monitoring/history-trend.js';
import type { MonitoringSample } from '../../monitoring/sample.js';
import { planRuleCounters } from '../../remediation/plan/applier.js';
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
  /** Runs started and not ended (from the incident's timeline), with their job's figures. */
  runningJobs: RunningJob[];
  /** Requests the viewer may approve: pending, someone else's, and the viewer is an approver. */
  approvals: ApprovalRequest[];
  /** When the two-week reassessment is due, if scheduled. */
  nextReminderAt?: number;
  /** Where the incident's thread opens. */
  link?: string;
}

/** A TTL run (one rule, or a whole plan) as App Home shows it: the job's own saved figures. */
export interface RunningJob {
  runId: string;
  /** The rule's name; a whole plan's run names its plan. */
  rule: string;
  /** The control record's status (queued, running, paused …), when it could be read. */
  status?: TtlRunStatus;
  /** The job's figures could not be read: the run is listed by name only. */
  figures: boolean;
  /** Keys matching the rule walked so far, and given a TTL (or a lower one). */
  scanned: number;
  changed: number;
  /** Keys in the DBs walked (DBSIZE at the start) and the share walked (0–1); 0: not known yet. */
  total: number;
  fraction: number;
  /** A plan's rules, in plan order, with their own counters. */
  rules: { name: string; scanned: number; changed: number }[];
}

/** Per cluster: App Home must publish well within the time a person waits for a tab. */
export const CLUSTER_READ_MS = 1_500;
const REASSESS_MS = 14 * 86_400_000;
/** Timeline kinds of an approval request: one rule's, and the whole TTL plan's. */
const APPROVAL_REQUESTED = new Set(['ttl_approval_requested', 'ttl_plan_approval_requested']);

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
    runningJobs: [],
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
  out.runningJobs = await runningJobs(s, runningRuns(timeline));
  const reassess = steps.find((x) => x.id === 'watch_two_weeks');
  if (reassess?.state === 'in_progress' && reassess.record)
    out.nextReminderAt = Date.parse(reassess.record.at) + REASSESS_MS;
  out.approvals = await approvalsFor(s, cluster, viewer, timeline, deps.groupMembers);
  return out;
}

/** Runs (id → rule) with a `ttl_run_started` and no end after it. */
function runningRuns(timeline: readonly TimelineEntry[]): Map<string, string> {
  const running = new Map<string, string>();
  for (const e of timeline) {
    const run = e.data?.run;
    if (typeof run !== 'string') continue;
    if (e.kind === 'ttl_run_started') running.set(run, String(e.data?.rule ?? ''));
    else if (e.kind === 'ttl_run_finished' || e.kind === 'ttl_run_cancelled' || e.kind === 'ttl_run_failed')
      running.delete(run);
  }
  return running;
}

/** Each run's control record and saved checkpoint (two reads each, inside the cluster's time box). */
async function runningJobs(s: SlackServices, runs: ReadonlyMap<string, string>): Promise<RunningJob[]> {
  const jobs = await Promise.all(
    [...runs].map(async ([runId, rule]): Promise<RunningJob | undefined> => {
      const job: RunningJob = {
        runId,
        rule,
        figures: false,
        scanned: 0,
        changed: 0,
        total: 0,
        fraction: 0,
        rules: [],
      };
      const snap = s.ttlRuns ? await s.ttlRuns.snapshot(runId) : {};
      // The control record knows a run has ended even when its timeline entry was never written.
      if (snap.state && (FINAL as readonly string[]).includes(snap.state.status)) return undefined;
      if (snap.state) job.status = snap.state.status;
      const data = snap.data;
      if (!data) return job;
      const view = stillView(data, 'running');
      job.figures = true;
      job.scanned = view.counters.scanned;
      job.changed = view.counters.changed;
      job.total = view.total;
      job.fraction = view.fraction;
      if (data.plan) {
        const counters = planRuleCounters(data.checkpoint, data.plan.rules.length);
        job.rules = data.plan.rules.map((r, i) => ({
          name: r.name,
          scanned: counters[i]?.scanned ?? 0,
          changed: counters[i]?.changed ?? 0,
        }));
      }
      return job;
    }),
  );
  return jobs.filter((j): j is RunningJob => j !== undefined);
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
        .filter((e) => APPROVAL_REQUESTED.has(e.kind) && typeof e.data?.request === 'string')
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
