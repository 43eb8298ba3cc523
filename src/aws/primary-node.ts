import {
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  type NodeGroup,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { bounded, DEFAULT_AWS_TIMEOUT_MS } from './deadline.js';
import { awsErrorNote } from './errors.js';
import type { AwsTarget, Note, PrimaryMember, PrimaryNode } from './types.js';

/** Every Redis/Valkey cache cluster (a replication group member) holds exactly one node, `0001`. */
export const DEFAULT_CACHE_NODE_ID = '0001';

export interface ResolvePrimaryOptions {
  signal?: AbortSignal;
  /** Only used to word a timeout note; the bound itself is `signal`. */
  timeoutMs?: number;
}

/** T-class nodes run on CPU credits; a long scan can drain them, so their credit balance matters. */
export function isBurstableNodeType(nodeType?: string): boolean {
  return nodeType !== undefined && /^cache\.t\d/i.test(nodeType);
}

/** Whether `aws` names something resolvePrimaryCacheClusterId can work with. */
export function hasAwsTarget(aws: AwsTarget | undefined): aws is AwsTarget {
  return (
    aws !== undefined &&
    aws.region !== '' &&
    ((aws.replicationGroupId !== undefined && aws.replicationGroupId !== '') ||
      (aws.cacheNodeIds ?? []).some((id) => id !== ''))
  );
}

function groupPrimary(
  group: NodeGroup,
  index: number,
): { member: PrimaryMember; roleKnown: boolean } | undefined {
  const members = (group.NodeGroupMembers ?? []).filter((m) => m.CacheClusterId !== undefined);
  // CurrentRole is only reported for cluster-mode-disabled groups.
  const byRole = members.find((m) => m.CurrentRole === 'primary');
  const chosen = byRole ?? members[0];
  if (chosen?.CacheClusterId === undefined) return undefined;
  return {
    member: {
      nodeGroupId: group.NodeGroupId ?? String(index + 1).padStart(4, '0'),
      cacheClusterId: chosen.CacheClusterId,
      cacheNodeId: chosen.CacheNodeId ?? DEFAULT_CACHE_NODE_ID,
    },
    roleKnown: byRole !== undefined,
  };
}

function fromReplicationGroup(group: ReplicationGroup, rgId: string): PrimaryNode | undefined {
  const found = (group.NodeGroups ?? []).map(groupPrimary);
  const primaries = found.flatMap((p) => (p === undefined ? [] : [p.member]));
  const first = primaries[0];
  if (first === undefined) return undefined;
  const notes: Note[] = [];
  if (found.some((p) => p !== undefined && !p.roleKnown)) {
    notes.push({
      key: 'notes.aws_primary_role_unknown',
      values: { replicationGroupId: rgId, cacheClusterId: first.cacheClusterId },
    });
  }
  return {
    cacheClusterId: first.cacheClusterId,
    cacheNodeId: first.cacheNodeId,
    primaries,
    ...(group.CacheNodeType !== undefined ? { nodeType: group.CacheNodeType } : {}),
    source: 'describe',
    notes,
  };
}

/** `explain`: say a guess was made (not when the configuration named the member outright). */
function fallback(aws: AwsTarget, notes: Note[], explain = true): PrimaryNode {
  const configured = aws.cacheNodeIds?.find((id) => id !== '');
  const rg = aws.replicationGroupId;
  if (configured === undefined && (rg === undefined || rg === '')) {
    throw new TypeError('AwsTarget needs replicationGroupId or cacheNodeIds');
  }
  // `<rg>-001` is only the primary until the first failover: say that a guess was made.
  const cacheClusterId = configured ?? `${rg}-001`;
  const source = configured !== undefined ? 'config' : 'convention';
  return {
    cacheClusterId,
    cacheNodeId: DEFAULT_CACHE_NODE_ID,
    primaries: [{ nodeGroupId: '0001', cacheClusterId, cacheNodeId: DEFAULT_CACHE_NODE_ID }],
    source,
    // Named in the config, or guessed: two notes, so each is worded whole in every language.
    notes: explain
      ? [
          ...notes,
          {
            key: source === 'config' ? 'notes.aws_primary_fallback' : 'notes.aws_primary_guessed',
            values: { cacheClusterId, source },
          },
        ]
      : notes,
  };
}

/**
 * Finds the cache cluster id of the current primary. After a failover the primary is no longer
 * `<rg>-001`, and a replica's DatabaseMemoryUsagePercentage lags or differs, so ask ElastiCache.
 * Never throws for AWS failures: falls back to `cacheNodeIds[0]`, then `<rg>-001`, with notes.
 * Throws TypeError only when `aws` names neither (check with {@link hasAwsTarget}).
 */
export async function resolvePrimaryCacheClusterId(
  ec: ElastiCacheClient,
  aws: AwsTarget,
  opts: ResolvePrimaryOptions = {},
): Promise<PrimaryNode> {
  const rgId = aws.replicationGroupId;
  if (rgId === undefined || rgId === '') return fallback(aws, [], false);
  try {
    const out = await bounded(
      (abortSignal) =>
        ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: rgId }), { abortSignal }),
      opts.signal,
    );
    const group =
      out.ReplicationGroups?.find((g) => g.ReplicationGroupId === rgId) ?? out.ReplicationGroups?.[0];
    const resolved = group === undefined ? undefined : fromReplicationGroup(group, rgId);
    return resolved ?? fallback(aws, []);
  } catch (err) {
    const { kind, note } = awsErrorNote(err, {
      action: 'elasticache:DescribeReplicationGroups',
      region: aws.region,
      timeoutMs: opts.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS,
      replicationGroupId: rgId,
    });
    return { ...fallback(aws, [note]), error: kind };
  }
}
