// What planning and applying a change needs from ElastiCache and from a self-hosted Redis: small ports the server wires to the adapters.
import type { ElastiCacheChanges } from '../aws/elasticache-changes.js';
import type { ElastiCacheFacts, ParameterGroupUsers } from '../aws/elasticache-facts.js';
import type { ClusterConfig } from '../config/types.js';

export type { ElastiCacheChanges, ElastiCacheFacts, ParameterGroupUsers };

/** The facts of a configured ElastiCache cluster (throws the facts adapter's MedicErrors). */
export type ClusterFacts = (cluster: ClusterConfig) => Promise<ElastiCacheFacts>;

/** The other replication groups and cache clusters using a parameter group (the region's, paged). */
export type GroupUsers = (
  cluster: ClusterConfig,
  target: { replicationGroupId: string; group: string },
) => Promise<ParameterGroupUsers>;

/** Reading and setting `maxmemory-policy` on a Redis the bot connects to. */
export interface RedisPolicyAccess {
  /**
   * The policy from INFO and the largest used_memory of the primaries; `config` says whether
   * CONFIG GET answers (ElastiCache and hardened servers disable or rename it); `address` is the
   * entry point without credentials.
   */
  read(cluster: ClusterConfig): Promise<{
    policy: string | undefined;
    usedBytes: number | undefined;
    config: boolean;
    address: string;
    /** The URL reaches a replica (INFO role): its policy is not the one the primary evicts by. */
    replica?: boolean;
  }>;
  /** CONFIG SET on every primary (every node of a Redis Cluster), then CONFIG GET: each node's value. */
  set(cluster: ClusterConfig, policy: string): Promise<{ values: string[] }>;
}

/** maxmemory a node type gets (bytes), from the node catalog; undefined when it is not listed. */
export type NodeMaxmemory = (nodeType: string, reservedMemoryPercent: number) => number | undefined;
