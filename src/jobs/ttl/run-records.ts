// What a TTL run leaves behind: the summary's common figures, the audit-log entries and the incident timeline entries.
import { errorMessage } from '../../errors.js';
import type { EngineCounters } from '../../remediation/types.js';
import type { TtlJobData, TtlJobDeps, TtlRunSummary } from './types.js';

export function baseSummary(data: TtlJobData, counters: EngineCounters, at: number) {
  return {
    counters,
    resumes: data.resumes ?? 0,
    durationMs: data.startedAt === undefined ? 0 : Math.max(0, at - data.startedAt),
    pausedMs: data.pausedMs ?? 0,
    ...(data.memoryBefore !== undefined ? { memoryBefore: data.memoryBefore } : {}),
    ...(data.strategy ? { strategy: data.strategy } : {}),
  };
}

export function countsOf(s: TtlRunSummary): Record<string, number> {
  return {
    scanned: s.counters.scanned,
    changed: s.counters.changed,
    skipped: s.counters.skipped,
    vanished: s.counters.vanished,
    errors: s.counters.errors,
    resumes: s.resumes,
    durationMs: s.durationMs,
    ...(s.remainingWithoutTtl !== undefined ? { remainingWithoutTtl: s.remainingWithoutTtl } : {}),
    ...(s.memoryBefore !== undefined ? { memoryBefore: s.memoryBefore } : {}),
    ...(s.memoryAfter !== undefined ? { memoryAfter: s.memoryAfter } : {}),
  };
}

export async function audit(
  deps: TtlJobDeps,
  data: TtlJobData,
  action: 'run_started' | 'run_finished' | 'run_failed',
  actor: string,
  counts: Record<string, number>,
  reason?: string,
): Promise<void> {
  await deps.audit
    ?.append({
      actor,
      action,
      cluster: data.cluster,
      rule: data.rule.name,
      runId: data.runId,
      dryRunId: data.dryRunId,
      incidentId: data.incidentId,
      via: 'job',
      counts,
      ...(reason ? { reason } : {}),
    })
    .catch((err: unknown) =>
      deps.logger?.error(
        { runId: data.runId, action, err: errorMessage(err) },
        'ttl run: audit write failed',
      ),
    );
}

export async function timeline(
  deps: TtlJobDeps,
  data: TtlJobData,
  kind: string,
  actor: string,
  values: Record<string, string | number | boolean | null>,
): Promise<void> {
  await deps.incidents
    ?.append(data.incidentId, {
      at: new Date().toISOString(),
      kind,
      actor,
      data: { run: data.runId, ...values },
    })
    .catch(() => {});
}
