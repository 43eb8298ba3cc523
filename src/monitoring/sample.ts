/**
 * One monitoring sample of a cluster (INFO of every primary, summed by redis/snapshot.ts) and its
 * compact text form on the queue Redis: one sorted-set member of comma-separated integers (about
 * 85 bytes; with the sorted set's own overhead a day of 1-minute points is about 270 KB, and the
 * 14-day retention, thinned as history-store.ts does, about 1.1 MB: `npm run bench -- --only monitoring`).
 */
import type { RedisSnapshot } from '../redis/snapshot.js';

export interface MonitoringSample {
  /** The tick's scheduled time (ms since the epoch): the same on every replica. */
  at: number;
  usedMemory: number;
  maxmemory: number;
  /** The fullest primary's used / maxmemory; null when maxmemory is 0. */
  memoryPct: number | null;
  keys: number;
  keysWithTtl: number;
  evicted: number;
  expired: number;
  opsPerSec: number;
  fragmentation: number | null;
  clients: number;
  /** Primaries read. */
  nodes: number;
  /**
   * Evictions counted per primary since the bot first sampled the cluster (alert-machine.ts
   * countEvictions): never goes down when a primary restarts or joins, unlike the sum of
   * `evicted_keys`, so the difference of two points is the evictions between them, however thinned
   * the history is. Absent in points written before it existed.
   */
  evictedTotal?: number;
}

export function sampleFromSnapshot(at: number, s: RedisSnapshot): MonitoringSample {
  return {
    at,
    usedMemory: s.usedMemoryBytes,
    maxmemory: s.maxmemoryBytes,
    memoryPct: s.memoryPct,
    keys: s.keys,
    keysWithTtl: s.keysWithTtl,
    evicted: s.evictedKeys,
    expired: s.expiredKeys,
    opsPerSec: s.opsPerSec,
    fragmentation: s.fragmentationRatio,
    clients: s.connectedClients,
    nodes: s.nodes.length,
  };
}

/** Percent and ratio in hundredths so every field is an integer; `-` for "not known". */
export function encodeSample(s: MonitoringSample): string {
  const hundredths = (n: number | null) => (n === null ? '-' : String(Math.round(n * 100)));
  return [
    s.at,
    s.usedMemory,
    s.maxmemory,
    hundredths(s.memoryPct),
    s.keys,
    s.keysWithTtl,
    s.evicted,
    s.expired,
    Math.round(s.opsPerSec),
    hundredths(s.fragmentation),
    s.clients,
    s.nodes,
    ...(s.evictedTotal === undefined ? [] : [s.evictedTotal]),
  ].join(',');
}

/** The member back into a sample; undefined for anything malformed (never trusted blindly). */
export function decodeSample(member: string): MonitoringSample | undefined {
  const parts = member.split(',');
  if (parts.length !== 12 && parts.length !== 13) return undefined;
  const num = (i: number) => Number(parts[i]);
  const hundredths = (i: number) => (parts[i] === '-' ? null : num(i) / 100);
  const sample: MonitoringSample = {
    at: num(0),
    usedMemory: num(1),
    maxmemory: num(2),
    memoryPct: hundredths(3),
    keys: num(4),
    keysWithTtl: num(5),
    evicted: num(6),
    expired: num(7),
    opsPerSec: num(8),
    fragmentation: hundredths(9),
    clients: num(10),
    nodes: num(11),
    ...(parts.length === 13 && Number.isFinite(num(12)) ? { evictedTotal: num(12) } : {}),
  };
  const numbers = [sample.at, sample.usedMemory, sample.maxmemory, sample.keys, sample.keysWithTtl];
  return numbers.every(Number.isFinite) ? sample : undefined;
}
