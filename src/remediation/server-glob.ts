/**
 * The rule's glob matcher, byte for byte what the target's SCAN MATCH selects. Redis compares class
 * range bounds as C `char`, signed on x86 and unsigned on ARM, so a range such as `[ -é]` (UTF-8:
 * bounds 0x20 and 0xC3) selects different keys on the two. For such a pattern the server is asked
 * which one it is: first by matching command names (`COMMAND LIST FILTERBY PATTERN`, Redis 7.0+,
 * the same matcher), else from INFO server's `os` (the CPU architecture). When neither tells, the
 * pattern is refused with a localized error rather than guessed. Other patterns need no question.
 */
import type { Redis } from 'ioredis';
import { ErrorCode } from '../errors.js';
import { compileGlob, globRangeSignSensitive, type KeyMatcher } from '../keyspace/glob.js';
import { serverFacts } from '../keyspace/server-facts.js';
import type { TargetConnection } from '../redis/connect.js';
import { RemediationError } from './errors.js';

type CharSign = 'signed' | 'unsigned';

const known = new WeakMap<Redis, CharSign>();

/** `[a-\xff]et` selects `get` only where `char` is unsigned; `[^a-\xff]et` only where it is signed. */
const UNSIGNED_PROBE = Buffer.from([0x5b, 0x61, 0x2d, 0xff, 0x5d, 0x65, 0x74]);
const SIGNED_PROBE = Buffer.from([0x5b, 0x5e, 0x61, 0x2d, 0xff, 0x5d, 0x65, 0x74]);

/** The matcher for `glob` on every primary of `conn`; refuses a sign-dependent pattern it cannot settle. */
export async function serverGlob(conn: TargetConnection, glob: string): Promise<KeyMatcher> {
  if (!globRangeSignSensitive(glob)) return compileGlob(glob);
  const nodes = conn.primaries();
  const signs = await Promise.all(nodes.map((redis) => charSignOf(redis)));
  const first = signs[0];
  const unknownAt = signs.findIndex((s) => s === undefined || s !== first);
  if (first === undefined || unknownAt >= 0) {
    const redis = nodes[Math.max(0, unknownAt)];
    throw new RemediationError(
      ErrorCode.GlobRangeUnknown,
      { match: glob, target: `${redis?.options.host ?? '?'}:${redis?.options.port ?? '?'}` },
      `cannot tell how ${glob} matches on the target: range with bytes above 0x7F`,
    );
  }
  return compileGlob(glob, { signedChar: first === 'signed' });
}

async function charSignOf(redis: Redis): Promise<CharSign | undefined> {
  const cached = known.get(redis);
  if (cached) return cached;
  const sign = (await probeCommandList(redis)) ?? (await fromArchitecture(redis));
  if (sign) known.set(redis, sign);
  return sign;
}

async function probeCommandList(redis: Redis): Promise<CharSign | undefined> {
  try {
    const hasGet = async (pattern: Buffer) => {
      const reply = await redis.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', pattern);
      return Array.isArray(reply) && reply.some((c) => String(c).toLowerCase() === 'get');
    };
    const [unsigned, signed] = await Promise.all([hasGet(UNSIGNED_PROBE), hasGet(SIGNED_PROBE)]);
    if (unsigned === signed) return undefined;
    return signed ? 'signed' : 'unsigned';
  } catch {
    // Before 7.0, or COMMAND not allowed: the architecture may still tell.
    return undefined;
  }
}

async function fromArchitecture(redis: Redis): Promise<CharSign | undefined> {
  try {
    const os = serverFacts(await redis.info('server')).os ?? '';
    if (/\b(x86_64|amd64|i[3-6]86|x86)\b/i.test(os)) return 'signed';
    if (/\b(aarch64|arm64|armv\w*|ppc64\w*|powerpc\w*|s390x?)\b/i.test(os)) return 'unsigned';
    return undefined;
  } catch {
    return undefined;
  }
}
