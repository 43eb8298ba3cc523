/**
 * The headline "±x %" of a sampled census shrinks as the sample grows, also when a small pattern
 * (1.6 % of the keys) crosses the sightings from which its own estimate counts as reliable: a
 * small sample of it is honestly imprecise, so it widens the headline then instead of being left
 * out and making a larger sample look worse. The samples are seeded draws without replacement from
 * a known keyspace; the truth is the keyspace's construction.
 */
import { describe, expect, it } from 'vitest';
import { PatternTable } from '../../src/census/pattern-table.js';
import { extrapolate } from '../../src/census/sampling.js';
import type { ScannedKey } from '../../src/census/types.js';
import { rng } from '../support/seeded-random.js';

function uuid(next: () => number): string {
  const hex = () => Math.floor(next() * 16).toString(16);
  const run = (n: number) => Array.from({ length: n }, hex).join('');
  return `${run(8)}-${run(4)}-4${run(3)}-a${run(3)}-${run(12)}`;
}

const FAMILIES: readonly [string, number][] = [
  ['session', 30_000],
  ['cart', 15_000],
  ['order', 9_040],
  ['profile', 5_000],
  ['jit', 960], // 1.6 % of 60,000
];

function keyspace(seed: number): ScannedKey[] {
  const next = rng(seed);
  const keys: ScannedKey[] = [];
  for (const [family, n] of FAMILIES) {
    for (let i = 0; i < n; i++) {
      keys.push({ name: Buffer.from(`${family}:${uuid(next)}`), type: 'string', pttlMs: -1, bytes: 80 });
    }
  }
  return keys;
}

function headline(all: readonly ScannedKey[], sample: number, seed: number): number {
  const next = rng(seed);
  const pool = all.slice();
  const table = new PatternTable();
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as ScannedKey, pool[i] as ScannedKey];
    table.add(pool[i] as ScannedKey);
  }
  return extrapolate(table.result(), sample / all.length, sample).errorBound ?? Number.NaN;
}

describe('the sampled headline bound', () => {
  it('does not grow as the sample grows past the sightings where a 1.6 % pattern becomes reliable', () => {
    const all = keyspace(7);
    for (const seed of [1, 2, 3]) {
      const bounds = [500, 3_000, 7_000, 20_000].map((n) => headline(all, n, seed));
      for (let i = 1; i < bounds.length; i++) {
        expect(bounds[i], `seed ${seed}: ${bounds.map((b) => b.toFixed(3))}`).toBeLessThanOrEqual(
          (bounds[i - 1] as number) * 1.1,
        );
      }
      // 500 keys see the 1.6 % family about 8 times: its count is then uncertain by well over ±40 %
      expect(bounds[0]).toBeGreaterThan(0.4);
    }
  });
});
