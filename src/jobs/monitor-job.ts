/**
 * The monitoring schedules as BullMQ job schedulers on the queue Redis: one for the sample tick
 * (every cluster, threshold check on each sample) and one per channel for the daily summary, in
 * that channel's time zone. A scheduler makes one job per tick, with an id built from the tick's
 * time, whichever replica adds it, so N replicas sample once per tick; the next tick is queued
 * when this one starts, and a job left by a killed replica is picked up by another.
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { channelTimeZone, clusterChannels } from '../config/load.js';
import type { MedicConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { AlertStateStore } from '../monitoring/alert-store.js';
import type { HistoryStore } from '../monitoring/history-store.js';
import {
  type AlertReporter,
  alertPolicy,
  type MonitorDeps,
  runSampleTick,
} from '../monitoring/monitor-tick.js';
import type { MonitoringSample } from '../monitoring/sample.js';
import { TargetConnections } from '../monitoring/target-connections.js';
import type { Logger } from '../observability/logger.js';
import { redact } from '../redis/errors.js';

export const MONITOR_QUEUE = 'monitor';
const SAMPLE_SCHEDULER = 'sample';
const SUMMARY_SCHEDULER = 'summary:';

export type MonitorJobData = { kind: 'sample' } | { kind: 'summary'; channel: string };

export interface MonitorSchedules {
  sample: { cron: string; timeZone: string };
  /** channel → its time zone, for the daily summary (empty: no summary). */
  summary?: { cron: string; channels: Record<string, string> };
}

/**
 * Makes the queue's schedulers match the config: upserts are idempotent (every replica starting
 * runs this), and schedulers the config no longer names are removed.
 */
export async function applyMonitorSchedules(
  queue: Queue<MonitorJobData>,
  schedules: MonitorSchedules,
): Promise<void> {
  const wanted = new Set<string>([SAMPLE_SCHEDULER]);
  await queue.upsertJobScheduler(
    SAMPLE_SCHEDULER,
    { pattern: schedules.sample.cron, tz: schedules.sample.timeZone },
    { name: 'sample', data: { kind: 'sample' }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  for (const [channel, tz] of Object.entries(schedules.summary?.channels ?? {})) {
    if (!schedules.summary) break;
    const id = `${SUMMARY_SCHEDULER}${channel}`;
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { pattern: schedules.summary.cron, tz },
      {
        name: 'summary',
        data: { kind: 'summary', channel },
        opts: { removeOnComplete: 100, removeOnFail: 100 },
      },
    );
  }
  for (const existing of await queue.getJobSchedulers()) {
    if (existing.key && !wanted.has(existing.key)) await queue.removeJobScheduler(existing.key);
  }
}

/** The tick's scheduled time: the last part of a scheduler job's id (`repeat:<id>:<millis>`). */
export function scheduledTime(job: Pick<Job, 'id' | 'timestamp'>): number {
  if (!job.id?.startsWith('repeat:')) return job.timestamp;
  const millis = Number(job.id.split(':').pop());
  return Number.isFinite(millis) && millis > 0 ? millis : job.timestamp;
}

/** One cluster's line in a daily summary. */
export interface SummaryLine {
  cluster: string;
  latest?: MonitoringSample;
  /** Highest memory % over the last 24 h of samples. */
  peakPct: number | null;
}

export interface SummaryReporter {
  summary(channel: string, lines: SummaryLine[]): Promise<void>;
}

export interface MonitorWorkerDeps extends MonitorDeps {
  /** Clusters shown in a channel's summary. */
  channelClusters: (channel: string) => string[];
  history: HistoryStore;
  summaries: SummaryReporter;
  /** A tick older than this when it starts (a replica was down) is skipped: it would be stale. */
  maxLagMs?: number;
  /** How late each tick started after its scheduled time (the `/metrics` schedule lag). */
  onLag?: (schedule: 'sample' | 'summary', seconds: number) => void;
}

export function createMonitorWorker(
  connection: Redis,
  prefix: string,
  deps: MonitorWorkerDeps,
): Worker<MonitorJobData> {
  return new Worker<MonitorJobData>(
    MONITOR_QUEUE,
    async (job) => {
      const at = scheduledTime(job);
      deps.onLag?.(job.data.kind, (Date.now() - at) / 1000);
      if (job.data.kind === 'summary') return postSummary(deps, job.data.channel, at);
      if (deps.maxLagMs !== undefined && Date.now() - at > deps.maxLagMs) {
        deps.logger.warn({ lagMs: Date.now() - at }, 'monitoring tick too late: skipped');
        return { skipped: true };
      }
      return runSampleTick(deps, at);
    },
    { connection, prefix, concurrency: 1 },
  );
}

async function postSummary(deps: MonitorWorkerDeps, channel: string, at: number) {
  const lines: SummaryLine[] = [];
  for (const cluster of deps.channelClusters(channel)) {
    const day = await deps.history.range(cluster, at - 86_400_000, at).catch((err: unknown) => {
      deps.logger.warn({ cluster, err: errorMessage(err) }, 'summary history read failed');
      return [];
    });
    const pcts = day.map((s) => s.memoryPct).filter((p): p is number => p !== null);
    const latest = day[day.length - 1];
    lines.push({
      cluster,
      ...(latest ? { latest } : {}),
      peakPct: pcts.length > 0 ? Math.max(...pcts) : null,
    });
  }
  await deps.summaries.summary(channel, lines);
  return { clusters: lines.length };
}

/** The monitoring schedulers (upserted: the same on every replica) and this replica's worker. */
export async function startMonitorJobs(
  config: MedicConfig,
  logger: Logger,
  deps: {
    queueRedis: Redis;
    history: HistoryStore;
    alerts: AlertStateStore;
    reporter: AlertReporter & SummaryReporter;
    connect?: { connectTimeoutMs: number };
    onLag?: MonitorWorkerDeps['onLag'];
  },
): Promise<{ queue: Queue<MonitorJobData>; close(): Promise<void> }> {
  const { monitoring, queue } = config;
  const monitorQueue = new Queue<MonitorJobData>(MONITOR_QUEUE, {
    connection: deps.queueRedis,
    prefix: queue.prefix,
  });
  // The application team's channel gets the summary of every cluster (bilingual: dev-team-reporter).
  const devTeam = config.slack.devTeamChannel;
  const channels = [...new Set([...Object.keys(config.slack.channels), ...(devTeam ? [devTeam] : [])])];
  await applyMonitorSchedules(monitorQueue, {
    sample: monitoring.sample,
    ...(monitoring.summary
      ? {
          summary: {
            cron: monitoring.summary.cron,
            channels: Object.fromEntries(channels.map((c) => [c, channelTimeZone(config, c)])),
          },
        }
      : {}),
  });
  const connection = deps.queueRedis.duplicate();
  const targets = new TargetConnections(deps.connect ? { connect: deps.connect } : {});
  const worker = createMonitorWorker(connection, queue.prefix, {
    clusters: () => config.clusters,
    history: deps.history,
    alerts: deps.alerts,
    reporter: deps.reporter,
    summaries: deps.reporter,
    policy: (target) => alertPolicy(monitoring.alerts, target),
    channelClusters: (channel) => {
      if (channel === devTeam) return config.clusters.map((c) => c.name);
      const name = config.slack.channels[channel];
      return name && clusterChannels(config, name).includes(channel) ? [name] : [];
    },
    logger,
    connections: targets,
    ...(deps.onLag ? { onLag: deps.onLag } : {}),
  });
  worker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'monitoring tick failed'),
  );
  return {
    queue: monitorQueue,
    async close() {
      await worker.close().catch(() => {});
      await targets.close();
      await monitorQueue.close().catch(() => {});
      connection.disconnect();
    },
  };
}
