/**
 * EventBridge schedule expressions evaluated over a window, against firings worked out by hand from
 * the EventBridge reference (UTC; day-of-week 1 = SUN; `?`; a year field; rate(...)).
 */
import { describe, expect, it } from 'vitest';
import { firingsInWindow, yearMatches } from '../../src/burst/schedule.js';

const from = new Date('2026-02-12T13:00:00Z'); // a Thursday
const to = new Date('2026-02-12T15:00:00Z');
const iso = (expr: string, a = from, b = to) =>
  firingsInWindow(expr, a, b)?.firings.map((d) => d.toISOString());

describe('schedule expressions', () => {
  it('cron with ? and a year', () => {
    expect(iso('cron(57 13 * * ? *)')).toEqual(['2026-02-12T13:57:00.000Z']);
    expect(iso('cron(0/30 13-14 ? * * 2026)')).toEqual([
      '2026-02-12T13:00:00.000Z',
      '2026-02-12T13:30:00.000Z',
      '2026-02-12T14:00:00.000Z',
      '2026-02-12T14:30:00.000Z',
    ]);
    expect(iso('cron(0/30 13-14 ? * * 2027)')).toEqual([]);
  });

  it('day of week 1–7 is SUN–SAT (5 = Thursday)', () => {
    expect(iso('cron(15 14 ? * 5 *)')).toEqual(['2026-02-12T14:15:00.000Z']);
    expect(iso('cron(15 14 ? * THU *)')).toEqual(['2026-02-12T14:15:00.000Z']);
    expect(iso('cron(15 14 ? * 4 *)')).toEqual([]);
    expect(iso('cron(15 14 ? * 2-6 *)')).toEqual(['2026-02-12T14:15:00.000Z']);
  });

  it('rate fires every period from an unknown phase: approximate', () => {
    const r = firingsInWindow('rate(30 minutes)', from, to);
    expect(r?.approximate).toBe(true);
    expect(r?.firings.length).toBe(5);
    expect(firingsInWindow('rate(1 day)', from, to)?.firings.length).toBe(0);
  });

  it('what is not a schedule is undefined, not a guess', () => {
    expect(firingsInWindow('cron(57 13 * *)', from, to)).toBeUndefined();
    expect(firingsInWindow('every 5 minutes', from, to)).toBeUndefined();
    expect(firingsInWindow('rate(0 minutes)', from, to)).toBeUndefined();
  });

  it('year fields', () => {
    expect(yearMatches('2025-2027', 2026)).toBe(true);
    expect(yearMatches('2026,2028', 2027)).toBe(false);
    expect(yearMatches('2024/2', 2026)).toBe(true);
    expect(yearMatches('2024/2', 2027)).toBe(false);
  });
});
