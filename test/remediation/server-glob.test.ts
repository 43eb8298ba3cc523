/**
 * How a sign-dependent range is settled when the server cannot be asked by matching command names
 * (before Redis 7.0, or COMMAND refused): from INFO server's `os`, else refused. The servers here
 * are stand-ins answering only COMMAND and INFO (a real x86 redis-server always answers the probe;
 * glob-bytes.test.ts checks that path against SCAN MATCH).
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { TargetConnection } from '../../src/redis/connect.js';
import { isRemediationError } from '../../src/remediation/errors.js';
import { serverGlob } from '../../src/remediation/server-glob.js';

function standIn(os: string): TargetConnection {
  const redis = {
    options: { host: '10.0.0.5', port: 6379 },
    call: async () => {
      throw new Error("ERR unknown subcommand 'LIST'");
    },
    info: async () => `# Server\r\nredis_version:6.2.14\r\nos:${os}\r\n`,
  } as unknown as Redis;
  return {
    target: { name: 't', url: 'redis://10.0.0.5:6379', mode: 'standalone' },
    client: redis,
    address: '10.0.0.5:6379',
    primaries: () => [redis],
    close: async () => {},
  } as TargetConnection;
}

// `[ -é]` is the bytes [ 0x20 - 0xC3 ] 0xA9 ]: signed, the range is 0xC3–0xFF and 0x00–0x20.
const name = (b: number) => Buffer.from([0x6b, 0x3a, b]);

describe('serverGlob without the COMMAND probe', () => {
  it('x86 (INFO os): the signed reading', async () => {
    const m = await serverGlob(standIn('Linux 5.10.0 x86_64'), 'k:[ -é]');
    expect([0x00, 0x20, 0xc3, 0xff, 0xa9].map((b) => m(name(b)))).toEqual([true, true, true, true, true]);
    expect([0x21, 0x61, 0x80, 0xc2].map((b) => m(name(b)))).toEqual([false, false, false, false]);
  });

  it('ARM (INFO os): the unsigned reading', async () => {
    const m = await serverGlob(standIn('Linux 5.10.0 aarch64'), 'k:[ -é]');
    expect([0x20, 0x61, 0x80, 0xc3, 0xa9].map((b) => m(name(b)))).toEqual([true, true, true, true, true]);
    expect([0x00, 0x1f, 0xc4, 0xff].map((b) => m(name(b)))).toEqual([false, false, false, false]);
  });

  it('unknown architecture: refused with a localized error naming the pattern; other patterns are fine', async () => {
    const conn = standIn('Amazon ElastiCache');
    const err = await serverGlob(conn, 'k:[ -é]').catch((e: unknown) => e);
    expect(isRemediationError(err)).toBe(true);
    if (!isRemediationError(err)) return;
    expect(err.code).toBe('glob_range_unknown');
    const i18n = createI18n({ strict: true });
    expect(i18n.plain('en')(`errors:${err.code}`, err.values)).toContain('k:[ -é]');
    expect(i18n.plain('zh')(`errors:${err.code}`, err.values)).toContain('k:[ -é]');
    const plain = await serverGlob(conn, 'k:[éè]*');
    expect(plain(Buffer.from('k:é1'))).toBe(true);
  });
});
