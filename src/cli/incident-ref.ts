/**
 * `--incident ID` on CLI work: the incident must exist on the queue Redis and be the target
 * cluster's, so the audit entries recorded against it (the Incident column of `redis-medic audit`)
 * never name a wrong or made-up incident.
 */
import type { Redis } from 'ioredis';
import type { MedicConfig } from '../config/types.js';
import { ErrorCode } from '../errors.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { UsageError } from './errors.js';

/** Refuses (`unknown_incident`, exit 1) an id the queue Redis does not hold for `cluster`. */
export async function checkIncidentRef(
  queue: Redis,
  config: MedicConfig,
  cluster: string,
  id: string,
): Promise<void> {
  const store = new IncidentStore(queue, {
    prefix: config.queue.prefix,
    idleHours: config.incidents.idleHours,
  });
  const incident = await store.get(id);
  if (!incident || incident.cluster !== cluster) throw new UsageError(ErrorCode.UnknownIncident, { id });
}
