/**
 * What the loader writes through, and how a cluster key finds its primary; the raw RESP writer and
 * the ioredis pipeline writer both implement it.
 */
import type { Cluster } from 'ioredis';
import { clusterKeySlot } from './cluster-slot.js';
import type { DatasetRecord } from './types.js';

/**
 * Takes records one at a time (encoded or queued at once, so batches hold no record objects) and
 * sends them per `flush()`, which resolves once the server(s) acknowledged all of that batch and
 * rejects on any error reply.
 */
export interface Writer {
  add(rec: DatasetRecord): void;
  flush(): Promise<void>;
  close(): void;
}

export function slotOwner(cluster: Cluster, key: string): string {
  const owner = cluster.slots[clusterKeySlot(key)]?.[0];
  if (!owner) throw new Error(`no cluster node serves the slot of ${key}`);
  return owner;
}
