// A scale plan from live facts (pure): the target must be an allowed modification, the group available, and a scale-down must leave headroom.
import type { ClusterConfig } from '../config/types.js';
import { awsCliCommand } from './aws-cli.js';
import type { ElastiCacheFacts, NodeMaxmemory } from './ports.js';
import { type PlanOutcome, refusal, type ScalePlan } from './types.js';

export interface ScaleFacts {
  aws: ElastiCacheFacts;
  /** The largest used_memory among the primaries (INFO), when it could be read. */
  usedBytes: number | undefined;
}

export interface ScaleInput {
  id: string;
  cluster: ClusterConfig;
  channel: string;
  requester: string;
  at: Date;
  to: string;
  facts: ScaleFacts;
  maxmemoryOf: NodeMaxmemory;
}

/**
 * The ModifyReplicationGroup call to make, or why not. What an SRE checks before typing the
 * command: the group is `available` (a second modification while one runs is refused by AWS
 * anyway, after the approver was paged), the target is one ListAllowedNodeTypeModifications
 * offers, it is not the current type, and a smaller node still holds today's data below the
 * cluster's warning threshold.
 */
export function planScale(input: ScaleInput): PlanOutcome<ScalePlan> {
  const { cluster, facts, to } = input;
  const aws = facts.aws;
  const rg = aws.replicationGroupId;
  const from = aws.nodeType;
  if (aws.status !== 'available') {
    return { ok: false, refusal: refusal('not_available', { cluster: cluster.name, status: aws.status }) };
  }
  if (to === from)
    return { ok: false, refusal: refusal('same_node_type', { cluster: cluster.name, node_type: to }) };
  const up = aws.scaleUpTargets.includes(to);
  const down = !up && aws.scaleDownTargets.includes(to);
  if (!up && !down) {
    const allowed = [...aws.scaleUpTargets, ...aws.scaleDownTargets];
    return {
      ok: false,
      refusal: refusal('node_type_not_allowed', {
        cluster: cluster.name,
        node_type: to,
        allowed: allowed.length > 0 ? allowed.join(', ') : '—',
      }),
    };
  }
  const targetMax = input.maxmemoryOf(to, aws.parameterGroup.reservedMemoryPercent);
  if (down) {
    const used = facts.usedBytes;
    const limitPct = cluster.thresholds.warning;
    // Unknown memory on either side: no way to show the data fits, so no scale-down.
    if (used === undefined || targetMax === undefined || (used / targetMax) * 100 >= limitPct) {
      return {
        ok: false,
        refusal: refusal('scale_down_no_headroom', {
          cluster: cluster.name,
          node_type: to,
          used: used ?? -1,
          target: targetMax ?? -1,
          pct: used !== undefined && targetMax ? Math.round((used / targetMax) * 1000) / 10 : -1,
          warning: limitPct,
        }),
      };
    }
  }
  const call = {
    operation: 'ModifyReplicationGroup',
    params: { ReplicationGroupId: rg, CacheNodeType: to, ApplyImmediately: true },
  };
  return {
    ok: true,
    plan: {
      kind: 'scale',
      id: input.id,
      cluster: cluster.name,
      channel: input.channel,
      requester: input.requester,
      at: input.at.toISOString(),
      region: aws.region,
      replicationGroupId: rg,
      from,
      to,
      direction: up ? 'up' : 'down',
      ...(facts.usedBytes !== undefined ? { usedBytes: facts.usedBytes } : {}),
      ...(targetMax !== undefined ? { targetMaxmemoryBytes: targetMax } : {}),
      nodes: aws.nodes,
      engine: aws.engine,
      call,
      cli: awsCliCommand(call, aws.region),
    },
  };
}
