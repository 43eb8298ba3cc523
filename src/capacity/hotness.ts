/**
 * How hot a pattern's keys are, from a sample: OBJECT FREQ (the LFU counter, 0–255, logarithmic)
 * under an LFU policy, OBJECT IDLETIME (seconds since last access) otherwise; Redis answers only
 * the one that fits the policy. OBJECT does not touch the key, so asking disturbs nothing.
 */
import type { Cluster, Redis } from 'ioredis';

export type HotnessMeasure = 'lfu_freq' | 'idle_seconds';
export type HotnessLevel = 'hot' | 'warm' | 'cold' | 'unknown';

export interface Hotness {
  measure: HotnessMeasure;
  /** Keys that answered (vanished ones and refusals are left out). */
  sampled: number;
  median?: number;
  level: HotnessLevel;
}

export function hotnessMeasure(policy: string): HotnessMeasure {
  return policy.endsWith('-lfu') ? 'lfu_freq' : 'idle_seconds';
}

// LFU: a new key starts at 5 and loses one per lfu-decay-time minute untouched; 20+ means steady use.
// Idle time: touched within the last minute is hot, within a day warm.
export function hotnessLevel(measure: HotnessMeasure, median: number | undefined): HotnessLevel {
  if (median === undefined) return 'unknown';
  if (measure === 'lfu_freq') return median >= 20 ? 'hot' : median >= 5 ? 'warm' : 'cold';
  return median <= 60 ? 'hot' : median <= 86_400 ? 'warm' : 'cold';
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Asks every sampled name, one pipeline; a refused command (ACL, wrong policy) gives `unknown`. */
export async function sampleHotness(
  client: Redis | Cluster,
  policy: string,
  names: readonly string[],
): Promise<Hotness> {
  const measure = hotnessMeasure(policy);
  const sub = measure === 'lfu_freq' ? 'FREQ' : 'IDLETIME';
  const values: number[] = [];
  await Promise.all(
    names.map(async (name) => {
      try {
        const value = await client.call('OBJECT', sub, Buffer.from(name, 'latin1'));
        if (typeof value === 'number') values.push(value);
      } catch {
        // Vanished since the walk, or OBJECT refused: the key is left out of the sample.
      }
    }),
  );
  const m = median(values);
  return {
    measure,
    sampled: values.length,
    ...(m !== undefined ? { median: m } : {}),
    level: hotnessLevel(measure, m),
  };
}
