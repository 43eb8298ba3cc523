/**
 * A plan on the TTL run job: the same processor, control record, lease and checkpoints as one
 * rule, with the plan's applier (every rule, one walk where they share DBs), an audit log that
 * files the run's start, end and failure once per rule, with that rule's dry-run and figures (the
 * audit trail of a plan reads as its rules' separate runs would), the run's end on the incident
 * timeline once per rule with that rule's keys changed (the closing report and the dev team's
 * message count keys fixed per rule), and `onPlanFinished` told once the summary is delivered.
 * A plan scheduled for the off-peak window re-counts every rule when it starts (hours after the
 * approval's re-count) and stops before any write when one drifted, audited under that rule.
 */
import type { Job } from 'bullmq';
import { ErrorCode, MedicError } from '../../errors.js';
import type { AuditInput } from '../../incidents/audit-log.js';
import type { TimelineEntry } from '../../incidents/incident-store.js';
import type { TargetConnection } from '../../redis/connect.js';
import { recount, withinTolerance } from '../../remediation/dry-run.js';
import { planApplier, planRuleCounters } from '../../remediation/plan/applier.js';
import type { TtlPlanSpec } from '../../remediation/plan/types.js';
import type { TtlJobData, TtlJobDeps, TtlRunSummary } from './types.js';

const PER_RULE = new Set(['run_started', 'run_finished', 'run_failed']);
/** Timeline kinds that carry the keys a run changed. */
const PER_RULE_TIMELINE = new Set(['ttl_run_finished', 'ttl_run_cancelled']);

export function planJobDeps(deps: TtlJobDeps, job: Job<TtlJobData>, spec: TtlPlanSpec): TtlJobDeps {
  const audit = deps.audit;
  const { reporter, onPlanFinished, incidents } = deps;
  const tellFinished = (data: TtlJobData, summary: TtlRunSummary) =>
    Promise.resolve(onPlanFinished?.(data, summary)).catch((err: unknown) =>
      deps.logger?.warn({ runId: data.runId, err: String(err) }, 'plan: finished hook failed'),
    );
  // A plan that ran to the end is told finished once its `ttl_run_finished` is on the timeline, so
  // the step it ticks follows the run's end there instead of preceding it.
  let done: { data: TtlJobData; summary: TtlRunSummary } | undefined;
  return {
    ...deps,
    applier: planApplier(spec),
    ...(spec.notBefore !== undefined
      ? { beforeStart: (conn: TargetConnection, data: TtlJobData) => recountAtStart(deps, conn, data, spec) }
      : {}),
    reporter: {
      // Bound one by one: the reporter may be a class instance (methods on its prototype).
      start: (data) => reporter.start(data),
      ...(reporter.resumed
        ? { resumed: (data, fraction) => reporter.resumed?.(data, fraction) ?? Promise.resolve() }
        : {}),
      progress: (data, view) => reporter.progress(data, view),
      async finished(data, summary) {
        await reporter.finished(data, summary);
        if (incidents && summary.outcome === 'done') done = { data, summary };
        else await tellFinished(data, summary);
      },
    },
    ...(incidents
      ? {
          incidents: {
            async append(id: string, entry: TimelineEntry): Promise<void> {
              try {
                if (!PER_RULE_TIMELINE.has(entry.kind)) await incidents.append(id, entry);
                else {
                  // One end (finished or cancelled) per rule with that rule's keys, as its separate
                  // run would have left (the closing report and the incident message count keys
                  // fixed per rule). The plan's verify count (every rule's keys still without TTL)
                  // goes on the last.
                  const counters = planRuleCounters(job.data.checkpoint, spec.rules.length);
                  const { remainingWithoutTtl, ...shared } = entry.data ?? {};
                  for (const [i, rule] of spec.rules.entries()) {
                    const last = i === spec.rules.length - 1;
                    await incidents.append(id, {
                      ...entry,
                      data: {
                        ...shared,
                        rule: rule.name,
                        changed: counters[i]?.changed ?? 0,
                        ...(last && remainingWithoutTtl !== undefined ? { remainingWithoutTtl } : {}),
                      },
                    });
                  }
                }
              } finally {
                if (entry.kind === 'ttl_run_finished' && done) {
                  const { data, summary } = done;
                  done = undefined;
                  await tellFinished(data, summary);
                }
              }
            },
          },
        }
      : {}),
    ...(audit
      ? {
          audit: {
            async append(input: AuditInput): Promise<unknown> {
              if (!PER_RULE.has(input.action)) return audit.append(input);
              const counters = planRuleCounters(job.data.checkpoint, spec.rules.length);
              for (const [i, rule] of spec.rules.entries()) {
                const c = counters[i];
                const counts =
                  input.action === 'run_started'
                    ? { ...(spec.expected[i] ?? {}) }
                    : {
                        ...(c ?? {}),
                        ...(input.counts?.resumes !== undefined ? { resumes: input.counts.resumes } : {}),
                      };
                await audit.append({
                  ...input,
                  rule: rule.name,
                  dryRunId: spec.dryRunIds[i] ?? '',
                  counts,
                });
              }
              return undefined;
            },
          },
        }
      : {}),
  };
}

/** Each rule re-counted as at the approval; the first that drifted past the tolerance stops the plan. */
async function recountAtStart(
  deps: TtlJobDeps,
  conn: TargetConnection,
  data: TtlJobData,
  spec: TtlPlanSpec,
): Promise<void> {
  const tolerance = deps.recountTolerancePct ?? 5;
  for (const [i, rule] of spec.rules.entries()) {
    const counted = await recount(conn, rule, deps.throttle !== undefined ? { throttle: deps.throttle } : {});
    if (!counted.complete) {
      throw new MedicError(ErrorCode.Unexpected, { reason: 'walk_stopped' }, 'recount incomplete');
    }
    const toChange = spec.expected[i]?.toChange ?? 0;
    if (withinTolerance(toChange, counted.toChange, tolerance / 100)) continue;
    await deps.audit
      ?.append({
        actor: 'job',
        action: 'refused',
        reason: 'recount_mismatch',
        cluster: data.cluster,
        rule: rule.name,
        dryRunId: spec.dryRunIds[i] ?? '',
        runId: data.runId,
        ...(data.incidentId ? { incidentId: data.incidentId } : {}),
        counts: { toChange, recounted: counted.toChange },
      })
      .catch(() => {});
    throw new MedicError(
      ErrorCode.PlanDrift,
      { rule: rule.name, recounted: counted.toChange, toChange, tolerance },
      `plan stopped: rule ${rule.name} drifted since its dry-run`,
    );
  }
}
