/**
 * Rule patterns with bytes above 0x7F (UTF-8 text in classes and ranges, `?` on multibyte
 * characters, escapes) select exactly the keys Redis itself selects: for each pattern the truth is
 * what `SCAN 0 MATCH pattern COUNT 1000` returns (looped to cursor 0) on a real redis-server, and the
 * dry-run's count, the run's changes, its error counter and the verify re-count must all agree.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { TargetConnection } from '../../src/redis/connect.js';
import { dryRun } from '../../src/remediation/dry-run.js';
import { applyRule, countWithoutTtl } from '../../src/remediation/engine.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { test } from '../support/fixtures.js';

const MIN = 60_000;

/** Name parts after `k:`: ASCII, 2-, 3- and 4-byte UTF-8, and raw bytes that are not UTF-8. */
const PARTS: Buffer[] = [
  'a',
  'z',
  ' ',
  '~',
  '-',
  'é',
  'ü',
  'à',
  'ÿ',
  'Ā',
  '中',
  '中文',
  '😀',
  'é:x',
  'ab',
].map((s) => Buffer.from(s, 'utf8'));
PARTS.push(
  Buffer.from([0x80]),
  Buffer.from([0xff]),
  Buffer.from([0xe9]),
  Buffer.from([0x7f]),
  Buffer.from([0xc3]),
);

const PATTERNS = [
  'k:[ -é]*',
  'k:[é- ]*',
  'k:[^ -é]*',
  'k:[à-ÿ]*',
  'k:[a-é]*',
  'k:[é-a]*',
  'k:[-é]*',
  'k:[é-]*',
  'k:*[ -é]',
  'k:[!-ÿ]:*',
  'k:[中]*',
  'k:[\\é]*',
  'k:\\é*',
  'k:?',
  'k:??',
  'k:???',
  'k:????*',
  'k:?:*',
  'k:[^a-z]',
];

function rule(match: string): TtlRule {
  return {
    name: 'bytes',
    match,
    action: 'set-missing',
    ttlSec: 86_400,
    jitter: 0.1,
    includeMissing: false,
    allowBroad: true,
    risk: 'low',
  };
}

describe('patterns with bytes above 0x7F match what SCAN MATCH matches', () => {
  let admin: Redis;
  let conn: TargetConnection;
  const names: Buffer[] = [];

  async function scanTruth(pattern: string): Promise<Set<string>> {
    const out = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next.toString();
      for (const k of keys) out.add(k.toString('hex'));
    } while (cursor !== '0');
    return out;
  }

  // The file's admin client and connection (to its own redis-server) come from the shared fixture.
  test.beforeAll(async ({ admin: client, target }) => {
    admin = client;
    conn = target;
    for (const part of PARTS) {
      names.push(Buffer.concat([Buffer.from('k:'), part]));
      for (let i = 0; i < 3; i++) names.push(Buffer.concat([Buffer.from('k:'), part, Buffer.from(`:${i}`)]));
    }
    for (const name of names) await admin.set(name, 'x');
  }, MIN);

  for (const pattern of PATTERNS) {
    it(`${pattern}: dry-run, run and verify agree with SCAN MATCH`, async () => {
      for (const name of names) await admin.persist(name);
      const truth = await scanTruth(pattern);
      const dry = await dryRun(conn, rule(pattern), { cluster: 'local', throttle: false });
      expect(dry.matched).toBe(truth.size);
      const result = await applyRule(conn, rule(pattern), { throttle: false });
      expect(result.complete).toBe(true);
      expect(result.counters.errors).toBe(0);
      expect(result.counters.changed).toBe(truth.size);
      const withTtl = new Set<string>();
      for (const name of names) if (Number(await admin.pttl(name)) > 0) withTtl.add(name.toString('hex'));
      expect([...withTtl].sort()).toEqual([...truth].sort());
      expect(await countWithoutTtl(conn, pattern, { throttle: false })).toBe(0);
    });
  }
});
