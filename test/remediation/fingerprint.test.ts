/**
 * The stamp a TTL run puts in every expiry it writes: TTLs stay inside the rule's range and uniform
 * over it, the run recognises its own expiries, and a foreign one carries the stamp only by chance.
 */
import { describe, expect, it } from 'vitest';
import { isOwnExpiry, markOf, stampedTtlMs, stampFor } from '../../src/remediation/fingerprint.js';

const HOUR = 3_600_000;

describe('expiry stamps', () => {
  const stamp = stampFor(0.9 * HOUR, HOUR);

  it('every stamped TTL is in [min, max], spread over it, and ends on an expiry carrying the mark', () => {
    const ttls: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const name = Buffer.from(`k:${i}`);
      const mark = markOf(name, 7, stamp);
      const base = 1_760_000_000_000 + i * 977;
      const ttl = stampedTtlMs(mark, base, stamp);
      expect(ttl).toBeGreaterThanOrEqual(stamp.minMs);
      expect(ttl).toBeLessThanOrEqual(stamp.maxMs);
      expect(isOwnExpiry(base + ttl, mark, { lo: base - 1, hi: base + 1 }, stamp)).toBe(true);
      ttls.push(ttl);
    }
    const mean = ttls.reduce((a, b) => a + b, 0) / ttls.length;
    expect(Math.abs(mean - 0.95 * HOUR)).toBeLessThan(0.01 * HOUR);
  });

  it('an expiry off by a millisecond, or outside the window, is not ours; a tolerance accepts both sides', () => {
    const mark = markOf(Buffer.from('k'), 7, stamp);
    const base = 1_760_000_000_000;
    const own = base + stampedTtlMs(mark, base, stamp);
    const window = { lo: base - 1, hi: base + 1 };
    expect(isOwnExpiry(own + 1, mark, window, stamp)).toBe(false);
    expect(isOwnExpiry(own - 1, mark, window, stamp)).toBe(false);
    expect(isOwnExpiry(own + 40, mark, window, stamp, 50)).toBe(true);
    expect(isOwnExpiry(own - 40, mark, window, stamp, 50)).toBe(true);
    expect(isOwnExpiry(own, mark, { lo: own, hi: own + 10 }, stamp)).toBe(false);
    expect(isOwnExpiry(-1, mark, window, stamp)).toBe(false);
  });

  it('an application TTL in the rule range, written at any time, carries the stamp about 1 in the range width', () => {
    let hits = 0;
    const window = { lo: 1_760_000_000_000, hi: 1_760_000_060_000 };
    for (let i = 0; i < 100_000; i++) {
      const mark = markOf(Buffer.from(`app:${i}`), 7, stamp);
      const at = window.lo + ((i * 7919) % 60_000);
      const expiry = at + stamp.minMs + ((i * 104_729) % stamp.space);
      if (isOwnExpiry(expiry, mark, window, stamp)) hits++;
    }
    // 100 000 / 360 001 ≈ 0.3 expected.
    expect(hits).toBeLessThanOrEqual(3);
  });
});
