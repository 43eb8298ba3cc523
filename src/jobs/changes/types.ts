// The change-run job's data, dependencies and the port it reports through (Slack implements it).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChangeRun } from '../../changes/approval.js';
import type { ClusterFacts, ElastiCacheChanges, RedisPolicyAccess } from '../../changes/ports.js';
import type { ChangeRefusal } from '../../changes/types.js';
import type { ClusterConfig } from '../../config/types.js';
import type { AuditLog } from '../../incidents/audit-log.js';

export const CHANGE_RUN_QUEUE = 'change-runs';

export interface ChangeJobData extends ChangeRun {
  /** When the call was accepted (ms): the time a scale took is counted from here. */
  startedAt?: number;
  /** The last group status posted (the plan's `available` before the first poll). */
  lastStatus?: string;
  /** A status other than `available` was seen since the call: `available` now means done. */
  seenBusy?: boolean;
}

/** One line in the request's thread. */
export type ChangeLine =
  | { kind: 'applied' }
  | { kind: 'status'; status: string; elapsedMs: number }
  | { kind: 'finished'; elapsedMs: number; value: string }
  | { kind: 'failed'; refusal: ChangeRefusal }
  | { kind: 'timeout'; elapsedMs: number; status: string };

export interface ChangeReporter {
  post(run: ChangeRun, line: ChangeLine): Promise<void>;
}

export interface ChangeJobDeps {
  /** The queue Redis (call markers live there). */
  store: Redis;
  prefix: string;
  /** The writes and the status read of a running scale. */
  aws: ElastiCacheChanges;
  /** The facts adapter: the parameter group's value read back after a policy change. */
  facts: ClusterFacts;
  redisPolicy: RedisPolicyAccess;
  target(name: string): ClusterConfig | undefined;
  audit: AuditLog;
  reporter: ChangeReporter;
  /** Between two DescribeReplicationGroups while a scale runs. @defaultValue 30000 */
  pollIntervalMs?: number;
  /** A scale still not `available` on the new type after this long is reported as timed out. @defaultValue 3 h */
  timeoutMs?: number;
  now?: () => number;
  logger?: Logger;
}
