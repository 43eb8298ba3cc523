/**
 * Approve-gated configuration changes of a cluster: scaling an ElastiCache replication group to
 * another node type, and changing its eviction policy (a parameter group on ElastiCache, `CONFIG
 * SET` on a self-hosted Redis or Valkey). A plan is what the approver sees (the exact call), built
 * from facts read just before; nothing in this folder talks to Slack.
 */

export const CHANGE_KINDS = ['scale', 'policy'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Every `maxmemory-policy` Redis 7 and Valkey accept. */
export const EVICTION_POLICIES = [
  'volatile-lru',
  'allkeys-lru',
  'volatile-lfu',
  'allkeys-lfu',
  'volatile-random',
  'allkeys-random',
  'volatile-ttl',
  'noeviction',
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export function isEvictionPolicy(value: unknown): value is EvictionPolicy {
  return typeof value === 'string' && (EVICTION_POLICIES as readonly string[]).includes(value);
}

/** `cache.<family>.<size>`: the shape of every ElastiCache node type (`cache.r7g.large`). */
export function isNodeTypeSyntax(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= 40 && /^cache\.[a-z0-9]{2,8}\.[a-z0-9]{2,12}$/.test(value)
  );
}

/** One API call exactly as it will be sent: operation name and its parameters. */
export interface ApiCall {
  /** `ModifyReplicationGroup`, `ModifyCacheParameterGroup`, or `CONFIG SET` on a self-hosted server. */
  operation: string;
  params: Record<string, string | boolean | ReadonlyArray<Record<string, string>>>;
}

interface PlanBase {
  /** `chg-` and 16 hex digits: the approval request's anchor, like a dry-run id. */
  id: string;
  cluster: string;
  /** The channel whose button asked for it: only there can the request be approved. */
  channel: string;
  requester: string;
  /** ISO time the facts were read (the plan counts as fresh as long as a dry-run would). */
  at: string;
  /** The call made on approval, and the same thing as an `aws` command (empty for CONFIG SET). */
  call: ApiCall;
  cli: string;
}

export interface ScalePlan extends PlanBase {
  kind: 'scale';
  region: string;
  replicationGroupId: string;
  from: string;
  to: string;
  direction: 'up' | 'down';
  /** used_memory when the plan was made, and the target's expected maxmemory (scale-down check). */
  usedBytes?: number;
  targetMaxmemoryBytes?: number;
  /** Nodes of the group and its engine when planned: what a scale's monthly cost is priced on. */
  nodes?: number;
  engine?: 'redis' | 'valkey';
}

export interface PolicyPlan extends PlanBase {
  kind: 'policy';
  from: string;
  to: EvictionPolicy;
  /** ElastiCache: the custom parameter group changed; self-hosted: CONFIG SET on every primary. */
  where:
    | {
        kind: 'elasticache';
        region: string;
        replicationGroupId: string;
        parameterGroup: string;
        /** Other replication groups and cache clusters using the group: the change reaches them too. */
        sharedWith?: string[];
      }
    | { kind: 'self_hosted' };
}

export type ChangePlan = ScalePlan | PolicyPlan;

/** Why a change cannot be planned or applied: `change:refused.<reason>` in both languages. */
export const CHANGE_REFUSALS = [
  'unknown_cluster',
  'bad_value',
  'no_aws',
  'not_available',
  'cluster_mode',
  'same_node_type',
  'node_type_not_allowed',
  'scale_down_no_headroom',
  'same_policy',
  'default_parameter_group',
  'no_parameter_group',
  'config_disabled',
  'replica_target',
  'aws_failed',
  'redis_failed',
  'partial_change',
  'changed_since',
  'wrong_channel',
] as const;
export type ChangeRefusalReason = (typeof CHANGE_REFUSALS)[number];

export interface ChangeRefusal {
  reason: ChangeRefusalReason;
  values: Record<string, string | number>;
}

export type PlanOutcome<P extends ChangePlan> = { ok: true; plan: P } | { ok: false; refusal: ChangeRefusal };

export function refusal(
  reason: ChangeRefusalReason,
  values: Record<string, string | number> = {},
): ChangeRefusal {
  return { reason, values };
}
