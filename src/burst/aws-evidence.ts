/**
 * The AWS sources of the hunt (Logs Insights, EventBridge, ECS), each turned into evidence plus a
 * status: not configured, not permitted (naming the IAM action), timed out, empty, or ok. One
 * source failing never hides another.
 */
import type { BurstAwsClients } from '../aws/burst-clients.js';
import { EcsCallError, listServiceTasks } from '../aws/ecs-tasks.js';
import { type AwsAction, awsErrorNote } from '../aws/errors.js';
import { listMatchingRules } from '../aws/eventbridge-rules.js';
import {
  countsQuery,
  parseInsightsTime,
  QueryFailedError,
  QueryTimeoutError,
  runInsightsQuery,
  samplesQuery,
} from '../aws/logs-insights.js';
import type { ClusterConfig } from '../config/types.js';
import type { Note } from '../domain/types.js';
import { redactLogLine } from './redact.js';
import { firingsInWindow } from './schedule.js';
import type { EcsEvidence, LogsEvidence, MinuteCount, RulesEvidence, SourceStatus } from './types.js';

export interface AwsEvidenceOptions {
  window: { from: Date; to: Date };
  /** Logs Insights poll interval (tests shorten it). */
  logsPollMs?: number;
  /** Overrides the configured query timeout (tests shorten it). */
  logsTimeoutMs?: number;
  /** Bound for the EventBridge and ECS calls. @defaultValue 15000 */
  timeoutMs?: number;
  /** The hunt's "now" (ECS's stopped-task retention is counted back from it). */
  now?: Date;
  /** The hunt's abort: a running Logs Insights query is stopped. */
  signal?: AbortSignal;
}

/** ECS keeps a stopped task visible for about an hour (ListTasks / DescribeTasks), then drops it. */
export const ECS_STOPPED_RETENTION_MS = 60 * 60_000;

const SAMPLE_LINES = 5;
const SAMPLE_QUERY_LIMIT = 200;
const BUSIEST = 5;

function failure(
  source: SourceStatus['source'],
  err: unknown,
  action: AwsAction,
  region: string,
  timeoutMs: number,
): SourceStatus {
  return { source, state: 'failed', notes: [awsErrorNote(err, { action, region, timeoutMs }).note] };
}

const notConfigured = (source: SourceStatus['source']): SourceStatus => ({
  source,
  state: 'not_configured',
  notes: [{ key: `burst:notes.${source}_not_configured` }],
});

export async function logsEvidence(
  clients: BurstAwsClients | undefined,
  cluster: ClusterConfig,
  opts: AwsEvidenceOptions,
): Promise<{ status: SourceStatus; evidence?: LogsEvidence }> {
  const cfg = cluster.burst?.logs;
  if (!cfg || !clients || !cluster.aws) return { status: notConfigured('logs') };
  const timeoutMs = opts.logsTimeoutMs ?? cfg.queryTimeoutSeconds * 1000;
  const region = cluster.aws.region;
  const query = countsQuery(cfg.words);
  const base = {
    logGroups: cfg.groups,
    from: opts.window.from,
    to: opts.window.to,
    timeoutMs,
    ...(opts.logsPollMs !== undefined ? { pollMs: opts.logsPollMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  let rows: Record<string, string>[];
  try {
    rows = await runInsightsQuery(clients.logs, { ...base, query });
  } catch (err) {
    return { status: { source: 'logs', state: 'failed', notes: [logsNote(err, region, timeoutMs)] } };
  }
  const perMinute: MinuteCount[] = rows
    .flatMap((row) => {
      const at = parseInsightsTime(row['bin(1m)']);
      const count = Number(row.cmd_count);
      return at && Number.isFinite(count) ? [{ at, count }] : [];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const busiest = [...perMinute]
    .sort((a, b) => b.count - a.count || a.at.getTime() - b.at.getTime())
    .slice(0, BUSIEST);
  const notes: Note[] = [];
  let lines: LogsEvidence['samples'] = [];
  // Sample lines come from the busiest minute, queried once the counts are known: the window's
  // first lines (a busy service logs thousands a minute) would say nothing about the burst.
  const top = busiest[0];
  if (top) {
    try {
      const sampled = await runInsightsQuery(clients.logs, {
        ...base,
        from: top.at,
        to: new Date(top.at.getTime() + 60_000),
        query: samplesQuery(cfg.words, SAMPLE_QUERY_LIMIT),
      });
      lines = sampled
        .flatMap((row) => {
          const at = parseInsightsTime(row['@timestamp']);
          return at ? [{ at, message: redactLogLine(row['@message'] ?? '') }] : [];
        })
        .slice(0, SAMPLE_LINES);
    } catch (err) {
      notes.push(logsNote(err, region, timeoutMs));
    }
  }
  const evidence: LogsEvidence = { logGroups: cfg.groups, query, perMinute, busiest, samples: lines };
  const state = perMinute.length === 0 ? 'empty' : notes.length > 0 ? 'partial' : 'ok';
  if (state === 'empty') notes.push({ key: 'burst:notes.logs_empty' });
  return { status: { source: 'logs', state, notes }, evidence };
}

function logsNote(err: unknown, region: string, timeoutMs: number): Note {
  if (err instanceof QueryTimeoutError) {
    return {
      key: 'burst:notes.logs_query_timeout',
      values: { seconds: Math.round(timeoutMs / 1000), status: err.status },
    };
  }
  if (err instanceof QueryFailedError)
    return { key: 'burst:notes.logs_query_failed', values: { status: err.status } };
  // StartQuery is the first call: a denial there is the usual missing permission.
  return awsErrorNote(err, { action: 'logs:StartQuery', region, timeoutMs }).note;
}

export async function rulesEvidence(
  clients: BurstAwsClients | undefined,
  cluster: ClusterConfig,
  opts: AwsEvidenceOptions,
): Promise<{ status: SourceStatus; evidence?: RulesEvidence }> {
  const cfg = cluster.burst?.rules;
  if (!cfg || !clients || !cluster.aws) return { status: notConfigured('rules') };
  const timeoutMs = opts.timeoutMs ?? 15_000;
  try {
    const listed = await listMatchingRules(clients.events, {
      nameFilters: cfg.nameFilters,
      ...(cfg.eventBusName ? { eventBusName: cfg.eventBusName } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const rules = listed.map((r) => {
      // A disabled rule does not fire: no firings, so it is listed as disabled and never ranked.
      const disabled = r.state === 'DISABLED';
      const f =
        r.scheduleExpression && !disabled
          ? firingsInWindow(r.scheduleExpression, opts.window.from, opts.window.to)
          : undefined;
      return {
        name: r.name,
        state: r.state,
        ...(disabled ? { disabled: true } : {}),
        ...(r.scheduleExpression ? { schedule: r.scheduleExpression } : {}),
        firings: f?.firings ?? [],
        approximate: f?.approximate ?? false,
        ...(r.scheduleExpression && !f && !disabled ? { unreadable: true } : {}),
      };
    });
    const state = rules.length === 0 ? 'empty' : 'ok';
    return {
      status: {
        source: 'rules',
        state,
        notes: state === 'empty' ? [{ key: 'burst:notes.rules_empty' }] : [],
      },
      evidence: { filters: cfg.nameFilters, rules },
    };
  } catch (err) {
    return { status: failure('rules', err, 'events:ListRules', cluster.aws.region, timeoutMs) };
  }
}

export async function ecsEvidence(
  clients: BurstAwsClients | undefined,
  cluster: ClusterConfig,
  opts: AwsEvidenceOptions,
): Promise<{ status: SourceStatus; evidence?: EcsEvidence }> {
  const cfg = cluster.burst?.ecs;
  if (!cfg || !clients || !cluster.aws) return { status: notConfigured('ecs') };
  const timeoutMs = opts.timeoutMs ?? 15_000;
  try {
    const all = await listServiceTasks(clients.ecs, {
      cluster: cfg.cluster,
      services: cfg.services,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const from = opts.window.from.getTime();
    const to = opts.window.to.getTime();
    // Started before the window ends and not stopped before it begins: it ran in the window.
    const tasks = all
      .filter(
        (t) => t.startedAt && t.startedAt.getTime() <= to && (!t.stoppedAt || t.stoppedAt.getTime() >= from),
      )
      .map((t) => ({
        taskId: t.taskArn.split('/').pop() ?? t.taskArn,
        service: t.service,
        lastStatus: t.lastStatus,
        ...(t.startedAt ? { startedAt: t.startedAt } : {}),
        ...(t.stoppedAt ? { stoppedAt: t.stoppedAt } : {}),
        ...(t.taskDefinitionArn ? { taskDefinition: t.taskDefinitionArn.split('/').pop() ?? '' } : {}),
      }))
      .sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
    const state = tasks.length === 0 ? 'empty' : 'ok';
    // Tasks that stopped more than about an hour ago are gone from ECS: for a window that old,
    // "none" only means none still visible.
    const now = (opts.now ?? new Date()).getTime();
    const stoppedHidden = from < now - ECS_STOPPED_RETENTION_MS;
    const notes: Note[] = stoppedHidden
      ? [{ key: 'burst:notes.ecs_stopped_not_visible' }]
      : state === 'empty'
        ? [{ key: 'burst:notes.ecs_empty' }]
        : [];
    return {
      status: { source: 'ecs', state, notes },
      evidence: { cluster: cfg.cluster, services: cfg.services, tasks, stoppedHidden },
    };
  } catch (err) {
    const action = err instanceof EcsCallError ? err.action : 'ecs:ListTasks';
    return {
      status: failure(
        'ecs',
        err instanceof EcsCallError ? err.inner : err,
        action,
        cluster.aws.region,
        timeoutMs,
      ),
    };
  }
}
