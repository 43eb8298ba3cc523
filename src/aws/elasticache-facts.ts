/**
 * What ElastiCache says about one replication group, for sizing and eviction advice: node type,
 * members, Multi-AZ, failover, cluster mode, engine, the parameter group's `maxmemory-policy` and
 * `reserved-memory-percent`, and the node types it may be scaled to. Read-only calls only.
 *
 * Unlike the status trend (which degrades to notes), advice cannot be given on half the facts:
 * failures throw a MedicError naming the IAM action (denied) or the call (anything else).
 * Throttling is retried here with backoff, because a test double (and a burst of advice requests)
 * bypasses the SDK's own retry budget of one attempt.
 */
import {
  type CacheCluster,
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  ListAllowedNodeTypeModificationsCommand,
  type Parameter,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { ErrorCode, MedicError } from '../errors.js';
import { bounded } from './deadline.js';
import { awsErrorName, classifyAwsError } from './errors.js';

/** The ElastiCache read actions this file calls, as IAM names (the README's policy lists them). */
export const ELASTICACHE_READ_ACTIONS = [
  'elasticache:DescribeReplicationGroups',
  'elasticache:DescribeCacheClusters',
  'elasticache:DescribeCacheParameters',
  'elasticache:ListAllowedNodeTypeModifications',
] as const;
export type ElastiCacheReadAction = (typeof ELASTICACHE_READ_ACTIONS)[number];

/** ElastiCache's documented default when a parameter group does not set it. */
export const DEFAULT_RESERVED_MEMORY_PERCENT = 25;
/** ElastiCache's default `maxmemory-policy` (default.redis7 and default.valkey8 alike). */
export const DEFAULT_ELASTICACHE_POLICY = 'volatile-lru';

export type CacheEngine = 'redis' | 'valkey';

export interface ElastiCacheMember {
  cacheClusterId: string;
  /** `primary` / `replica`; absent in cluster mode, where ElastiCache does not report it. */
  role?: string;
  availabilityZone?: string;
}

export interface ElastiCacheFacts {
  replicationGroupId: string;
  region: string;
  status: string;
  nodeType: string;
  engine: CacheEngine;
  engineVersion?: string;
  clusterMode: boolean;
  /** Node groups (shards): 1 unless cluster mode is enabled. */
  shards: number;
  /** Every node of every shard (what the bill counts). */
  nodes: number;
  members: ElastiCacheMember[];
  multiAz: boolean;
  automaticFailover: string;
  parameterGroup: {
    name: string;
    /** `default.*` groups cannot be modified: a policy change needs a custom group first. */
    isDefault: boolean;
    maxmemoryPolicy: string;
    /** Whether the policy came from the group (false: ElastiCache's default was assumed). */
    policyFromGroup: boolean;
    reservedMemoryPercent: number;
    reservedFromGroup: boolean;
  };
  /** Larger node types ElastiCache allows for this group (ListAllowedNodeTypeModifications). */
  scaleUpTargets: string[];
  scaleDownTargets: string[];
}

export interface FetchFactsOptions {
  signal?: AbortSignal;
  /** Throttled calls are tried this many times in all. @defaultValue 4 */
  maxAttempts?: number;
  /** Waits between throttled attempts (tests pass a no-op). @defaultValue a real, abortable sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const PAGE_LIMIT = 20;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One AWS call as a MedicError when it fails; throttling retried with exponential backoff and jitter. */
async function call<T>(
  action: ElastiCacheReadAction,
  ctx: { region: string; replicationGroupId: string },
  send: (abortSignal?: AbortSignal) => Promise<T>,
  opts: FetchFactsOptions,
): Promise<T> {
  const attempts = Math.max(1, opts.maxAttempts ?? 4);
  const sleep = opts.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await bounded(send, opts.signal);
    } catch (err) {
      const kind = classifyAwsError(err);
      if (kind === 'throttled' && attempt < attempts) {
        const base = 200 * 2 ** (attempt - 1);
        await sleep(base + Math.floor(Math.random() * base), opts.signal);
        continue;
      }
      throw factsError(err, kind, action, ctx);
    }
  }
}

function factsError(
  err: unknown,
  kind: ReturnType<typeof classifyAwsError>,
  action: ElastiCacheReadAction,
  ctx: { region: string; replicationGroupId: string },
): MedicError {
  const options = { cause: err };
  switch (kind) {
    case 'access_denied':
      return new MedicError(ErrorCode.AwsAccessDenied, { action, region: ctx.region }, undefined, options);
    case 'throttled':
      return new MedicError(ErrorCode.AwsThrottled, { action }, undefined, options);
    case 'no_credentials':
      return new MedicError(ErrorCode.AwsNoCredentials, { action }, undefined, options);
    case 'not_found':
      return new MedicError(
        ErrorCode.AwsReplicationGroupNotFound,
        { replicationGroupId: ctx.replicationGroupId, region: ctx.region },
        undefined,
        options,
      );
    default:
      return new MedicError(
        ErrorCode.AwsCallFailed,
        { action, region: ctx.region, error: awsErrorName(err) },
        undefined,
        options,
      );
  }
}

function members(group: ReplicationGroup): ElastiCacheMember[] {
  const fromGroups = (group.NodeGroups ?? []).flatMap((ng) =>
    (ng.NodeGroupMembers ?? []).flatMap((m) =>
      m.CacheClusterId === undefined
        ? []
        : [
            {
              cacheClusterId: m.CacheClusterId,
              ...(m.CurrentRole !== undefined ? { role: m.CurrentRole } : {}),
              ...(m.PreferredAvailabilityZone !== undefined
                ? { availabilityZone: m.PreferredAvailabilityZone }
                : {}),
            },
          ],
    ),
  );
  if (fromGroups.length > 0) return fromGroups;
  // Cluster-mode groups may list members only in MemberClusters when NodeGroupMembers is trimmed.
  return (group.MemberClusters ?? []).map((cacheClusterId) => ({ cacheClusterId }));
}

function engineOf(group: ReplicationGroup, cluster: CacheCluster | undefined): CacheEngine {
  const name = (group.Engine ?? cluster?.Engine ?? 'redis').toLowerCase();
  return name === 'valkey' ? 'valkey' : 'redis';
}

function parameterValue(params: Parameter[], name: string): string | undefined {
  const value = params.find((p) => p.ParameterName === name)?.ParameterValue;
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The facts of one replication group. Throws MedicError: `aws_access_denied` (naming the IAM
 * action), `aws_throttled` (after retries), `aws_no_credentials`, `aws_replication_group_not_found`,
 * `aws_call_failed`.
 */
export async function fetchElastiCacheFacts(
  ec: ElastiCacheClient,
  target: { region: string; replicationGroupId: string },
  opts: FetchFactsOptions = {},
): Promise<ElastiCacheFacts> {
  const rgId = target.replicationGroupId;
  const ctx = { region: target.region, replicationGroupId: rgId };

  const described = await call(
    'elasticache:DescribeReplicationGroups',
    ctx,
    (abortSignal) =>
      ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: rgId }), { abortSignal }),
    opts,
  );
  const group = described.ReplicationGroups?.find((g) => g.ReplicationGroupId === rgId);
  if (group === undefined) {
    throw new MedicError(ErrorCode.AwsReplicationGroupNotFound, {
      replicationGroupId: rgId,
      region: target.region,
    });
  }
  const memberList = members(group);
  const first = memberList[0]?.cacheClusterId;

  // Every member shares the group's parameter group and engine version: one member answers for all.
  let cluster: CacheCluster | undefined;
  if (first !== undefined) {
    const out = await call(
      'elasticache:DescribeCacheClusters',
      ctx,
      (abortSignal) => ec.send(new DescribeCacheClustersCommand({ CacheClusterId: first }), { abortSignal }),
      opts,
    );
    cluster = out.CacheClusters?.[0];
  }
  const groupName = cluster?.CacheParameterGroup?.CacheParameterGroupName;

  const params: Parameter[] = [];
  if (groupName !== undefined) {
    let marker: string | undefined;
    for (let page = 0; page < PAGE_LIMIT; page++) {
      const out = await call(
        'elasticache:DescribeCacheParameters',
        ctx,
        (abortSignal) =>
          ec.send(
            new DescribeCacheParametersCommand({
              CacheParameterGroupName: groupName,
              MaxRecords: 100,
              ...(marker !== undefined ? { Marker: marker } : {}),
            }),
            { abortSignal },
          ),
        opts,
      );
      params.push(...(out.Parameters ?? []));
      marker = out.Marker;
      if (marker === undefined || marker === '') break;
    }
  }

  const allowed = await call(
    'elasticache:ListAllowedNodeTypeModifications',
    ctx,
    (abortSignal) =>
      ec.send(new ListAllowedNodeTypeModificationsCommand({ ReplicationGroupId: rgId }), { abortSignal }),
    opts,
  );

  const policy = parameterValue(params, 'maxmemory-policy');
  const reserved = Number(parameterValue(params, 'reserved-memory-percent'));
  const nodeType = group.CacheNodeType ?? cluster?.CacheNodeType;
  if (nodeType === undefined) {
    throw new MedicError(ErrorCode.AwsCallFailed, {
      action: 'elasticache:DescribeReplicationGroups',
      region: target.region,
      error: 'CacheNodeTypeMissing',
    });
  }
  const nodeGroups = group.NodeGroups ?? [];
  return {
    replicationGroupId: rgId,
    region: target.region,
    status: group.Status ?? 'unknown',
    nodeType,
    engine: engineOf(group, cluster),
    ...(cluster?.EngineVersion !== undefined ? { engineVersion: cluster.EngineVersion } : {}),
    clusterMode: group.ClusterEnabled === true || group.ClusterMode === 'enabled',
    shards: Math.max(1, nodeGroups.length),
    nodes: Math.max(memberList.length, group.MemberClusters?.length ?? 0, 1),
    members: memberList,
    multiAz: group.MultiAZ === 'enabled',
    automaticFailover: group.AutomaticFailover ?? 'disabled',
    parameterGroup: {
      name: groupName ?? 'unknown',
      isDefault: groupName?.startsWith('default.') ?? false,
      maxmemoryPolicy: policy ?? DEFAULT_ELASTICACHE_POLICY,
      policyFromGroup: policy !== undefined,
      reservedMemoryPercent: Number.isFinite(reserved) ? reserved : DEFAULT_RESERVED_MEMORY_PERCENT,
      reservedFromGroup: Number.isFinite(reserved),
    },
    scaleUpTargets: allowed?.ScaleUpModifications ?? [],
    scaleDownTargets: allowed?.ScaleDownModifications ?? [],
  };
}

/** Where a configured cluster lives in AWS (the config's `aws:` block). */
export interface ConfiguredAwsTarget {
  region: string;
  replicationGroupId?: string;
  cacheNodeIds?: string[];
}

/**
 * The facts of a configured cluster. A config naming only member ids (`cacheNodeIds`) is resolved
 * to its replication group through the first member. Throws `aws_not_configured` without `aws:`.
 */
export async function fetchClusterFacts(
  ec: ElastiCacheClient,
  cluster: { name: string; aws?: ConfiguredAwsTarget },
  opts: FetchFactsOptions = {},
): Promise<ElastiCacheFacts> {
  const aws = cluster.aws;
  if (aws === undefined) throw new MedicError(ErrorCode.AwsNotConfigured, { cluster: cluster.name });
  let rgId = aws.replicationGroupId;
  const member = aws.cacheNodeIds?.[0];
  if ((rgId === undefined || rgId === '') && member !== undefined) {
    const out = await call(
      'elasticache:DescribeCacheClusters',
      { region: aws.region, replicationGroupId: member },
      (abortSignal) => ec.send(new DescribeCacheClustersCommand({ CacheClusterId: member }), { abortSignal }),
      opts,
    );
    rgId = out.CacheClusters?.[0]?.ReplicationGroupId;
  }
  if (rgId === undefined || rgId === '') {
    throw new MedicError(ErrorCode.AwsNotConfigured, { cluster: cluster.name });
  }
  return fetchElastiCacheFacts(ec, { region: aws.region, replicationGroupId: rgId }, opts);
}

/** Who else a parameter group's change reaches: replication groups and standalone cache clusters. */
export interface ParameterGroupUsers {
  replicationGroups: string[];
  cacheClusters: string[];
}

/**
 * Every cache cluster of the region using `group`, other than those of `replicationGroupId`:
 * ModifyCacheParameterGroup changes them all at once. DescribeCacheClusters lists each cluster's
 * parameter group; it is paged, so every page is read (a partial list would hide a user).
 */
export async function fetchParameterGroupUsers(
  ec: ElastiCacheClient,
  target: { region: string; replicationGroupId: string; group: string },
  opts: FetchFactsOptions = {},
): Promise<ParameterGroupUsers> {
  const ctx = { region: target.region, replicationGroupId: target.replicationGroupId };
  const groups = new Set<string>();
  const clusters = new Set<string>();
  let marker: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= PAGE_LIMIT * 10) {
      throw new MedicError(ErrorCode.AwsCallFailed, {
        action: 'elasticache:DescribeCacheClusters',
        region: target.region,
        error: 'TooManyPages',
      });
    }
    const out = await call(
      'elasticache:DescribeCacheClusters',
      ctx,
      (abortSignal) =>
        ec.send(
          new DescribeCacheClustersCommand({
            MaxRecords: 100,
            ...(marker !== undefined ? { Marker: marker } : {}),
          }),
          { abortSignal },
        ),
      opts,
    );
    for (const c of out.CacheClusters ?? []) {
      if (c.CacheParameterGroup?.CacheParameterGroupName !== target.group) continue;
      if (c.ReplicationGroupId === target.replicationGroupId) continue;
      if (c.ReplicationGroupId) groups.add(c.ReplicationGroupId);
      else if (c.CacheClusterId) clusters.add(c.CacheClusterId);
    }
    marker = out.Marker;
    if (marker === undefined || marker === '') break;
  }
  return { replicationGroups: [...groups].sort(), cacheClusters: [...clusters].sort() };
}
