/**
 * Runs one approved change. The AWS or Redis write is made at most once per approval: a marker on
 * the queue Redis is claimed (SET NX) before the call and records its outcome, so a double-enqueue,
 * a BullMQ retry or a replica that picks the job up after a crash never sends it twice. A scale
 * is then followed by re-reading the group every `pollIntervalMs` (the job waits in BullMQ's
 * delayed set in between, so it survives restarts and holds no worker), posting each status
 * change until the group is `available` on the new node type, or the timeout.
 */

import { DelayedError, type Job } from 'bullmq';
import { changeLabel } from '../../changes/approval.js';
import { PartialPolicyChange } from '../../changes/redis-policy.js';
import type { ChangeRefusal, PolicyPlan, ScalePlan } from '../../changes/types.js';
import { errorMessage, isMedicError } from '../../errors.js';
import { redact } from '../../redis/errors.js';
import type { ChangeJobData, ChangeJobDeps, ChangeLine } from './types.js';

const KEEP_SEC = 30 * 86_400;
type Outcome = 'finished' | 'failed' | 'duplicate';

export async function processChangeRun(
  job: Job<ChangeJobData>,
  token: string | undefined,
  deps: ChangeJobDeps,
): Promise<Outcome> {
  const now = deps.now ?? Date.now;
  const marker = `${deps.prefix}:change-call:${job.data.runId}`;
  let state = await deps.store.get(marker);
  if (state === 'done' || state === 'failed') return 'duplicate';
  const { plan } = job.data;
  if (state === null) {
    const won = await deps.store.set(marker, 'calling', 'EX', KEEP_SEC, 'NX');
    if (won !== 'OK') return 'duplicate';
    try {
      await write(job.data, deps);
    } catch (err) {
      await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
      await end(job.data, deps, 'change_failed', { kind: 'failed', refusal: asRefusal(err, plan.cluster) });
      return 'failed';
    }
    const startedAt = now();
    await deps.store.set(marker, `called:${startedAt}`, 'EX', KEEP_SEC);
    await audit(job.data, deps, 'change_applied');
    await say(job.data, deps, { kind: 'applied' });
    await job.updateData({ ...job.data, startedAt, lastStatus: 'available' });
    state = `called:${startedAt}`;
  } else if (state === 'calling') {
    // An earlier attempt died between claiming the call and recording it: it may or may not have
    // reached AWS. Only a scale can tell from the group; never send it a second time blind.
    const group = plan.kind === 'scale' ? await readGroup(plan, deps) : undefined;
    if (!group || (group.status === 'available' && group.nodeType !== plan.to)) {
      await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
      await end(job.data, deps, 'change_failed', {
        kind: 'failed',
        refusal: {
          reason: 'aws_failed',
          values: {
            code: 'aws_call_failed',
            action: plan.call.operation,
            region: plan.kind === 'scale' ? plan.region : '',
            error: 'OutcomeUnknown',
          },
        },
      });
      return 'failed';
    }
    const startedAt = job.data.startedAt ?? now();
    await deps.store.set(marker, `called:${startedAt}`, 'EX', KEEP_SEC);
    await job.updateData({ ...job.data, startedAt });
    state = `called:${startedAt}`;
  }
  if (plan.kind === 'policy') return await verifyPolicy(job.data, plan, deps, marker);
  return await pollScale(job, token, plan, deps, marker);
}

async function write(data: ChangeJobData, deps: ChangeJobDeps): Promise<void> {
  const { plan } = data;
  if (plan.kind === 'scale') {
    await deps.aws.modifyReplicationGroup(plan.region, {
      ReplicationGroupId: plan.replicationGroupId,
      CacheNodeType: plan.to,
      ApplyImmediately: true,
    });
    return;
  }
  if (plan.where.kind === 'elasticache') {
    await deps.aws.modifyCacheParameterGroup(plan.where.region, {
      CacheParameterGroupName: plan.where.parameterGroup,
      ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: plan.to }],
    });
    return;
  }
  const cluster = deps.target(plan.cluster);
  if (!cluster) throw new Error('unknown cluster');
  await deps.redisPolicy.set(cluster, plan.to);
}

/** After the write: read the value back (DescribeCacheParameters, or CONFIG GET on every node). */
async function verifyPolicy(
  data: ChangeJobData,
  plan: PolicyPlan,
  deps: ChangeJobDeps,
  marker: string,
): Promise<Outcome> {
  const started = data.startedAt ?? (deps.now ?? Date.now)();
  let values: string[];
  try {
    if (plan.where.kind === 'elasticache') {
      const cluster = deps.target(plan.cluster);
      values = cluster ? [(await deps.facts(cluster)).parameterGroup.maxmemoryPolicy] : [];
    } else {
      const cluster = deps.target(plan.cluster);
      const policy = cluster ? (await deps.redisPolicy.read(cluster)).policy : undefined;
      values = policy !== undefined ? [policy] : [];
    }
  } catch (err) {
    await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
    await end(data, deps, 'change_failed', { kind: 'failed', refusal: asRefusal(err, plan.cluster) });
    return 'failed';
  }
  const elapsedMs = (deps.now ?? Date.now)() - started;
  if (values.length > 0 && values.every((v) => v === plan.to)) {
    await deps.store.set(marker, 'done', 'EX', KEEP_SEC);
    await end(data, deps, 'change_finished', { kind: 'finished', elapsedMs, value: plan.to });
    return 'finished';
  }
  await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
  await end(data, deps, 'change_failed', {
    kind: 'failed',
    refusal: {
      reason: 'changed_since',
      values: { cluster: plan.cluster, what: `maxmemory-policy = ${values.join(', ') || '?'}` },
    },
  });
  return 'failed';
}

async function pollScale(
  job: Job<ChangeJobData>,
  token: string | undefined,
  plan: ScalePlan,
  deps: ChangeJobDeps,
  marker: string,
): Promise<Outcome> {
  const now = deps.now ?? Date.now;
  const data = job.data;
  const startedAt = data.startedAt ?? now();
  const group = await readGroup(plan, deps);
  const elapsedMs = now() - startedAt;
  let next: ChangeJobData = { ...data, startedAt };
  if (group && group.status !== (data.lastStatus ?? 'available')) {
    // `available` is said by the line that ends the run (finished, or failed on the old type).
    if (group.status !== 'available')
      await say(data, deps, { kind: 'status', status: group.status, elapsedMs });
    next = { ...next, lastStatus: group.status, seenBusy: next.seenBusy || group.status !== 'available' };
  }
  if (group?.status === 'available' && group.nodeType === plan.to) {
    await deps.store.set(marker, 'done', 'EX', KEEP_SEC);
    await end(
      next,
      deps,
      'change_finished',
      { kind: 'finished', elapsedMs, value: plan.to },
      { seconds: Math.round(elapsedMs / 1000) },
    );
    return 'finished';
  }
  if (group?.status === 'available' && next.seenBusy) {
    // Back to available on the old type: AWS gave up on the modification.
    await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
    await end(next, deps, 'change_failed', {
      kind: 'failed',
      refusal: {
        reason: 'changed_since',
        values: { cluster: plan.cluster, what: `CacheNodeType = ${group.nodeType ?? '?'}` },
      },
    });
    return 'failed';
  }
  if (elapsedMs >= (deps.timeoutMs ?? 3 * 3_600_000)) {
    await deps.store.set(marker, 'failed', 'EX', KEEP_SEC);
    await end(
      next,
      deps,
      'change_failed',
      { kind: 'timeout', elapsedMs, status: group?.status ?? next.lastStatus ?? '?' },
      undefined,
      'timeout',
    );
    return 'failed';
  }
  await job.updateData(next);
  await job.moveToDelayed(now() + (deps.pollIntervalMs ?? 30_000), token);
  throw new DelayedError();
}

/** The group, or undefined when it could not be read this time (the next poll tries again). */
async function readGroup(plan: ScalePlan, deps: ChangeJobDeps) {
  try {
    return await deps.aws.groupState(plan.region, plan.replicationGroupId);
  } catch (err) {
    deps.logger?.warn(
      { err: errorMessage(err), cluster: plan.cluster },
      'change run: describe failed, next poll retries',
    );
    return undefined;
  }
}

async function end(
  data: ChangeJobData,
  deps: ChangeJobDeps,
  action: 'change_finished' | 'change_failed',
  line: ChangeLine,
  counts?: Record<string, number>,
  reason?: string,
): Promise<void> {
  const why =
    reason ??
    (line.kind === 'failed'
      ? line.refusal.reason === 'aws_failed'
        ? String(line.refusal.values.code)
        : line.refusal.reason
      : undefined);
  // The record first: whoever reads the thread's last line finds it in the audit log already.
  await audit(data, deps, action, counts, why);
  await say(data, deps, line);
}

async function say(data: ChangeJobData, deps: ChangeJobDeps, line: ChangeLine): Promise<void> {
  await deps.reporter.post(data, line).catch((err: unknown) => {
    deps.logger?.warn({ err: errorMessage(err), run: data.runId }, 'change run: thread post failed');
  });
}

async function audit(
  data: ChangeJobData,
  deps: ChangeJobDeps,
  action: 'change_applied' | 'change_finished' | 'change_failed',
  counts?: Record<string, number>,
  reason?: string,
): Promise<void> {
  await deps.audit
    .append({
      actor: data.approvedBy,
      action,
      cluster: data.plan.cluster,
      rule: changeLabel(data.plan),
      requestId: data.requestId,
      runId: data.runId,
      dryRunId: data.plan.id,
      ...(data.incidentId ? { incidentId: data.incidentId } : {}),
      ...(counts ? { counts } : {}),
      ...(reason ? { reason } : {}),
      via: 'job',
    })
    .catch(() => {});
}

/** A failed write as the refusal the thread shows: AWS names the IAM action; Redis says CONFIG is off. */
export function asRefusal(err: unknown, cluster: string): ChangeRefusal {
  if (err instanceof PartialPolicyChange) {
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
    return {
      reason: 'partial_change',
      values: {
        cluster,
        changed: err.changed.join(', '),
        failed: err.failed,
        error: redact(cause).slice(0, 120),
      },
    };
  }
  if (isMedicError(err) && err.code.startsWith('aws_')) {
    return { reason: 'aws_failed', values: { ...err.values, code: err.code } };
  }
  if (isMedicError(err) && err.code === 'redis_command' && /config/i.test(String(err.values.command ?? ''))) {
    return { reason: 'config_disabled', values: { cluster, policy: '' } };
  }
  const text = errorMessage(err);
  if (/unknown command|NOPERM|renamed/i.test(text))
    return { reason: 'config_disabled', values: { cluster, policy: '' } };
  return { reason: 'redis_failed', values: { cluster, error: redact(text).slice(0, 120) } };
}
