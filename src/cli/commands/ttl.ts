/**
 * `redis-medic ttl dry-run|run`: the plan, the fresh dry-run, the confirmation, the paced run with
 * its progress lines, and the summary, under the cluster's run lease (ttl-lease.ts). (Just over 400
 * lines: the run's terminal side is one flow; its JSON and tables are in render/.)
 */
import type { Redis } from 'ioredis';
import type { WalkProgress } from '../../census/types.js';
import type { MedicConfig } from '../../config/types.js';
import { ErrorCode, isMedicError, MedicError } from '../../errors.js';
import {
  formatBytes,
  formatDuration,
  formatEta,
  formatInt,
  formatList,
  formatTtlWords,
} from '../../i18n/format.js';
import { type AuditInput, AuditLog } from '../../incidents/audit-log.js';
import { connectTarget, type TargetConnection } from '../../redis/connect.js';
import { classifyRedisError } from '../../redis/errors.js';
import { assertNotQueueServer } from '../../redis/queue-identity.js';
import { DryRunStore, dryRun, recount } from '../../remediation/dry-run.js';
import { applyRule } from '../../remediation/engine.js';
import { loadRulesFile, planRules, rulesContext, selectRules } from '../../remediation/rules.js';
import type { ApplyResult, DryRun, EngineProgress, TtlRule } from '../../remediation/types.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';
import { checkIncidentRef } from '../incident-ref.js';
import { withQueueRedis } from '../queue-redis.js';
import { fractionSteps, intervalSteps } from '../render/progress-lines.js';
import { dryRunJson, type RunJson, runJson } from '../render/ttl-json.js';
import { cliActor as actor, resolveTarget, type TargetOptions } from '../targets.js';
import { takeRunLease } from './ttl-lease.js';

export interface TtlCommandOptions extends TargetOptions {
  /** Rules file; default: the `rules:` section of the config. */
  rules?: string;
  /** Only this rule. */
  rule?: string;
  json?: boolean;
  unthrottled?: boolean;
  /** `run` only: seconds a memory-guard pause may last before the run stops. @defaultValue 600 */
  memoryGuardTimeout?: number;
  /** `run` only: the explicit go-ahead. */
  yes?: boolean;
  /** An incident on the queue Redis this work is recorded against (its audit entries carry the id). */
  incident?: string;
  /** `dry-run`: store the dry-runs on the queue Redis (when a config names it). @defaultValue true */
  save?: boolean;
  timeout?: number;
}

/** `redis-medic ttl dry-run`: read-only preview of every selected rule, in plan order. */
export async function ttlDryRunCommand(opts: TtlCommandOptions, ctx: CliContext): Promise<number> {
  const { target, config, rules } = prepare(opts, ctx);
  const incident = opts.incident;
  if (incident !== undefined) {
    if (!config) throw new UsageError(ErrorCode.ConfigRequired);
    await withQueueRedis(config, (queue) => checkIncidentRef(queue, config, target.name, incident));
  }
  const dryRuns = await withTarget(target, opts, async (conn, signal) => {
    if (config) await withQueueRedis(config, (queue) => assertNotQueueServer(conn, queue));
    return runDryRuns(conn, rules, target.name, opts, ctx, signal);
  });
  const plan = planRules(dryRuns);
  if (config && opts.save !== false) {
    await withQueueRedis(config, async (redis) => {
      const store = new DryRunStore(redis, { prefix: config.queue.prefix });
      const audit = new AuditLog(redis, { prefix: config.queue.prefix });
      for (const dry of plan) {
        await store.save(dry);
        await audit.append(auditEntry(opts, 'dry_run', dry, { dryRunId: dry.id, counts: dryCounts(dry) }));
      }
    });
  }
  if (opts.json) {
    ctx.out(
      `${JSON.stringify({ cluster: target.name, rules: plan.map((d, i) => dryRunJson(d, i + 1)) }, null, 2)}\n`,
    );
  } else {
    for (const dry of plan) ctx.out(renderDryRun(dry, ctx));
    ctx.out(renderPlan(plan, ctx));
    if (config && opts.save !== false) ctx.err(`${ctx.t('remediation:cli.saved', { count: plan.length })}\n`);
  }
  return plan.every((d) => d.complete) ? EXIT_OK : EXIT_USAGE;
}

/**
 * `redis-medic ttl run --yes`: inline, no Slack approval: a fresh dry-run of every selected rule,
 * then each rule in plan order (throttled unless --unthrottled), a re-count of what is left, and
 * every step in the audit log (so a config naming the queue Redis is required).
 */
export async function ttlRunCommand(opts: TtlCommandOptions, ctx: CliContext): Promise<number> {
  if (!opts.yes) throw new UsageError(ErrorCode.RunNeedsYes);
  const { target, config, rules } = prepare(opts, ctx);
  if (!config) throw new UsageError(ErrorCode.RunNeedsConfig);
  const incident = opts.incident;
  return withQueueRedis(config, async (queue) => {
    if (incident !== undefined) await checkIncidentRef(queue, config, target.name, incident);
    return withTarget(target, opts, async (conn, targetSignal) => {
      // Before anything is read or written: `--redis` or a cluster URL may reach the queue's server.
      await assertNotQueueServer(conn, queue);
      const audit = new AuditLog(queue, { prefix: config.queue.prefix });
      // One TTL run per cluster at a time (CLI or Slack): refused here, before any write.
      const lease = await takeRunLease(queue, config.queue.prefix, target.name, opts.incident, audit);
      const lost = new AbortController();
      lease.keepAlive(() => lost.abort());
      const signal = AbortSignal.any([targetSignal, lost.signal]);
      try {
        const exit = await runPlan(conn, queue, config, target.name, rules, opts, ctx, signal, audit);
        // Our lease expired and may be another run's now: stopped between pages, say why.
        if (lost.signal.aborted) throw new MedicError(ErrorCode.Unexpected, { reason: 'run_lease_lost' });
        return exit;
      } finally {
        await lease.release().catch(() => {});
      }
    });
  });
}

/** The run itself, under the lease: a fresh dry-run of every rule, then each rule in plan order. */
async function runPlan(
  conn: TargetConnection,
  queue: Redis,
  config: MedicConfig,
  cluster: string,
  rules: TtlRule[],
  opts: TtlCommandOptions,
  ctx: CliContext,
  signal: AbortSignal,
  audit: AuditLog,
): Promise<number> {
  const store = new DryRunStore(queue, { prefix: config.queue.prefix });
  const plan = planRules(await runDryRuns(conn, rules, cluster, opts, ctx, signal));
  if (signal.aborted) return EXIT_USAGE;
  for (const dry of plan) {
    await store.save(dry);
    await audit.append(auditEntry(opts, 'dry_run', dry, { dryRunId: dry.id, counts: dryCounts(dry) }));
  }
  if (!opts.json) ctx.out(renderPlan(plan, ctx));
  const results: RunJson[] = [];
  let exit = EXIT_OK;
  for (const dry of plan) {
    if (signal.aborted) break;
    const runId = `cli-${dry.id}`;
    await audit.append(
      auditEntry(opts, 'run_started', dry, { dryRunId: dry.id, runId, counts: dryCounts(dry) }),
    );
    let result: ApplyResult;
    const pauses = pauseLines(dry, ctx);
    const plainStep = fractionSteps();
    // What the run had changed when it failed: the audit entry says what a half-done run left.
    let lastCounters: EngineProgress['counters'] | undefined;
    try {
      result = await applyRule(conn, dry.rule, {
        ...(opts.unthrottled ? { throttle: false as const } : {}),
        ...(opts.memoryGuardTimeout ? { memoryGuard: { timeoutMs: opts.memoryGuardTimeout * 1000 } } : {}),
        signal,
        onPage: (_cp, p) => {
          lastCounters = p.counters;
          pauses(p);
          if (process.stderr.isTTY) showRunProgress(dry, p, ctx);
          else if (!opts.json && plainStep(p.fraction)) ctx.err(`${runProgressText(dry, p, ctx)}\n`);
        },
      });
    } catch (err) {
      const reason = isMedicError(err) ? err.code : classifyRedisError(err, conn.address).code;
      await audit
        .append(
          auditEntry(opts, 'run_failed', dry, {
            dryRunId: dry.id,
            runId,
            reason,
            ...(lastCounters ? { counts: { ...lastCounters } } : {}),
          }),
        )
        .catch(() => {});
      throw err;
    } finally {
      if (process.stderr.isTTY) ctx.err('\r\x1b[K');
    }
    const counts = { ...result.counters, durationMs: result.durationMs };
    if (!result.complete) {
      await audit.append(auditEntry(opts, 'run_cancelled', dry, { dryRunId: dry.id, runId, counts }));
      if (!opts.json) ctx.out(renderRunResult(dry, result, undefined, ctx));
      results.push(runJson(dry, result, undefined));
      exit = EXIT_USAGE;
      break;
    }
    const left = await recount(conn, dry.rule, {
      ...(opts.unthrottled ? { throttle: false as const } : {}),
      signal,
    });
    await audit.append(
      auditEntry(opts, 'run_finished', dry, {
        dryRunId: dry.id,
        runId,
        counts: { ...counts, left: left.toChange },
      }),
    );
    if (!opts.json) ctx.out(renderRunResult(dry, result, left.toChange, ctx));
    results.push(runJson(dry, result, left.toChange));
  }
  if (opts.json) ctx.out(`${JSON.stringify({ cluster, rules: results }, null, 2)}\n`);
  return signal.aborted ? EXIT_USAGE : exit;
}

// ---------------------------------------------------------------------------------------------

function prepare(
  opts: TtlCommandOptions,
  ctx: CliContext,
): { target: ReturnType<typeof resolveTarget>['target']; config?: MedicConfig; rules: TtlRule[] } {
  const { target, config } = resolveTarget(opts, ctx);
  let all: TtlRule[];
  if (opts.rules) all = loadRulesFile(opts.rules, rulesContext(config, ctx.lang));
  else if (config && config.rules.length > 0) all = config.rules;
  else throw new UsageError(ErrorCode.RulesRequired);
  return { target, ...(config ? { config } : {}), rules: selectRules(all, target.name, opts.rule) };
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

async function withTarget<T>(
  target: ReturnType<typeof resolveTarget>['target'],
  opts: TtlCommandOptions,
  fn: (conn: TargetConnection, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const conn = await connectTarget(target, {
    ...(opts.timeout ? { connectTimeoutMs: opts.timeout, commandTimeoutMs: opts.timeout } : {}),
  });
  const abort = new AbortController();
  // Ctrl-C and a supervisor's SIGTERM (systemd, Kubernetes, `timeout`) both stop after the current
  // page, so the audit log records the stop instead of a run that started and never ended.
  const onSignal = () => abort.abort();
  for (const sig of STOP_SIGNALS) process.once(sig, onSignal);
  try {
    return await fn(conn, abort.signal);
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    await conn.close();
  }
}

async function runDryRuns(
  conn: TargetConnection,
  rules: TtlRule[],
  cluster: string,
  opts: TtlCommandOptions,
  ctx: CliContext,
  signal: AbortSignal,
): Promise<DryRun[]> {
  const out: DryRun[] = [];
  for (const rule of rules) {
    if (signal.aborted) break;
    const plainStep = intervalSteps();
    const onProgress = process.stderr.isTTY
      ? (p: WalkProgress) => showDryRunProgress(rule, p, ctx)
      : opts.json
        ? undefined
        : (p: WalkProgress) => {
            if (plainStep()) ctx.err(`${dryRunProgressText(rule, p, ctx)}\n`);
          };
    try {
      out.push(
        await dryRun(conn, rule, {
          cluster,
          ...(opts.unthrottled ? { throttle: false as const } : {}),
          signal,
          ...(onProgress ? { onProgress } : {}),
        }),
      );
    } finally {
      if (process.stderr.isTTY) ctx.err('\r\x1b[K');
    }
  }
  return out;
}

function auditEntry(
  opts: Pick<TtlCommandOptions, 'incident'>,
  action: AuditInput['action'],
  dry: DryRun,
  extra: Pick<AuditInput, 'dryRunId' | 'runId' | 'counts' | 'reason'>,
): AuditInput {
  return {
    actor: actor(),
    action,
    cluster: dry.cluster,
    rule: dry.rule.name,
    via: 'cli',
    ...(opts.incident !== undefined ? { incidentId: opts.incident } : {}),
    ...extra,
  };
}

function dryCounts(dry: DryRun): Record<string, number> {
  return {
    matched: dry.matched,
    keysWithoutTtl: dry.keysWithoutTtl,
    keysAboveCap: dry.keysAboveCap,
    toChange: dry.toChange,
    bytesToFree: dry.bytesToFree,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

function duration(sec: number, ctx: CliContext): string {
  return formatTtlWords(sec, ctx.t);
}

export function renderDryRun(dry: DryRun, ctx: CliContext): string {
  const n = (x: number) => formatInt(x, ctx.lang);
  const lines = [
    ctx.t(`remediation:cli.dry_run_title_${dry.rule.action === 'cap' ? 'cap' : 'set_missing'}`, {
      name: dry.rule.name,
      match: dry.rule.match,
      ttl: duration(dry.rule.ttlSec, ctx),
      jitter: Math.round(dry.rule.jitter * 1000) / 10,
      cluster: dry.cluster,
    }),
    `  ${ctx.t('remediation:cli.counts', {
      matched: n(dry.matched),
      withoutTtl: n(dry.keysWithoutTtl),
      aboveCap: n(dry.keysAboveCap),
      ttl: duration(dry.rule.ttlSec, ctx),
      toChange: n(dry.toChange),
    })}`,
    `  ${ctx.t('remediation:cli.frees', {
      bytes: formatBytes(dry.bytesToFree, ctx.lang),
      // The same figure as --json's estimated_duration_sec and the Slack dry-run: seconds under a minute.
      duration: formatDuration(Math.max(dry.estimatedDurationSec, 1) / 60, ctx.t),
      walked: n(dry.walked),
    })}`,
    ...(dry.dbs
      ? [`  ${ctx.t('remediation:cli.scope', { dbs: formatList(dry.dbs.map(String), ctx.lang) })}`]
      : []),
    `  ${ctx.t('remediation:cli.spread', {
      spread: Object.entries(dry.ttlSpread)
        .map(([bucket, count]) => `${ctx.t(`census:bucket.${bucket}`)} ${n(count)}`)
        .join(' · '),
    })}`,
  ];
  if (dry.rule.expected !== undefined) {
    lines.push(
      `  ${ctx.t('remediation:cli.expected', { expected: n(dry.rule.expected), toChange: n(dry.toChange) })}`,
    );
  }
  if (dry.rule.note) lines.push(`  ${ctx.t('remediation:cli.note', { note: dry.rule.note })}`);
  for (const r of dry.replicas ?? []) lines.push(`  ${ctx.t('remediation:cli.replica_note', r)}`);
  if (dry.samples.length > 0)
    lines.push(`  ${ctx.t('remediation:cli.samples', { samples: dry.samples.join('  ') })}`);
  if (!dry.complete) lines.push(`  ${ctx.t('remediation:cli.incomplete')}`);
  return `${lines.join('\n')}\n\n`;
}

export function renderPlan(plan: DryRun[], ctx: CliContext): string {
  const lines = [ctx.t('remediation:cli.plan_title')];
  plan.forEach((dry, i) => {
    lines.push(
      `  ${i + 1}. ${ctx.t('remediation:cli.plan_line', {
        name: dry.rule.name,
        toChange: formatInt(dry.toChange, ctx.lang),
        risk: ctx.t(`remediation:risk.${dry.rule.risk}`),
      })}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** What `ttl run` prints for one rule: stopped early, or done with the verify re-count (`left`). */
export function renderRunResult(
  dry: DryRun,
  result: ApplyResult,
  left: number | undefined,
  ctx: CliContext,
): string {
  const values = resultValues(dry, result, ctx);
  if (!result.complete || left === undefined) return `${ctx.t('remediation:cli.cancelled', values)}\n`;
  const approximate = result.approximate ? `  ${ctx.t('remediation:cli.approximate')}\n` : '';
  return `${ctx.t('remediation:cli.done', values)}\n  ${ctx.t('remediation:cli.verify', { left: formatInt(left, ctx.lang) })}\n${approximate}`;
}

function resultValues(dry: DryRun, result: ApplyResult, ctx: CliContext): Record<string, string | number> {
  const n = (x: number) => formatInt(x, ctx.lang);
  return {
    name: dry.rule.name,
    changed: n(result.counters.changed),
    skipped: n(result.counters.skipped),
    vanished: n(result.counters.vanished),
    errors: n(result.counters.errors),
    seconds: (result.durationMs / 1000).toFixed(1),
  };
}

function bar(fraction: number, width = 20): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

export function showDryRunProgress(rule: TtlRule, p: WalkProgress, ctx: CliContext): void {
  ctx.err(`\r\x1b[K${dryRunProgressText(rule, p, ctx)}`);
}

function dryRunProgressText(rule: TtlRule, p: WalkProgress, ctx: CliContext): string {
  return ctx.t('remediation:cli.dry_run_progress', {
    name: rule.name,
    scanned: formatInt(p.scanned, ctx.lang),
    rate: formatInt(p.keysPerSec, ctx.lang),
    eta: formatEta(p.etaSec, ctx.t),
  });
}

/**
 * A plain stderr line when the memory guard pauses the run and when it goes on: shown whether or
 * not stderr is a terminal, so a run under cron or CI never waits silently.
 */
function pauseLines(dry: DryRun, ctx: CliContext): (p: EngineProgress) => void {
  let paused = false;
  return (p) => {
    const now = p.paused && p.pausedBy === 'memory' && p.memory !== undefined;
    if (now === paused) return;
    paused = now;
    const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
    if (now && p.memory) {
      ctx.err(
        `${clear}${ctx.t('remediation:cli.paused_memory', {
          name: dry.rule.name,
          usedPct: p.memory.usedPct,
          limitPct: p.memory.limitPct,
          minutes: Math.round((p.memory.timeoutMs / 60_000) * 10) / 10,
        })}\n`,
      );
    } else ctx.err(`${clear}${ctx.t('remediation:cli.resumed', { name: dry.rule.name })}\n`);
  };
}

export function showRunProgress(dry: DryRun, p: EngineProgress, ctx: CliContext): void {
  ctx.err(`\r\x1b[K${runProgressText(dry, p, ctx)}`);
}

function runProgressText(dry: DryRun, p: EngineProgress, ctx: CliContext): string {
  return ctx.t(p.paused ? 'remediation:cli.run_progress_paused' : 'remediation:cli.run_progress', {
    name: dry.rule.name,
    bar: bar(p.fraction),
    pct: Math.floor(p.fraction * 100),
    changed: formatInt(p.counters.changed, ctx.lang),
    toChange: formatInt(dry.toChange, ctx.lang),
    rate: formatInt(p.keysPerSec, ctx.lang),
    eta: formatEta(p.etaSec, ctx.t),
    reason: p.pausedBy ? ctx.t(`remediation:pause.${p.pausedBy}`) : '',
  });
}
