/**
 * One sampling tick: INFO from every primary of every cluster, the sample kept in the history, then
 * the alert state machine, whose transition is written by compare-and-set before anything is
 * posted. The tick's time is the schedule's, not the clock's, so a tick run twice (a stalled job
 * picked up again) writes the same history point and wins no second alert.
 */
import { analyzeTrend, recentSum } from '../analysis/trend.js';
import type { Verdict } from '../analysis/types.js';
import { decideVerdict } from '../analysis/verdict.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ConnectOptions } from '../redis/connect.js';
import type { RedisSnapshot } from '../redis/snapshot.js';
import type { StatusTarget } from '../status/check-status.js';
import { type Alert, type AlertPolicy, countEvictions, growthBaseline, stepAlerts } from './alert-machine.js';
import type { AlertStateStore } from './alert-store.js';
import type { HistoryStore } from './history-store.js';
import { historySeries } from './history-trend.js';
import { type MonitoringSample, sampleFromSnapshot } from './sample.js';
import { readOnce, type TargetConnections } from './target-connections.js';

/** What the front end posts: the figures, the verdict, where. */
export interface AlertReport {
  cluster: string;
  alert: Alert;
  verdict: Verdict;
}

/** Implemented by Slack: posts an alert into the cluster's channels (incident thread). */
export interface AlertReporter {
  alert(report: AlertReport): Promise<void>;
}

export interface MonitorDeps {
  clusters: () => readonly StatusTarget[];
  history: HistoryStore;
  alerts: AlertStateStore;
  reporter: AlertReporter;
  policy: (target: StatusTarget) => AlertPolicy;
  logger: Logger;
  connect?: ConnectOptions;
  /** Clusters read at once. @defaultValue 8 */
  concurrency?: number;
  /** Seam for tests and the bench: reads a target. @defaultValue INFO of every primary */
  read?: (target: StatusTarget) => Promise<RedisSnapshot>;
  /**
   * Connections kept across ticks (one per cluster). Without it each tick connects and closes
   * again (the CLI and one-off callers).
   */
  connections?: TargetConnections;
}

export interface TickOutcome {
  sampled: number;
  failed: number;
  alerts: number;
}

const CAS_ATTEMPTS = 5;

export async function runSampleTick(deps: MonitorDeps, scheduledAt: number): Promise<TickOutcome> {
  const targets = [...deps.clusters()];
  const outcome: TickOutcome = { sampled: 0, failed: 0, alerts: 0 };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const target = targets[i];
      if (!target) continue;
      try {
        outcome.alerts += await sampleCluster(deps, target, scheduledAt);
        outcome.sampled++;
      } catch (err) {
        outcome.failed++;
        deps.logger.warn({ cluster: target.name, err: errorMessage(err) }, 'monitoring sample failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, targets.length) }, worker));
  deps.connections?.keepOnly(new Set(targets.map((t) => t.name)));
  return outcome;
}

async function sampleCluster(deps: MonitorDeps, target: StatusTarget, at: number): Promise<number> {
  const snapshot = await reader(deps)(target);
  const primaries = snapshot.nodes.map((n) => ({
    address: n.address,
    evicted: n.evictedKeys,
    uptimeSeconds: n.uptimeSeconds,
  }));
  const before = await deps.alerts.read(target.name);
  const sample: MonitoringSample = {
    ...sampleFromSnapshot(at, snapshot),
    evictedTotal: countEvictions(before.state, primaries).total,
  };
  // A tick run again (a stalled job picked up) keeps the point its first run wrote.
  if (before.state.lastAt < at) await deps.history.add(target.name, sample);
  const policy = deps.policy(target);
  const baseline = policy.keysWithoutTtlPerHour
    ? growthBaseline(await deps.history.range(target.name, at - 3_600_000, at))
    : undefined;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const stored = await deps.alerts.read(target.name);
    const step = stepAlerts(stored.state, sample, policy, baseline, primaries);
    if (step.state === stored.state) return 0; // a newer tick already got here
    if (!(await deps.alerts.compareAndSet(target.name, stored.raw, step.state))) continue;
    if (step.alerts.length === 0) return 0;
    const verdict = await verdictFor(deps, target, sample, snapshot);
    for (const alert of step.alerts) {
      // The state is written: this replica is the one that posts. A failed post is logged, not
      // retried by another replica, so an alert is never posted twice.
      await deps.reporter.alert({ cluster: target.name, alert, verdict }).catch((err: unknown) => {
        deps.logger.error(
          { cluster: target.name, kind: alert.kind, err: errorMessage(err) },
          'alert post failed',
        );
      });
    }
    return step.alerts.length;
  }
  deps.logger.warn({ cluster: target.name }, 'alert state kept changing under this tick: skipped');
  return 0;
}

/** The verdict over the last hour of the bot's own history, as status would give it. */
async function verdictFor(
  deps: MonitorDeps,
  target: StatusTarget,
  sample: MonitoringSample,
  snapshot: RedisSnapshot,
): Promise<Verdict> {
  const samples = await deps.history.range(target.name, sample.at - 3_600_000, sample.at);
  const series = historySeries(samples);
  const trend = analyzeTrend(series.memoryPct);
  return decideVerdict({
    memoryPct: sample.memoryPct,
    maxmemoryPolicy: snapshot.maxmemoryPolicy,
    thresholds: target.thresholds,
    ...(trend ? { trend } : {}),
    evictionsInWindow: recentSum(series.evictions, 15, new Date(sample.at)),
  });
}

function reader(deps: MonitorDeps): (target: StatusTarget) => Promise<RedisSnapshot> {
  if (deps.read) return deps.read;
  const kept = deps.connections;
  if (kept) return (target) => kept.read(target);
  return (target) => readOnce(target, deps.connect);
}

/** The alert policy of a cluster from the `monitoring.alerts` config. */
export function alertPolicy(
  alerts: {
    minDurationSeconds: number;
    hysteresisPct: number;
    evictions: boolean;
    keysWithoutTtlPerHour?: number | undefined;
  },
  target: StatusTarget,
): AlertPolicy {
  return {
    thresholds: target.thresholds,
    hysteresisPct: alerts.hysteresisPct,
    minDurationMs: alerts.minDurationSeconds * 1000,
    evictions: alerts.evictions,
    ...(alerts.keysWithoutTtlPerHour !== undefined
      ? { keysWithoutTtlPerHour: alerts.keysWithoutTtlPerHour }
      : {}),
  };
}
