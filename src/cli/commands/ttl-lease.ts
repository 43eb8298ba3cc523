/**
 * The CLI side of the cluster's TTL run lease (remediation/run-lease.ts): `ttl run` takes it before
 * anything is written, or is refused, audited, with the run that holds it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCode, MedicError } from '../../errors.js';
import { formatDateTime } from '../../i18n/format.js';
import type { AuditLog } from '../../incidents/audit-log.js';
import { RunLease } from '../../remediation/run-lease.js';
import { cliActor as actor } from '../targets.js';

/**
 * Takes the cluster's run lease for this invocation, or refuses (audited) with who holds it: the
 * run id, who started it and when.
 */
export async function takeRunLease(
  queue: Redis,
  prefix: string,
  cluster: string,
  incident: string | undefined,
  audit: AuditLog,
): Promise<RunLease> {
  const holder = { owner: `cli-${randomUUID()}`, startedAt: Date.now(), actor: actor(), via: 'cli' as const };
  const taken = await RunLease.acquire(queue, { prefix, cluster, holder });
  if (taken.ok) return taken.lease;
  await audit
    .append({
      actor: holder.actor,
      action: 'refused',
      cluster,
      reason: ErrorCode.TtlRunInProgress,
      runId: taken.holder.owner,
      via: 'cli',
      ...(incident !== undefined ? { incidentId: incident } : {}),
    })
    .catch(() => {});
  throw new MedicError(ErrorCode.TtlRunInProgress, {
    cluster,
    owner: taken.holder.owner,
    actor: taken.holder.actor,
    startedAt: formatDateTime(new Date(taken.holder.startedAt), 'en'),
  });
}
