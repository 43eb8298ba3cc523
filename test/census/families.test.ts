/**
 * Families, not tokens: typed tokens that run across delimiters (IPv6, JWT, ISO weeks, ids beside
 * words), positions that vary found by comparing keys (a position with more than VARIES_AT distinct
 * values among otherwise equal templates), independent of key order, and kept through a checkpoint.
 * Truth: the globs applied to the keys (keyspace/glob.ts) and the keys' construction.
 */
import { describe, expect, it } from 'vitest';
import { inferPattern } from '../../src/census/key-pattern.js';
import { PatternTable, type PatternTableResult } from '../../src/census/pattern-table.js';
import type { ScannedKey } from '../../src/census/types.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { rng, shuffled as shuffle } from '../support/seeded-random.js';

const infer = (key: string, delimiters?: string) =>
  inferPattern(Buffer.from(key), delimiters ? { delimiters } : {});
const key = (name: string, pttlMs = -1): ScannedKey => ({
  name: Buffer.from(name),
  type: 'string',
  pttlMs,
  bytes: 64,
});

function census(names: readonly ScannedKey[]): PatternTableResult {
  const table = new PatternTable();
  for (const k of names) table.add(k);
  return table.result();
}

const figures = (r: PatternTableResult) =>
  r.patterns
    .map((p) => `${p.pattern} ${p.keys} ${p.keysWithoutTtl} ${p.overlapKeys ?? 0}`)
    .sort()
    .join('\n');

describe('typed tokens across delimiters', () => {
  it.each([
    ['rl:2001:db8:1f:2e::7', 'rl:*'],
    ['rl:fe80::1a:2b', 'rl:*'],
    ['rl:2a02:1:2:3:4:5:6ff:fe07:hits', 'rl:*:hits'],
    ['rl:10.0.0.1', 'rl:*'],
    ['jwt:deny:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.Qk3x_9-Vb2sYz1QwErTy', 'jwt:deny:*'],
    ['leaderboard:2024-W01', 'leaderboard:*'],
    ['leaderboard:2024W52-7', 'leaderboard:*'],
    ['celery-task-meta-6f1c9a02-1b2c-4d3e-8f90-1234567890ab', 'celery-task-meta-*'],
  ])('%s → %s', (name, pattern) => {
    expect(infer(name)).toBe(pattern);
    expect(compileGlob(pattern)(Buffer.from(name))).toBe(true);
  });

  it('keeps what only looks like an address or a token literal', () => {
    expect(infer('a::b')).toBe('a::b');
    expect(infer('cafe:babe:x')).toBe('cafe:babe:x');
    expect(infer('a:1:2:3')).toBe('a:*:*:*');
  });

  it('cuts at `/` too in the table (Rails cache keys are families, not one random token)', () => {
    const r = census(
      Array.from({ length: 50 }, (_, i) =>
        key(`views/products/${i + 1}-20240414152039634296/c86f67a${i}b7c8d9e0f`),
      ),
    );
    expect(r.patterns.map((p) => p.pattern)).toEqual(['views/products/*/*']);
  });
});

describe('positions that vary, found by comparing keys', () => {
  it('folds a position with many distinct values, whatever they look like, and keeps a few apart', () => {
    const names: ScannedKey[] = [];
    const next = rng(3);
    // session ids whose random text sometimes reads like words: 300 of them
    for (let i = 0; i < 300; i++)
      names.push(key(`sess:${Math.floor(next() * 1e9).toString(36)}-a_b${i}q`, 3_600_000));
    // 30 feature flags: a family; 8 queue states: separate keys a person names one by one
    for (let i = 0; i < 30; i++)
      names.push(key(`flipper:feature:flag_${String.fromCharCode(97 + (i % 26))}${i}x`));
    for (const s of ['meta', 'id', 'wait', 'active', 'completed', 'failed', 'delayed', 'paused']) {
      names.push(key(`bull:emails:${s}`));
    }
    for (let i = 0; i < 40; i++) names.push(key(`bull:emails:${i + 1}`));
    // the first segment is not special: tenants before a shared rest
    for (let i = 0; i < 25; i++)
      names.push(key(`tenant${String.fromCharCode(97 + (i % 26))}${'xyz'[i % 3]}:settings:${i}`));
    const r = census(names);
    const by = new Map(r.patterns.map((p) => [p.pattern, p]));
    expect(by.get('sess:*')?.keys).toBe(300);
    expect(by.get('sess:*')?.keysWithoutTtl).toBe(0);
    expect(by.get('flipper:feature:*')?.keys).toBe(30);
    expect(by.get('bull:emails:*')?.keys).toBe(40);
    expect(by.get('bull:emails:meta')?.keys).toBe(1);
    expect(by.get('*:settings:*')?.keys).toBe(25);
    // each glob matches every key counted under it, and the reported overlap is what else it selects
    for (const p of r.patterns) {
      const glob = compileGlob(p.pattern);
      const selected = names.filter((k) => glob(k.name)).length;
      expect(selected, p.pattern).toBe(p.keys + (p.overlapKeys ?? 0));
    }
    expect(by.get('bull:emails:*')?.overlapKeys).toBe(8);
  });

  it('gives numeric-only keys their own pattern, which keeps "never expires"', () => {
    const names = [
      ...Array.from({ length: 100 }, (_, i) => key(String(10_000 + i))),
      ...Array.from({ length: 20 }, (_, i) =>
        key(`6f1c9a02-1b2c-4d3e-8f90-1234567890${String(i).padStart(2, '0')}`, 60_000),
      ),
    ];
    const r = census(names);
    const numeric = r.patterns.find((p) => p.pattern === '[0-9]*');
    expect(numeric?.keys).toBe(100);
    expect(numeric?.keysWithoutTtl).toBe(100);
    // the UUID-only keys start with a digit too: the overlap says so
    expect(numeric?.overlapKeys).toBe(20);
  });

  it('never folds keys into a catch-all: single-word keys stay themselves', () => {
    const words = Array.from(
      { length: 30 },
      (_, i) => `queue${String.fromCharCode(97 + (i % 26))}${'xyz'[i % 3]}`,
    );
    const r = census([
      ...words.map((w) => key(w)),
      ...Array.from({ length: 50 }, (_, i) => key(`${1000 + i}`)),
    ]);
    expect(r.patterns.find((p) => p.pattern === '*')).toBeUndefined();
    expect(r.patterns.filter((p) => words.includes(p.pattern)).length).toBe(30);
    expect(r.patterns.find((p) => p.pattern === '[0-9]*')?.keys).toBe(50);
  });

  it('finds the same patterns and counts in any key order', () => {
    const names: ScannedKey[] = [];
    for (let i = 0; i < 200; i++)
      names.push(key(`user:${['alpha', 'beta', 'gamma'][i % 3]}${i}z:cart`, i % 2 ? -1 : 60_000));
    for (let i = 0; i < 60; i++) names.push(key(`flag:${'abcdefghij'[i % 10]}${'klmnop'[i % 6]}word`));
    for (let i = 0; i < 15; i++) names.push(key(`queue:${['default', 'mailers', 'low'][i % 3]}:${i}`));
    for (let i = 0; i < 120; i++) names.push(key(`org${i % 40}x:team${i % 7}y:members`));
    const first = figures(census(names));
    for (const seed of [1, 2, 3, 4]) expect(figures(census(shuffle(names, seed)))).toBe(first);
  });

  it('goes on from a checkpoint exactly as an uninterrupted table would', () => {
    const names: ScannedKey[] = [];
    for (let i = 0; i < 400; i++) names.push(key(`sess:${(i * 7919).toString(36)}q-${i % 5}x_${i}`));
    for (let i = 0; i < 100; i++) names.push(key(`bull:q:${i}`));
    for (let i = 0; i < 30; i++) names.push(key(`bull:q:${i}:logs`));
    const order = shuffle(names, 9);
    const whole = census(order);
    const first = new PatternTable();
    for (const k of order.slice(0, 150)) first.add(k);
    const resumed = PatternTable.restore({}, JSON.parse(JSON.stringify(first.state())));
    for (const k of order.slice(150)) resumed.add(k);
    expect(figures(resumed.result())).toBe(figures(whole));
  });
});

describe('overlap in a sampled census', () => {
  it('is scaled with the keys: a half sample reports twice the overlap it saw', async () => {
    const { extrapolate } = await import('../../src/census/sampling.js');
    const names: ScannedKey[] = [];
    for (let i = 0; i < 200; i++) names.push(key(`bull:emails:${i + 1}`));
    for (let i = 0; i < 60; i++) names.push(key(`bull:emails:${i + 1}:logs`));
    const seen = census(names);
    const truth = names.filter((k) => compileGlob('bull:emails:*')(k.name)).length - 200;
    expect(seen.patterns.find((p) => p.pattern === 'bull:emails:*')?.overlapKeys).toBe(truth);
    const scaled = extrapolate(seen, 0.5, names.length);
    expect(scaled.patterns.find((p) => p.pattern === 'bull:emails:*')?.overlapKeys).toBe(2 * truth);
  });
});
