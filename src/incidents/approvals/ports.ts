// What the approval workflow needs from the remediation core (stored dry-runs) and the job layer (run queue).
import type { DryRun, TtlRunRequest } from '../../remediation/types.js';

export type { TtlRunRequest };

/** Stored dry-runs (queue Redis) and the quick re-count at approval time. */
export interface DryRunSource {
  get(id: string): Promise<DryRun | undefined>;
  /** How many keys the dry-run's rule would change right now (same meaning as `DryRun.toChange`). */
  recount(dryRun: DryRun): Promise<number>;
}

export interface TtlRunQueue {
  enqueue(run: TtlRunRequest): Promise<unknown>;
}

/** `ttl-<hex>` for `apr-<hex>`: one run per approval, and a valid BullMQ job id (no `:`). */
export function runIdFor(requestId: string): string {
  return `ttl-${requestId.replace(/^apr-/, '')}`;
}
