import type { MetricSeries, Note } from '../domain/types.js';

export type { Note } from '../domain/types.js';

/** Where a monitored Redis lives in AWS, as configured per cluster. */
export interface AwsTarget {
  region: string;
  /** ElastiCache replication group id (e.g. `luckyus-isales-market`). */
  replicationGroupId?: string;
  /**
   * Member cache cluster ids (e.g. `luckyus-isales-market-001`), what the console calls node names.
   * Not CloudWatch's `CacheNodeId` dimension, which is `0001` for every Redis/Valkey member.
   */
  cacheNodeIds?: string[];
}

/** The primary of one node group (shard). */
export interface PrimaryMember {
  nodeGroupId: string;
  cacheClusterId: string;
  /** CloudWatch `CacheNodeId` dimension of the member (`0001`). */
  cacheNodeId: string;
}

/** How the cache cluster id to read metrics from was found. */
export type PrimarySource = 'describe' | 'config' | 'convention';

export interface PrimaryNode {
  /** The first node group's primary: the node whose metrics redis-medic reads. */
  cacheClusterId: string;
  /** CloudWatch `CacheNodeId` dimension (`0001` unless DescribeReplicationGroups says otherwise). */
  cacheNodeId: string;
  /** Every node group's primary, first node group first (several only with cluster mode enabled). */
  primaries: PrimaryMember[];
  /** `CacheNodeType` from DescribeReplicationGroups (e.g. `cache.t4g.medium`), when it answered. */
  nodeType?: string;
  source: PrimarySource;
  /** Set when DescribeReplicationGroups failed and a fallback was used. */
  error?: AwsErrorKind;
  notes: Note[];
}

export type AwsErrorKind =
  | 'no_credentials'
  | 'bad_credentials'
  | 'access_denied'
  | 'throttled'
  | 'timeout'
  | 'cancelled'
  | 'unreachable'
  | 'not_found'
  | 'other';

export type TrendResult =
  | { ok: true; cacheClusterId: string; nodeType?: string; series: MetricSeries; notes: Note[] }
  | { ok: false; notes: Note[] };
