/**
 * The ElastiCache calls of an approved change: ModifyReplicationGroup (a new node type),
 * ModifyCacheParameterGroup (a parameter value), and the one DescribeReplicationGroups a running
 * scale is followed with. Each write is sent once; a throttled call (which AWS did not carry out)
 * is sent again after a backoff. Failures are the same MedicErrors as the facts adapter's: a
 * denial names the IAM action to grant.
 */
import {
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { ErrorCode, MedicError } from '../errors.js';
import { bounded } from './deadline.js';
import { awsErrorName, classifyAwsError } from './errors.js';

/** The ElastiCache write actions this file calls, as IAM names (the README's policy lists them). */
export const ELASTICACHE_WRITE_ACTIONS = [
  'elasticache:ModifyReplicationGroup',
  'elasticache:ModifyCacheParameterGroup',
] as const;
type ChangeAction = (typeof ELASTICACHE_WRITE_ACTIONS)[number] | 'elasticache:DescribeReplicationGroups';

export interface ScaleCall {
  ReplicationGroupId: string;
  CacheNodeType: string;
  ApplyImmediately: true;
}

export interface ParameterCall {
  CacheParameterGroupName: string;
  ParameterNameValues: { ParameterName: string; ParameterValue: string }[];
}

/** A replication group's state while a modification runs. */
export interface GroupState {
  status: string;
  nodeType: string | undefined;
}

/** What an approved change calls on ElastiCache (the job layer and tests see only this). */
export interface ElastiCacheChanges {
  modifyReplicationGroup(region: string, call: ScaleCall): Promise<void>;
  modifyCacheParameterGroup(region: string, call: ParameterCall): Promise<void>;
  groupState(region: string, replicationGroupId: string): Promise<GroupState>;
}

export interface ChangeCallOptions {
  /** Attempts in all while throttled, the first included. @defaultValue 4 */
  attempts?: number;
  /** First backoff; doubled each time. @defaultValue 500 */
  baseDelayMs?: number;
  /** Bound of one call. @defaultValue 20000 */
  timeoutMs?: number;
}

/** The calls through one ElastiCache client per region (`clientFor` builds or reuses it). */
export function elastiCacheChanges(
  clientFor: (region: string) => ElastiCacheClient,
  options: ChangeCallOptions = {},
): ElastiCacheChanges {
  return {
    async modifyReplicationGroup(region, call) {
      await send(
        'elasticache:ModifyReplicationGroup',
        region,
        (abortSignal) =>
          clientFor(region).send(new ModifyReplicationGroupCommand({ ...call }), { abortSignal }),
        options,
      );
    },
    async modifyCacheParameterGroup(region, call) {
      await send(
        'elasticache:ModifyCacheParameterGroup',
        region,
        (abortSignal) =>
          clientFor(region).send(new ModifyCacheParameterGroupCommand({ ...call }), { abortSignal }),
        options,
      );
    },
    async groupState(region, replicationGroupId) {
      const out = await send(
        'elasticache:DescribeReplicationGroups',
        region,
        (abortSignal) =>
          clientFor(region).send(
            new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
            {
              abortSignal,
            },
          ),
        options,
      );
      const group = out.ReplicationGroups?.find((g) => g.ReplicationGroupId === replicationGroupId);
      if (!group) {
        throw new MedicError(ErrorCode.AwsReplicationGroupNotFound, { replicationGroupId, region });
      }
      return { status: group.Status ?? 'unknown', nodeType: group.CacheNodeType };
    },
  };
}

/** One call, again after a backoff while AWS throttles it; any other failure as a MedicError. */
async function send<T>(
  action: ChangeAction,
  region: string,
  call: (abortSignal?: AbortSignal) => Promise<T>,
  options: ChangeCallOptions,
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await bounded(call, AbortSignal.timeout(options.timeoutMs ?? 20_000));
    } catch (err) {
      const kind = classifyAwsError(err);
      if (kind === 'throttled' && attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, base * 2 ** (attempt - 1)));
        continue;
      }
      const cause = { cause: err };
      if (kind === 'access_denied')
        throw new MedicError(ErrorCode.AwsAccessDenied, { action, region }, undefined, cause);
      if (kind === 'throttled') throw new MedicError(ErrorCode.AwsThrottled, { action }, undefined, cause);
      if (kind === 'no_credentials')
        throw new MedicError(ErrorCode.AwsNoCredentials, { action }, undefined, cause);
      throw new MedicError(
        ErrorCode.AwsCallFailed,
        { action, region, error: awsErrorName(err) },
        undefined,
        cause,
      );
    }
  }
}
