import { describe, expect, it } from 'vitest';
import { displayKey, inferPattern, PatternInferrer } from '../../src/census/key-pattern.js';
import { describeDataset, generateDataset } from '../../src/demo/dataset.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { rng } from '../support/seeded-random.js';

const infer = (key: string | Buffer, delimiters?: string): string =>
  inferPattern(typeof key === 'string' ? Buffer.from(key) : key, delimiters ? { delimiters } : {});
const matches = (glob: string | Buffer, key: string | Buffer): boolean =>
  compileGlob(glob)(typeof key === 'string' ? Buffer.from(key) : key);

/**
 * The generator's globs are the ground truth. Four of them put two variable segments under one
 * `*` (`marketing:campaign:push:2026021201:<user>` is `marketing:campaign:push:*`); the inference
 * rule "each variable segment is its own `*`" gives `…:*:*` for those: same keys, one more segment.
 */
const MULTI_SEGMENT_GLOBS: Record<string, string> = {
  'marketing:campaign:push:*': 'marketing:campaign:push:*:*',
  'store:menu:cache:*': 'store:menu:cache:*:*',
  'order:snapshot:*': 'order:snapshot:*:*',
  'marketing:coupon:claimed:*': 'marketing:coupon:claimed:*:*',
};

describe('inferPattern on the demo dataset', () => {
  for (const seed of [20260212, 7]) {
    it(`maps every key of each generator pattern to that pattern's glob (seed ${seed})`, () => {
      const keys = 60_000;
      const spec = describeDataset({ keys, seed });
      const counts = new Map<string, number>();
      const wrong: string[] = [];
      for (const rec of generateDataset({ keys, seed })) {
        const name = Buffer.from(rec.key);
        const expected = MULTI_SEGMENT_GLOBS[rec.pattern] ?? rec.pattern;
        const got = inferPattern(name);
        if (got !== expected && wrong.length < 5) wrong.push(`${rec.key} → ${got} (expected ${expected})`);
        counts.set(got, (counts.get(got) ?? 0) + 1);
        // both globs match the key
        expect(compileGlob(got)(name)).toBe(true);
      }
      expect(wrong).toEqual([]);
      // one inferred pattern per generator pattern, with exactly its key count
      expect(counts.size).toBe(Object.keys(spec.patterns).length);
      for (const p of Object.values(spec.patterns)) {
        expect(counts.get(MULTI_SEGMENT_GLOBS[p.pattern] ?? p.pattern)).toBe(p.keys);
      }
    });
  }

  it('keeps the four multi-segment generator globs as supersets of the inferred ones', () => {
    for (const [glob, inferred] of Object.entries(MULTI_SEGMENT_GLOBS)) {
      expect(matches(glob, inferred.replaceAll('*', 'x'))).toBe(true);
    }
  });
});

describe('inferPattern rules', () => {
  it.each([
    // the brief's examples
    ['contact:last:activity:12345', 'contact:last:activity:*'],
    ['session:6f1c9a02-1b2c-4d3e-8f90-1234567890ab', 'session:*'],
    ['order:snapshot:20260212:98765', 'order:snapshot:*:*'],
    ['cart:{12345}:items', 'cart:{*}:items'],
    // numbers, including negative and decimal; epoch-like numbers are numbers
    ['n:-42', 'n:*'],
    ['n:3.14', 'n:*'],
    ['t:1770906900', 't:*'],
    ['t:1770906900123', 't:*'],
    ['a:1:2:3', 'a:*:*:*'],
    // dates and times
    ['d:20260212', 'd:*'],
    ['d:2026-02-12', 'd:*'],
    ['d:2026/02/12', 'd:*'],
    ['d:2026-02-12T14:00:00Z:x', 'd:*:x'],
    ['d:2026-02-12T14:00:00.123+08:00', 'd:*'],
    ['d:20260212T140000Z', 'd:*'],
    ['d:2026-02-12 14:00', 'd:*'],
    // ids
    ['h:6f1c9a02', 'h:*'],
    ['h:DEADBEEF', 'h:*'],
    ['h:deadbeef', 'h:*'],
    ['h:0x1f', 'h:*'],
    ['h:6F1C9A021B2C4D3E8F901234567890AB', 'h:*'],
    ['h:6f1c9a021b2c4d3e8f901234567890ab', 'h:*'],
    ['h:6f1c9a02-1b2c-4d3e-8f90-1234567890ab.json', 'h:*.json'],
    ['e:bob@example.com', 'e:*'],
    ['ip:10.0.0.1', 'ip:*'],
    ['ip:10.0.0.1:6379', 'ip:*:*'],
    ['phone:+1-555-123-4567', 'phone:*'],
    ['ver:1.2.3', 'ver:*'],
    // tokens
    ['tok:k3Jd9aZ1', 'tok:*'],
    ['tok:V1StGXR8_Z5jdHi6B-myT', 'tok:*'],
    ['tok:dGhpcyBpcyBhIHRlc3QgdG9rZW4x', 'tok:*'],
    ['tok:QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'tok:*'],
    ['tok:hTXqPZkWvRnBcYdLmGfJsKQE', 'tok:*'],
    // glued digits: >= 4 become `*` in place; short ones stay
    ['u123456', 'u*'],
    ['tenant0001:x', 'tenant*:x'],
    ['coupon:CP12345678', 'coupon:CP*'],
    ['{user1000}.following', '{user*}.following'],
    ['user_12345_profile', 'user_*_profile'],
    ['report_2026-02-12', 'report_*-*-*'],
    ['shard_3', 'shard_*'],
    // fully variable / words
    ['12345', '*'],
    ['6f1c9a02-1b2c-4d3e-8f90-1234567890ab', '*'],
    ['hello', 'hello'],
  ])('%s → %s', (key, pattern) => {
    expect(infer(key)).toBe(pattern);
    expect(matches(pattern, key)).toBe(true);
  });

  it.each([
    'api:v2:users',
    'cache:sha256:index',
    'net:ipv4:routes',
    'db:utf8mb4:names',
    'contact:userGroupLabel:set',
    'MARKETING:COUPON:UNREAD',
    'exchange:coupon:high:commodity:price',
    'feature_flags:dark-mode',
    'x:userGroupLabelSetCache',
    'HTTPSConnectionPoolManager',
    'bull:emails:wait',
    'a::b',
    'k8s:pods',
    'city:北京:stores',
    'iPhone12Pro:stock',
    '',
  ])('keeps %j literal', (key) => {
    expect(infer(key)).toBe(key);
  });

  it('gives consecutive variable segments a `*` each', () => {
    expect(infer('a:123:456:b')).toBe('a:*:*:b');
    expect(infer('a:123:6f1c9a02:bob@x.io')).toBe('a:*:*:*');
  });

  it('treats a hash tag like a segment, splitting it at the delimiters too', () => {
    expect(infer('{12345}')).toBe('{*}');
    expect(infer('{user:42}:cart')).toBe('{user:*}:cart');
    expect(infer('cart:{abc}:items')).toBe('cart:{abc}:items');
    // only the first `{…}` is a tag (Redis Cluster), an empty `{}` is none
    expect(infer('a:{1}:{2}')).toBe('a:{*}:{2}');
    expect(infer('a:{}:1')).toBe('a:{}:*');
  });

  it('escapes the glob specials of literal segments so the pattern matches its key', () => {
    for (const key of ['a:*:b', 'what?:x', 'arr[0]:x', 'back\\slash:x', 'x]y', 'mix:*?[\\:42']) {
      const pattern = infer(key);
      expect(matches(pattern, key)).toBe(true);
      // and not a key that only the unescaped glob would match
      expect(matches(pattern, `${key}zz`)).toBe(key.endsWith('42'));
    }
    expect(infer('a:*:b')).toBe('a:\\*:b');
    expect(infer('mix:*?[\\:42')).toBe('mix:\\*\\?\\[\\\\:*');
  });

  it('splits on every configured delimiter', () => {
    expect(infer('user|42|profile', '|')).toBe('user|*|profile');
    expect(infer('user/42:profile.v2', '/:')).toBe('user/*:profile.v2');
    // with `.` as a delimiter an IP is four numbers
    expect(infer('ip.10.0.0.1', '.')).toBe('ip.*.*.*.*');
    expect(infer('contact:last:activity:12345', '|')).toBe('contact:last:activity:*'); // glued digits
    expect(() => new PatternInferrer({ delimiters: '*' })).toThrow(/delimiter/);
    expect(() => new PatternInferrer({ delimiters: '' })).toThrow(/empty/);
    expect(() => new PatternInferrer({ delimiters: 'é' })).toThrow(/delimiter/);
  });

  it('cuts very long patterns at a segment boundary, still matching', () => {
    const key = `${Array.from({ length: 200 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}`).join(':')}`;
    const pattern = infer(key);
    expect(Buffer.byteLength(pattern)).toBeLessThanOrEqual(520);
    expect(pattern.endsWith(':*')).toBe(true);
    expect(matches(pattern, key)).toBe(true);
  });
});

describe('binary key names', () => {
  it('makes binary segments `*`, keeps text ones, and displays bytes escaped', () => {
    const key = Buffer.from([0xff, 0x00, 0x3a, 0x61, 0x62, 0x3a, 0xc3, 0xa9, 0x3a, 0xe2, 0x80, 0xae]);
    // \xff\x00 (invalid UTF-8, control) · "ab" · "é" · U+202E (a bidi override: not kept literal)
    expect(inferPattern(key)).toBe('*:ab:é:*');
    expect(displayKey(key)).toBe('\\xff\\x00:ab:é:\\xe2\\x80\\xae');
    expect(compileGlob(inferPattern(key))(key)).toBe(true);
  });

  it.each([
    [[0x75, 0x3a, 0x80], 'u:*', 'u:\\x80'],
    [[0x75, 0x3a, 0xc3], 'u:*', 'u:\\xc3'], // truncated sequence
    [[0x75, 0x3a, 0xc0, 0xaf], 'u:*', 'u:\\xc0\\xaf'], // overlong '/'
    [[0x75, 0x3a, 0xed, 0xa0, 0x80], 'u:*', 'u:\\xed\\xa0\\x80'], // surrogate
    [[0x75, 0x3a, 0x0a], 'u:*', 'u:\\x0a'],
    [[0x75, 0x3a, 0x7f], 'u:*', 'u:\\x7f'],
    [[0x75, 0x3a, 0xc2, 0x85], 'u:*', 'u:\\xc2\\x85'], // C1 NEL
    [[0x5c, 0x3a, 0x31], '\\\\:*', '\\\\:1'],
    [[0xf0, 0x9f, 0x98, 0x80, 0x3a, 0x31], '😀:*', '😀:1'],
  ])('%j → pattern %s, display %s', (bytes, pattern, display) => {
    const key = Buffer.from(bytes);
    expect(inferPattern(key)).toBe(pattern);
    expect(displayKey(key)).toBe(display);
    expect(compileGlob(inferPattern(key))(key)).toBe(true);
  });

  it('displays names unambiguously (distinct names never display alike)', () => {
    expect(displayKey(Buffer.from('a\\x00'))).toBe('a\\\\x00');
    expect(displayKey(Buffer.from([0x61, 0x00]))).toBe('a\\x00');
    expect(displayKey(Buffer.from('plain:key'))).toBe('plain:key');
    expect(displayKey(Buffer.from('Grüße:1'))).toBe('Grüße:1');
    expect(displayKey(Buffer.alloc(0))).toBe('');
  });

  it('infers a glob that matches its key, for random byte strings', () => {
    const next = rng(42);
    const alphabet = [
      0x00, 0x3a, 0x3a, 0x2a, 0x3f, 0x5b, 0x5d, 0x5c, 0x7b, 0x7d, 0x2d, 0x5f, 0x2e, 0x40, 0xff, 0xc3, 0xa9,
    ];
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(next() * 24);
      const bytes = Buffer.alloc(len);
      for (let k = 0; k < len; k++) {
        const r = next();
        bytes[k] =
          r < 0.35
            ? (alphabet[Math.floor(next() * alphabet.length)] as number)
            : r < 0.6
              ? 0x30 + Math.floor(next() * 10)
              : r < 0.9
                ? 0x61 + Math.floor(next() * 26)
                : Math.floor(next() * 256);
      }
      const pattern = inferPattern(bytes);
      if (!compileGlob(pattern)(bytes)) throw new Error(`${displayKey(bytes)} → ${pattern} does not match`);
    }
  });
});

describe('compileGlob (Redis stringmatchlen)', () => {
  it.each([
    // pattern, key, match
    ['*', '', true], // SCAN/KEYS special-case a lone `*`
    ['**', '', false], // stringmatchlen never matches "" with a non-empty pattern
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*:*', 'a:b:c', true],
    ['*a', 'bba', true],
    ['*a', 'bab', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[z-a]llo', 'hmllo', true], // reversed range
    ['[\\]]', ']', true], // escaped `]` in a class
    ['[\\-]', '-', true],
    ['[]a]', ']', false], // `[]` is an empty class, then `a]`
    ['[]a]', 'a]', false],
    ['[a-]', '^', true], // `a-]` is the range `]`..`a`, and the class is never closed
    ['[abc', 'b', true], // unterminated class
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a\\', 'a\\', true], // trailing backslash is literal
    ['\\\\', '\\', true],
    ['user:\\[1\\]', 'user:[1]', true],
    ['cart:{*}:items', 'cart:{12}:items', true],
    ['contact:last:activity:*', 'contact:last:activity:', true],
    ['contact:last:activity:*', 'contact:last:activit', false],
  ])('%j vs %j → %s', (glob, key, expected) => {
    expect(matches(glob, key)).toBe(expected);
  });

  it('matches bytes: binary names against a byte glob', () => {
    const key = Buffer.from([0xff, 0x00, 0x3a, 0x31]);
    expect(compileGlob(Buffer.from([0xff, 0x3f, 0x3a, 0x2a]))(key)).toBe(true);
    expect(compileGlob(Buffer.from([0x5b, 0x80, 0x2d, 0xff, 0x5d, 0x2a]))(key)).toBe(true);
    expect(compileGlob('?\\x00*')(key)).toBe(false); // `\x` is a literal x, not a hex escape
  });

  it('caps nesting like Redis (no exponential blow-up)', () => {
    const glob = `${'a*'.repeat(30)}b`;
    const key = 'a'.repeat(60);
    const started = Date.now();
    expect(matches(glob, key)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(matches(`${'*a'.repeat(1001)}`, 'a'.repeat(1001))).toBe(false); // > 1000 levels never match
    expect(matches(`${'*a'.repeat(999)}`, 'a'.repeat(999))).toBe(true);
  });
});
