/**
 * CloudWatch Logs Insights for the burst hunt: the runbook's query shape (messages mentioning
 * redis / cache / SET / SADD and the configured words, counted per minute) over the window, and a
 * few matching lines. StartQuery, then GetQueryResults polled until the query is done or the
 * timeout passes; a query still running then is stopped (StopQuery, best effort: it costs money).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { bounded } from './deadline.js';
import { retryThrottled } from './throttle-retry.js';

export const BASE_WORDS = ['redis', 'cache', 'SET', 'SADD'] as const;

/** `/(?i)(redis|cache|SET|SADD|…)/` with every configured word escaped for the regex and the `/…/` literal. */
export function burstFilterRegex(words: readonly string[]): string {
  const escaped = [...BASE_WORDS, ...words].map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `/(?i)(${[...new Set(escaped)].join('|')})/`;
}

export function countsQuery(words: readonly string[]): string {
  return [
    'fields @timestamp, @message',
    `| filter @message like ${burstFilterRegex(words)}`,
    '| stats count() as cmd_count by bin(1m)',
    '| sort cmd_count desc',
    '| limit 1440',
  ].join('\n');
}

export function samplesQuery(words: readonly string[], limit: number): string {
  return [
    'fields @timestamp, @message',
    `| filter @message like ${burstFilterRegex(words)}`,
    '| sort @timestamp asc',
    `| limit ${limit}`,
  ].join('\n');
}

// Internal: burst/aws-evidence.ts turns it into the logs source's `timeout` state; never reaches a person.
export class QueryTimeoutError extends Error {
  constructor(
    readonly queryId: string,
    readonly status: string,
  ) {
    super(`query ${queryId} still ${status}`);
    this.name = 'QueryTimeoutError';
  }
}

// Internal: burst/aws-evidence.ts turns it into the logs source's `failed` state; never reaches a person.
export class QueryFailedError extends Error {
  constructor(
    readonly queryId: string,
    readonly status: string,
  ) {
    super(`query ${queryId} ended ${status}`);
    this.name = 'QueryFailedError';
  }
}

/** StopQuery after a timeout or an abort waits this long at most. */
const STOP_TIMEOUT_MS = 5_000;

export interface RunQueryOptions {
  logGroups: string[];
  from: Date;
  to: Date;
  query: string;
  /** How long the query may stay Scheduled/Running. */
  timeoutMs: number;
  /** @defaultValue 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Runs one query to completion; rows as field → value. Throws SDK errors, QueryTimeoutError, QueryFailedError. */
export async function runInsightsQuery(
  logs: CloudWatchLogsClient,
  opts: RunQueryOptions,
): Promise<Record<string, string>[]> {
  const started = await retryThrottled(
    () =>
      bounded(
        (abortSignal) =>
          logs.send(
            new StartQueryCommand({
              logGroupNames: opts.logGroups,
              startTime: Math.floor(opts.from.getTime() / 1000),
              endTime: Math.ceil(opts.to.getTime() / 1000),
              queryString: opts.query,
            }),
            { abortSignal },
          ),
        opts.signal,
      ),
    opts.signal ? { signal: opts.signal } : {},
  );
  const queryId = started.queryId ?? '';
  const deadline = performance.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 1000;
  let last: GetQueryResultsCommandOutput | undefined;
  let ended = false;
  try {
    for (;;) {
      last = await retryThrottled(
        () =>
          bounded(
            (abortSignal) => logs.send(new GetQueryResultsCommand({ queryId }), { abortSignal }),
            opts.signal,
          ),
        opts.signal ? { signal: opts.signal } : {},
      );
      const status = last.status ?? 'Unknown';
      if (status === 'Complete') break;
      if (status !== 'Running' && status !== 'Scheduled') {
        ended = true;
        throw new QueryFailedError(queryId, status);
      }
      if (performance.now() + pollMs > deadline) throw new QueryTimeoutError(queryId, status);
      await sleep(pollMs, undefined, opts.signal ? { signal: opts.signal } : {});
    }
  } catch (err) {
    // Timed out, aborted, or a poll failed: the query would go on scanning (and billing) in AWS.
    if (!ended) await stopQuery(logs, queryId);
    throw err;
  }
  if (!last) throw new QueryFailedError(queryId, 'Unknown');
  return (last.results ?? []).map((row: ResultField[]) =>
    Object.fromEntries(row.flatMap((f) => (f.field !== undefined ? [[f.field, f.value ?? '']] : []))),
  );
}

/**
 * Best effort, never the report's failure (a stubbed client may even return no promise). Its own
 * short bound: the hunt's signal may be the reason it is sent.
 */
async function stopQuery(logs: CloudWatchLogsClient, queryId: string): Promise<void> {
  await Promise.resolve()
    .then(() =>
      logs.send(new StopQueryCommand({ queryId }), { abortSignal: AbortSignal.timeout(STOP_TIMEOUT_MS) }),
    )
    .catch(() => undefined);
}

/** Insights timestamps are `2026-02-12 13:57:00.000`, in UTC. */
export function parseInsightsTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = Date.parse(`${value.trim().replace(' ', 'T')}${/Z|[+-]\d{2}:?\d{2}$/.test(value) ? '' : 'Z'}`);
  return Number.isFinite(at) ? new Date(at) : undefined;
}
