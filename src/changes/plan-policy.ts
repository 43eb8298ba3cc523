// An eviction-policy plan from live facts (pure): a custom parameter group on ElastiCache, CONFIG SET on a self-hosted Redis.
import type { ClusterConfig } from '../config/types.js';
import { awsCliCommand } from './aws-cli.js';
import type { ElastiCacheFacts, ParameterGroupUsers } from './ports.js';
import { type EvictionPolicy, type PlanOutcome, type PolicyPlan, refusal } from './types.js';

export type PolicyFacts =
  | {
      kind: 'elasticache';
      aws: ElastiCacheFacts;
      current: string;
      /** The other replication groups and cache clusters the group's change reaches. */
      sharedWith?: ParameterGroupUsers;
    }
  | {
      kind: 'self_hosted';
      current: string | undefined;
      config: boolean;
      address: string;
      /** The URL reaches a replica: CONFIG SET there leaves the primary's policy as it was. */
      replica?: boolean;
    };

export interface PolicyInput {
  id: string;
  cluster: ClusterConfig;
  channel: string;
  requester: string;
  at: Date;
  to: EvictionPolicy;
  facts: PolicyFacts;
}

/**
 * The call that sets `maxmemory-policy`, or why not. ElastiCache's `default.*` groups cannot be
 * modified: the refusal carries the three commands that make a custom group and attach it.
 */
export function planPolicy(input: PolicyInput): PlanOutcome<PolicyPlan> {
  const { cluster, facts, to } = input;
  if (facts.current !== undefined && facts.current === to) {
    return { ok: false, refusal: refusal('same_policy', { cluster: cluster.name, policy: to }) };
  }
  const base = {
    kind: 'policy' as const,
    id: input.id,
    cluster: cluster.name,
    channel: input.channel,
    requester: input.requester,
    at: input.at.toISOString(),
    from: facts.current ?? '',
    to,
  };
  if (facts.kind === 'self_hosted') {
    if (facts.replica) {
      return { ok: false, refusal: refusal('replica_target', { cluster: cluster.name, policy: to }) };
    }
    if (!facts.config) {
      return { ok: false, refusal: refusal('config_disabled', { cluster: cluster.name, policy: to }) };
    }
    return {
      ok: true,
      plan: {
        ...base,
        where: { kind: 'self_hosted' },
        call: { operation: 'CONFIG SET', params: { parameter: 'maxmemory-policy', value: to } },
        cli: `redis-cli -h ${facts.address.replace(/:(\d+)$/, ' -p $1')} CONFIG SET maxmemory-policy ${to}`,
      },
    };
  }
  const aws = facts.aws;
  const rg = aws.replicationGroupId;
  const group = aws.parameterGroup.name;
  if (!group || group === 'unknown')
    return { ok: false, refusal: refusal('no_parameter_group', { cluster: cluster.name }) };
  if (aws.status !== 'available') {
    return { ok: false, refusal: refusal('not_available', { cluster: cluster.name, status: aws.status }) };
  }
  if (aws.parameterGroup.isDefault) {
    return {
      ok: false,
      refusal: refusal('default_parameter_group', {
        cluster: cluster.name,
        group,
        commands: customGroupCommands({ group, rg, region: aws.region, to, clusterEnabled: aws.clusterMode }),
      }),
    };
  }
  const call = {
    operation: 'ModifyCacheParameterGroup',
    params: {
      CacheParameterGroupName: group,
      ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: to }],
    },
  };
  return {
    ok: true,
    plan: {
      ...base,
      where: {
        kind: 'elasticache',
        region: aws.region,
        replicationGroupId: rg,
        parameterGroup: group,
        sharedWith: [
          ...(facts.sharedWith?.replicationGroups ?? []),
          ...(facts.sharedWith?.cacheClusters ?? []),
        ],
      },
      call,
      cli: awsCliCommand(call, aws.region),
    },
  };
}

/**
 * How to leave a `default.*` group: create a custom group of the same family, set the policy in it
 * (and `cluster-enabled yes` for a cluster-mode group, which the family's defaults leave off), and
 * attach it to the replication group. One command per line.
 */
export function customGroupCommands(input: {
  group: string;
  rg: string;
  region: string;
  to: string;
  clusterEnabled: boolean;
}): string {
  const family = familyOf(input.group);
  const name = `${input.rg}-${input.to}`.slice(0, 255);
  const values = [
    ...(input.clusterEnabled ? [{ ParameterName: 'cluster-enabled', ParameterValue: 'yes' }] : []),
    { ParameterName: 'maxmemory-policy', ParameterValue: input.to },
  ];
  return [
    awsCliCommand(
      {
        operation: 'CreateCacheParameterGroup',
        params: {
          CacheParameterGroupName: name,
          CacheParameterGroupFamily: family,
          Description: `${input.rg} with maxmemory-policy ${input.to}`,
        },
      },
      input.region,
    ),
    awsCliCommand(
      {
        operation: 'ModifyCacheParameterGroup',
        params: { CacheParameterGroupName: name, ParameterNameValues: values },
      },
      input.region,
    ),
    awsCliCommand(
      {
        operation: 'ModifyReplicationGroup',
        params: { ReplicationGroupId: input.rg, CacheParameterGroupName: name, ApplyImmediately: true },
      },
      input.region,
    ),
  ].join('\n');
}

/** `default.redis7.cluster.on` → `redis7`; `default.valkey8` → `valkey8`. */
export function familyOf(defaultGroup: string): string {
  const family = defaultGroup.replace(/^default\./, '').replace(/\.cluster\.on$/, '');
  return family || 'redis7';
}
