import { infoNumber, type KeyspaceDb, parseInfo, parseKeyspace } from '../keyspace/server-facts.js';

/** What one server's INFO says about memory and keys. */
export interface NodeSnapshot {
  address: string;
  role: string;
  /** INFO cluster: the server is a Redis Cluster node (configured as standalone, it shows one shard). */
  clusterEnabled: boolean;
  version: string;
  usedMemoryBytes: number;
  usedMemoryPeakBytes: number;
  usedMemoryRssBytes: number;
  maxmemoryBytes: number;
  totalSystemMemoryBytes: number;
  /** null when maxmemory is 0 (no limit): a percentage of nothing means nothing. */
  memoryPct: number | null;
  fragmentationRatio: number | null;
  maxmemoryPolicy: string;
  evictedKeys: number;
  expiredKeys: number;
  opsPerSec: number;
  connectedClients: number;
  uptimeSeconds: number;
  keys: number;
  keysWithTtl: number;
  dbs: KeyspaceDb[];
}

/** A standalone server, or the primaries of a Redis Cluster summed up. */
export interface RedisSnapshot {
  takenAt: Date;
  mode: 'standalone' | 'cluster';
  nodes: NodeSnapshot[];
  usedMemoryBytes: number;
  usedMemoryPeakBytes: number;
  maxmemoryBytes: number;
  /**
   * Standalone: used / maxmemory. Cluster: the fullest primary's percentage, because one full
   * shard starts evicting (or refusing writes) however empty the others are.
   */
  memoryPct: number | null;
  fragmentationRatio: number | null;
  maxmemoryPolicy: string;
  /** More than one policy across primaries: worth saying out loud. */
  policyMismatch: boolean;
  evictedKeys: number;
  expiredKeys: number;
  opsPerSec: number;
  connectedClients: number;
  keys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  version: string;
}

/**
 * One node's figures from its INFO. `onlyDb`: the DB the target's URL names; its keys are the only
 * ones counted (memory is the server's whatever the DB).
 */
export function nodeSnapshotFromInfo(address: string, infoText: string, onlyDb?: number): NodeSnapshot {
  const info = parseInfo(infoText);
  const dbs = parseKeyspace(info.keyspace).filter((d) => onlyDb === undefined || d.db === onlyDb);
  const used = infoNumber(info, 'memory', 'used_memory');
  const max = infoNumber(info, 'memory', 'maxmemory');
  const frag = info.memory?.mem_fragmentation_ratio;
  return {
    address,
    role: info.replication?.role ?? 'master',
    clusterEnabled: info.cluster?.cluster_enabled === '1',
    version: info.server?.valkey_version ?? info.server?.redis_version ?? 'unknown',
    usedMemoryBytes: used,
    usedMemoryPeakBytes: infoNumber(info, 'memory', 'used_memory_peak'),
    usedMemoryRssBytes: infoNumber(info, 'memory', 'used_memory_rss'),
    maxmemoryBytes: max,
    totalSystemMemoryBytes: infoNumber(info, 'memory', 'total_system_memory'),
    memoryPct: max > 0 ? (used / max) * 100 : null,
    fragmentationRatio: frag !== undefined && Number.isFinite(Number(frag)) ? Number(frag) : null,
    maxmemoryPolicy: info.memory?.maxmemory_policy ?? 'unknown',
    evictedKeys: infoNumber(info, 'stats', 'evicted_keys'),
    expiredKeys: infoNumber(info, 'stats', 'expired_keys'),
    opsPerSec: infoNumber(info, 'stats', 'instantaneous_ops_per_sec'),
    connectedClients: infoNumber(info, 'clients', 'connected_clients'),
    uptimeSeconds: infoNumber(info, 'server', 'uptime_in_seconds'),
    keys: dbs.reduce((sum, db) => sum + db.keys, 0),
    keysWithTtl: dbs.reduce((sum, db) => sum + db.expires, 0),
    dbs,
  };
}

export function combineNodes(
  mode: 'standalone' | 'cluster',
  nodes: NodeSnapshot[],
  takenAt = new Date(),
): RedisSnapshot {
  const sum = (pick: (n: NodeSnapshot) => number) => nodes.reduce((total, n) => total + pick(n), 0);
  const pcts = nodes.map((n) => n.memoryPct).filter((p): p is number => p !== null);
  const used = sum((n) => n.usedMemoryBytes);
  const rss = sum((n) => n.usedMemoryRssBytes);
  const policies = new Set(nodes.map((n) => n.maxmemoryPolicy));
  const keys = sum((n) => n.keys);
  const keysWithTtl = sum((n) => n.keysWithTtl);
  const first = nodes[0];
  return {
    takenAt,
    mode,
    nodes,
    usedMemoryBytes: used,
    usedMemoryPeakBytes: sum((n) => n.usedMemoryPeakBytes),
    maxmemoryBytes: sum((n) => n.maxmemoryBytes),
    memoryPct: pcts.length > 0 ? Math.max(...pcts) : null,
    fragmentationRatio:
      nodes.length === 1 ? (first?.fragmentationRatio ?? null) : used > 0 ? rss / used : null,
    maxmemoryPolicy: first?.maxmemoryPolicy ?? 'unknown',
    policyMismatch: policies.size > 1,
    evictedKeys: sum((n) => n.evictedKeys),
    expiredKeys: sum((n) => n.expiredKeys),
    opsPerSec: sum((n) => n.opsPerSec),
    connectedClients: sum((n) => n.connectedClients),
    keys,
    keysWithTtl,
    keysWithoutTtl: keys - keysWithTtl,
    version: first?.version ?? 'unknown',
  };
}
