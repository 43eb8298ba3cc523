import type { webApi } from '@slack/bolt';
import { formatBytes, formatDuration, formatInt, formatTtlWords } from '../i18n/format.js';
import type { I18n } from '../i18n/index.js';
import { userMention } from '../i18n/mrkdwn.js';
import type { Translate } from '../i18n/types.js';
import {
  type TtlJobData,
  type TtlRunReporter,
  type TtlRunSummary,
  type TtlRunView,
  walkedFraction,
} from '../jobs/ttl-job.js';
import type { Logger } from '../observability/logger.js';
import { errorText } from '../presenters/error-text.js';
import { progressBar } from './blocks/census.js';
import { textMessage } from './blocks/simple.js';
import { type TtlRunControls, ttlRunProgressMessage, ttlRunSummaryMessage } from './blocks/ttl-run.js';
import { rateLimitWaitMs, retryDelayMs } from './call-errors.js';
import { planRuleLines } from './plan-lines.js';

export interface TtlReporterOptions {
  /**
   * Progress updates of one run at most this often (chat.update is Tier 3, ~50/min per workspace;
   * a state change (paused, verifying) is never held back). @defaultValue 4000
   */
  minIntervalMs?: number;
  /** How long a must-deliver call (start, the end) keeps retrying: Retry-After waits and backoff. @defaultValue 10 min */
  deliverBudgetMs?: number;
  logger?: Logger;
  /** @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Per run, in this process: what the message shows and what is in flight. */
interface MessageState {
  lastAt: number;
  /** The state last shown; a guard pause counts as a state of its own (`running:memory`). */
  lastState: string | undefined;
  /** Updates not settled yet: a routine one is dropped while another is in flight. */
  pending: number;
  chain: Promise<void>;
  /** After a 429 the next routine update waits until then. */
  coolUntil: number;
  closed: boolean;
}

/**
 * The Slack side of a TTL run: ONE progress message in the incident thread, updated at most every
 * few seconds (bar, walked / total, keys/s, ETA, counts) with Pause / Resume / Cancel, then the
 * summary in the thread. Progress is best effort and never blocks the walk: routine updates are
 * dropped while one is in flight, throttled, and held back after a 429. The start message and the
 * end are must-deliver: they wait out `Retry-After` and transient failures (the WebClient's own
 * retries do so in production; this loop also covers a client with retries off and retries that
 * ran out), and the final state always lands after any progress update still in flight.
 */
export function slackTtlRunReporter(
  client: webApi.WebClient,
  i18n: I18n,
  options: TtlReporterOptions = {},
): TtlRunReporter {
  const minIntervalMs = options.minIntervalMs ?? 4000;
  const budgetMs = options.deliverBudgetMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = options.logger;
  const states = new Map<string, MessageState>();
  /** Runs whose end was posted here: a late progress call must not bring the buttons back. */
  const ended = new Set<string>();
  const stateOf = (runId: string): MessageState => {
    let m = states.get(runId);
    if (!m) {
      m = {
        lastAt: 0,
        lastState: undefined,
        pending: 0,
        chain: Promise.resolve(),
        coolUntil: 0,
        closed: false,
      };
      states.set(runId, m);
    }
    return m;
  };
  const deliver = <T>(what: string, data: TtlJobData, call: () => Promise<T>, budget = budgetMs) =>
    deliverWithRetries(call, {
      budgetMs: budget,
      sleep,
      now,
      onRetry: (err, waitMs) =>
        log?.warn({ runId: data.runId, what, waitMs, err: describe(err) }, 'slack call failed, retrying'),
    });

  const update = (data: TtlJobData, message: ReturnType<typeof ttlRunProgressMessage>) =>
    client.chat.update({ channel: data.channel, ts: data.progressTs ?? '', ...message });

  return {
    async start(data) {
      const t = i18n.slack(data.lang);
      const message = ttlRunProgressMessage(t, {
        runId: data.runId,
        text: t('remediation-run:slack.starting', {
          rule: data.rule.name,
          cluster: data.cluster,
          match: data.rule.match,
          requester: userMention(data.requestedBy),
          approver: userMention(data.approvedBy),
        }),
        controls: 'running',
      });
      // The walk waits for this one, so not for long: without it the run still ends with a summary.
      const posted = await deliver(
        'start',
        data,
        () => client.chat.postMessage({ channel: data.channel, thread_ts: data.threadTs, ...message }),
        Math.min(budgetMs, 60_000),
      );
      const m = stateOf(data.runId);
      m.lastAt = now();
      m.lastState = 'running';
      return typeof posted.ts === 'string' ? posted.ts : undefined;
    },

    progress(data, view) {
      if (!data.progressTs || ended.has(data.runId)) return;
      const m = stateOf(data.runId);
      if (m.closed) return;
      // A memory-guard pause starting or ending must show, like Paused: it can last minutes and
      // people wait on it. (Latency-guard pauses come and go within seconds: routine updates.)
      const shown = view.state === 'running' && view.guard === 'memory' ? 'running:memory' : view.state;
      const changed = shown !== m.lastState;
      const at = now();
      if (!changed && (m.pending > 0 || at - m.lastAt < minIntervalMs || at < m.coolUntil)) return;
      m.lastAt = at;
      m.lastState = shown;
      m.pending += 1;
      const message = progressMessage(i18n.slack(data.lang), data, view);
      m.chain = m.chain.then(async () => {
        try {
          if (m.closed) return;
          // A state change (Paused: the Resume button) must show; a routine update may be lost.
          if (changed) await deliver('progress', data, () => update(data, message));
          else await update(data, message);
        } catch (err) {
          const retryAfterMs = rateLimitWaitMs(err);
          if (retryAfterMs !== undefined) m.coolUntil = now() + retryAfterMs;
          log?.warn({ runId: data.runId, err: describe(err) }, 'ttl run: progress update dropped');
        } finally {
          m.pending -= 1;
        }
      });
    },

    async resumed(data, fraction) {
      const t = i18n.slack(data.lang);
      const text = t('remediation-run:slack.resumed', {
        rule: data.rule.name,
        cluster: data.cluster,
        pct: Math.floor(Math.min(1, Math.max(0, fraction)) * 100),
      });
      await deliver('resumed', data, () =>
        client.chat.postMessage({ channel: data.channel, thread_ts: data.threadTs, ...textMessage(text) }),
      );
    },

    async finished(data, summary) {
      const t = i18n.slack(data.lang);
      const m = stateOf(data.runId);
      m.closed = true;
      // The end must be the last write to the message: let a progress update in flight land first
      // (bounded: the WebClient may be waiting out a long Retry-After on it).
      const settled = await Promise.race([m.chain.then(() => true), sleep(budgetMs / 2).then(() => false)]);
      const final = ttlRunProgressMessage(t, {
        runId: data.runId,
        text: finalLine(t, data, summary),
        controls: 'none',
      });
      try {
        if (data.progressTs) {
          await deliver('final', data, () => update(data, final)).catch((err: unknown) => {
            // The message is gone (deleted?): the summary below still says it all.
            log?.warn({ runId: data.runId, err: describe(err) }, 'ttl run: final progress update failed');
          });
          if (!settled) {
            void m.chain.then(() => deliver('final', data, () => update(data, final))).catch(() => {});
          }
        }
        await deliver('summary', data, () =>
          client.chat.postMessage({
            channel: data.channel,
            thread_ts: data.threadTs,
            ...ttlRunSummaryMessage(summaryParts(t, data, summary)),
          }),
        );
      } finally {
        states.delete(data.runId);
        if (ended.size >= 1000) ended.clear();
        ended.add(data.runId);
      }
    },
  };
}

function progressMessage(t: Translate, data: TtlJobData, view: TtlRunView) {
  const { lang } = data;
  const pct = Math.floor(Math.min(1, Math.max(0, view.fraction)) * 100);
  const rule = data.rule.name;
  let text: string;
  let controls: TtlRunControls = 'running';
  if (view.state === 'paused') {
    text = t('remediation-run:slack.paused', {
      rule,
      cluster: data.cluster,
      user: userMention(view.by ?? ''),
      pct,
    });
    controls = 'paused';
  } else if (view.state === 'verifying') {
    text = t('remediation-run:slack.verifying', { rule, cluster: data.cluster, match: data.rule.match });
    controls = 'none';
  } else {
    text = t('remediation-run:slack.running', {
      rule,
      cluster: data.cluster,
      match: data.rule.match,
      bar: progressBar(view.fraction),
      pct,
      walked: formatInt(Math.round(view.fraction * view.total), lang),
      total: formatInt(view.total, lang),
      rate: formatInt(view.keysPerSec, lang),
      eta:
        view.etaSec === null ? t('remediation-run:slack.eta_unknown') : formatDuration(view.etaSec / 60, t),
    });
  }
  const context = [
    countsLine(t, data, view.counters),
    ...planRuleLines(t, data),
    ...(view.state === 'running' && view.guard ? [t(`remediation-run:slack.guard_${view.guard}`)] : []),
  ].join('\n');
  return ttlRunProgressMessage(t, { runId: data.runId, text, context, controls });
}

function countsLine(t: Translate, data: TtlJobData, c: TtlRunView['counters']): string {
  const key = data.rule.action === 'cap' ? 'counts_cap' : 'counts_set_missing';
  return t(`remediation-run:slack.${key}`, {
    scanned: formatInt(c.scanned, data.lang),
    changed: formatInt(c.changed, data.lang),
    skipped: formatInt(c.skipped, data.lang),
    errors: formatInt(c.errors, data.lang),
  });
}

/** What the progress message says once the run has ended. */
function finalLine(t: Translate, data: TtlJobData, s: TtlRunSummary): string {
  const rule = data.rule.name;
  const cluster = data.cluster;
  if (s.outcome === 'done') {
    return t('remediation-run:slack.done', {
      rule,
      cluster,
      duration: formatDuration(s.durationMs / 60_000, t),
    });
  }
  if (s.outcome === 'cancelled') {
    if (s.by === 'pause_expired')
      return t('remediation-run:slack.cancelled_pause_expired', { rule, cluster });
    const pct = data.checkpoint ? Math.floor(walkedFraction(data.checkpoint) * 100) : 0;
    return t('remediation-run:slack.cancelled', { rule, cluster, user: userMention(s.by ?? ''), pct });
  }
  return t('remediation-run:slack.failed', { rule, cluster, reason: reasonText(t, data, s) });
}

function reasonText(t: Translate, data: TtlJobData, s: TtlRunSummary): string {
  const err = s.error;
  if (!err) return '';
  return errorText(err, t, data.lang);
}

/** The summary: what changed, what was left alone, how long, memory, then the verify re-count. */
function summaryParts(t: Translate, data: TtlJobData, s: TtlRunSummary) {
  const { lang } = data;
  const n = (v: number) => formatInt(v, lang);
  const cap = data.rule.action === 'cap';
  const rule = data.rule.name;
  const cluster = data.cluster;
  const lines = [
    t(`remediation-run:summary.${cap ? 'changed_cap' : 'changed_set_missing'}`, {
      count: n(s.counters.changed),
    }),
    t(`remediation-run:summary.${cap ? 'skipped_cap' : 'skipped_set_missing'}`, {
      count: n(s.counters.skipped),
    }),
    t('remediation-run:summary.errors', { count: n(s.counters.errors) }),
  ];
  if (s.counters.vanished > 0)
    lines.push(t('remediation-run:summary.vanished', { count: n(s.counters.vanished) }));
  lines.push(...planRuleLines(t, data));
  lines.push(t('remediation-run:summary.scanned', { count: n(s.counters.scanned) }));
  const duration = formatDuration(s.durationMs / 60_000, t);
  lines.push(
    s.pausedMs > 0
      ? t('remediation-run:summary.duration_paused', {
          duration,
          paused: formatDuration(s.pausedMs / 60_000, t),
        })
      : t('remediation-run:summary.duration', { duration }),
  );
  const bytes = (v: number | undefined) => (v === undefined ? '—' : formatBytes(v, lang));
  lines.push(
    t('remediation-run:summary.memory', { before: bytes(s.memoryBefore), after: bytes(s.memoryAfter) }),
  );
  if (s.remainingWithoutTtl !== undefined) {
    lines.push(
      s.remainingWithoutTtl === 0
        ? t('remediation-run:summary.verify_none', { match: data.rule.match })
        : t('remediation-run:summary.verify', { count: n(s.remainingWithoutTtl), match: data.rule.match }),
    );
  }
  const notes: string[] = [];
  if (s.outcome === 'cancelled' && s.by && s.by !== 'pause_expired') {
    notes.push(t('remediation-run:summary.cancelled_by', { user: userMention(s.by) }));
  }
  if (s.outcome === 'failed')
    notes.push(t('remediation-run:summary.reason', { reason: reasonText(t, data, s) }));
  if (data.expected) notes.push(t('remediation-run:summary.expected', { count: n(data.expected.toChange) }));
  if (s.counters.changed > 0) {
    notes.push(t('remediation-run:summary.memory_note', { ttl: formatTtlWords(data.rule.ttlSec, t) }));
  }
  if (cap && s.remainingWithoutTtl !== undefined && !data.rule.includeMissing) {
    notes.push(t('remediation-run:summary.verify_cap_note'));
  }
  if (s.approximate) notes.push(t('remediation-run:summary.approximate'));
  else if (s.resumes > 0) notes.push(t('remediation-run:summary.resumed', { count: s.resumes }));
  return { title: t(`remediation-run:summary.title_${s.outcome}`, { rule, cluster }), lines, notes };
}

// ---------------------------------------------------------------------------------------------
// Must-deliver calls

/** Calls until it works, waiting as Slack asks, within `budgetMs`; then the last error is thrown. */
export async function deliverWithRetries<T>(
  call: () => Promise<T>,
  opts: {
    budgetMs: number;
    sleep: (ms: number) => Promise<void>;
    now: () => number;
    onRetry?: (err: unknown, waitMs: number) => void;
  },
): Promise<T> {
  const deadline = opts.now() + opts.budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = retryDelayMs(err, attempt);
      if (wait === undefined || opts.now() + wait > deadline) throw err;
      opts.onRetry?.(err, wait);
      await opts.sleep(wait);
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const original = (err as { original?: unknown }).original;
    return original instanceof Error ? `${err.message} (${original.message})` : err.message;
  }
  return String(err);
}
