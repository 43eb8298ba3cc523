/**
 * The glob questions config validation asks (`literalPrefix`, `globMayMatchPrefix`) answered byte
 * for byte as Redis reads the glob: the truth is what `SCAN MATCH` selects on a real redis-server,
 * over key names built from each prefix and ASCII, multibyte and raw-byte tails. Whether two globs
 * can select the same key (`globsOverlap`): a witness key that Redis matches with both, or no key
 * among many candidates that Redis matches with both.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { globMayMatchPrefix, literalPrefix } from '../../src/keyspace/glob.js';
import { globsOverlap } from '../../src/keyspace/glob-overlap.js';

const PREFIXES = ['é:', 'bull:', 'redis-medic:', '中:', 'a'];
const TAILS: Buffer[] = [
  ...['', 'x', ':', 'é', '中', 'x:1', ':é'].map((s) => Buffer.from(s, 'utf8')),
  Buffer.from([0xa9]),
  Buffer.from([0xff]),
];
const GLOBS = [
  '[Ã]?:*',
  '?:*',
  '??:*',
  '[é]:*',
  '[à-ÿ]?:*',
  '\\é:*',
  'é*',
  '[^b]*',
  'b?ll:*',
  'redis-medic:*',
  'redis-medic',
  '[a-z]*',
  '中?*',
  '*',
];

let server: LocalRedis;
let redis: Redis;
const names: Buffer[] = PREFIXES.flatMap((p) => TAILS.map((t) => Buffer.concat([Buffer.from(p, 'utf8'), t])));

async function scanMatch(glob: string): Promise<Buffer[]> {
  const found: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', glob, 'COUNT', 1000);
    cursor = String(next);
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

beforeAll(async () => {
  server = await startLocalRedis();
  redis = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await redis.connect();
  const pipeline = redis.pipeline();
  for (const name of names) pipeline.set(name, '1');
  await pipeline.exec();
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('glob questions, against SCAN MATCH', () => {
  it('never says a glob cannot reach a prefix when Redis matches a key with that prefix', async () => {
    const wrong: string[] = [];
    for (const glob of GLOBS) {
      const matched = await scanMatch(glob);
      for (const prefix of PREFIXES) {
        const p = Buffer.from(prefix, 'utf8');
        const reached = matched.some((k) => k.subarray(0, p.length).equals(p));
        if (reached && !globMayMatchPrefix(glob, prefix)) wrong.push(`${glob} reaches ${prefix}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('says no where no key of the prefix can match, byte for byte (`?` is one byte)', async () => {
    for (const [glob, prefix] of [
      ['?:*', 'é:'],
      ['[é]:*', 'é:'],
      ['redis-medic', 'redis-medic:'],
      ['b?ll:*', 'redis-medic:'],
    ] as const) {
      const p = Buffer.from(prefix, 'utf8');
      const matched = (await scanMatch(glob)).filter((k) => k.subarray(0, p.length).equals(p));
      expect(matched, `${glob} on ${prefix}`).toEqual([]);
      expect(globMayMatchPrefix(glob, prefix), `${glob} on ${prefix}`).toBe(false);
    }
  });

  it('every key Redis matches starts with the literal prefix', async () => {
    for (const glob of GLOBS) {
      const lit = Buffer.from(literalPrefix(glob), 'utf8');
      for (const key of await scanMatch(glob)) {
        expect(key.subarray(0, lit.length).equals(lit), `${glob}: ${key.toString('hex')}`).toBe(true);
      }
    }
    expect(literalPrefix('\\é:*')).toBe('é:');
  });
});

/** Pairs some key matches both of (`globsOverlap` must find a witness Redis agrees with). */
const OVERLAPPING: [string, string][] = [
  ['cache:*', 'cache:*:price'],
  ['cache:*:price', '*:price'],
  ['cache:*:price', 'cache:user:*'],
  ['cache:*:price', 'cache:*:*price'],
  ['*a*', '*b*'],
  ['a?c', '[a-c]b[^x]'],
  ['x[^a]*', 'x*y'],
  ['\\*', '?'],
  ['k:[0-9]*:p', 'k:1*p'],
  ['a\\*b', 'a\\*b*'],
];

/** Pairs no key matches both of. */
const DISJOINT: [string, string][] = [
  ['cache:*:price', 'cache:*:coupon'],
  ['cache:*:price', 'cache:*:prices'],
  ['*:a', '*:b'],
  ['cache:*[0-4]', 'cache:*[5-9]'],
  ['cache:*?x', 'cache:*y'],
  ['a\\*', 'a\\?'],
  ['k:[0-9]*', 'k:[a-z]*'],
  ['k:[^a-z]', 'k:[a-z]'],
  ['a?', 'a??*'],
  ['a*b', '*c'],
  // An unclosed empty class matches nothing.
  ['q[', 'q*'],
];

describe('whether two globs can select the same key, against SCAN MATCH', () => {
  it('finds a key both globs match, and Redis matches it with both', async () => {
    for (const [a, b] of OVERLAPPING) {
      const witness = globsOverlap(a, b);
      expect(witness, `${a} vs ${b}`).not.toBeNull();
      expect(globsOverlap(b, a), `${b} vs ${a}`).not.toBeNull();
      const key = Buffer.from(witness ?? new Uint8Array());
      await redis.set(key, '1');
      const inA = (await scanMatch(a)).some((k) => k.equals(key));
      const inB = (await scanMatch(b)).some((k) => k.equals(key));
      await redis.del(key);
      expect([inA, inB], `${a} vs ${b}: ${key.toString('hex')}`).toEqual([true, true]);
    }
  });

  it('says no only when Redis matches no candidate key with both', async () => {
    const tails = [
      '',
      'x',
      'y',
      'a',
      'b',
      ':a',
      ':b',
      '0',
      '5',
      'price',
      'coupon',
      'prices',
      ':price',
      ':coupon',
    ];
    const heads = ['cache:', 'cache:u:', 'k:', 'k:1', 'a', 'a*', 'a?', 'ab', 'abc', ':', 'q', 'q['];
    const candidates = heads
      .flatMap((h) => tails.map((t) => Buffer.from(h + t, 'latin1')))
      .filter((k) => !names.some((n) => n.equals(k)));
    const pipeline = redis.pipeline();
    for (const k of candidates) pipeline.set(k, '1');
    await pipeline.exec();
    try {
      for (const [a, b] of DISJOINT) {
        expect(globsOverlap(a, b), `${a} vs ${b}`).toBeNull();
        expect(globsOverlap(b, a), `${b} vs ${a}`).toBeNull();
        const inA = await scanMatch(a);
        const both = (await scanMatch(b)).filter((k) => inA.some((x) => x.equals(k)));
        expect(both.map(String), `${a} vs ${b}`).toEqual([]);
      }
    } finally {
      await redis.del(...candidates);
    }
  });
});
