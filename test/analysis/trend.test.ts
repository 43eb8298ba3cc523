import { describe, expect, it } from 'vitest';
import { analyzeTrend, leastSquaresSlope, recentSum } from '../../src/analysis/trend.js';
import type { TrendPoint } from '../../src/analysis/types.js';
import {
  runbookTimeEndingAt,
  runbookTrendAsRecorded,
  runbookTrendEndingAt,
} from '../fixtures/runbook-trend.js';

const T0 = new Date('2026-03-01T10:00:00Z').getTime();
const MIN = 60_000;

function series(values: number[], stepMinutes = 1, start = T0): TrendPoint[] {
  return values.map((value, i) => ({ at: new Date(start + i * stepMinutes * MIN), value }));
}

describe('analyzeTrend on the runbook §1.2 series', () => {
  it('at the runbook resolution: peak 89.4 at 14:16, burst from 14:00 over a 61.2 baseline, falling ~0.3 %/min', () => {
    const trend = analyzeTrend(runbookTrendAsRecorded());
    expect(trend).toBeDefined();
    expect(trend?.current).toEqual({ at: new Date('2026-02-12T14:28:00Z'), value: 85.5 });
    // The absolute max, not the 87.5 % the runbook labels PEAK at 14:08.
    expect(trend?.peak).toEqual({ at: new Date('2026-02-12T14:16:00Z'), value: 89.4 });
    // First point above the baseline band, the runbook's "BURST START"; 13:56 was the last calm point.
    expect(trend?.burstStart).toEqual({ at: new Date('2026-02-12T14:00:00Z'), value: 71 });
    expect(trend?.baseline).toBeCloseTo(61.2, 5);
    // Least squares over 14:16, 14:20, 14:24, 14:28.
    expect(trend?.slopePctPerMin).toBeCloseTo(-0.315, 3);
    expect(trend?.slopeSampleCount).toBe(4);
  });

  it('at 1-minute resolution the burst starts at 13:57, the spike time the runbook searches logs around', () => {
    const trend = analyzeTrend(runbookTrendAsRecorded({ stepMinutes: 1 }));
    expect(trend?.peak.value).toBe(89.4);
    expect(trend?.peak.at).toEqual(new Date('2026-02-12T14:16:00Z'));
    expect(trend?.burstStart?.at).toEqual(new Date('2026-02-12T13:57:00Z'));
    expect(trend?.baseline).toBeCloseTo(61.2, 1);
    expect(trend?.slopePctPerMin).toBeLessThan(-0.15);
    expect(trend?.slopePctPerMin).toBeGreaterThan(-0.35);
  });

  it('is the same when replayed to end now', () => {
    const now = new Date('2030-01-01T08:00:00Z');
    const trend = analyzeTrend(runbookTrendEndingAt(now));
    expect(trend?.current.at).toEqual(now);
    expect(trend?.peak.at).toEqual(runbookTimeEndingAt(now, '14:16'));
    expect(trend?.burstStart?.at).toEqual(runbookTimeEndingAt(now, '14:00'));
  });

  it('does not depend on input order', () => {
    const trend = analyzeTrend([...runbookTrendAsRecorded()].reverse());
    expect(trend?.burstStart?.at).toEqual(new Date('2026-02-12T14:00:00Z'));
    expect(trend?.current.value).toBe(85.5);
  });
});

describe('analyzeTrend edge cases', () => {
  it('returns undefined for no usable points', () => {
    expect(analyzeTrend([])).toBeUndefined();
    expect(analyzeTrend([{ at: new Date(T0), value: Number.NaN }])).toBeUndefined();
  });

  it('takes a single point as current and peak, with an unknown (0, one sample) slope', () => {
    const trend = analyzeTrend(series([42]));
    expect(trend).toEqual({
      current: { at: new Date(T0), value: 42 },
      peak: { at: new Date(T0), value: 42 },
      slopePctPerMin: 0,
      slopeSampleCount: 1,
    });
  });

  it('keeps the earliest of equal peaks', () => {
    expect(analyzeTrend(series([50, 70, 60, 70, 65]))?.peak.at).toEqual(new Date(T0 + MIN));
  });

  it('finds no burst and a ~0 slope in a flat, jittery series', () => {
    const trend = analyzeTrend(series(Array.from({ length: 120 }, (_, i) => 61.2 + (i % 3) * 0.2)));
    expect(trend?.burstStart).toBeUndefined();
    expect(trend?.baseline).toBeUndefined();
    expect(Math.abs(trend?.slopePctPerMin ?? 1)).toBeLessThan(0.02);
  });

  it('does not call a steady climb a burst, even when it gains 8 points in 15 minutes', () => {
    const trend = analyzeTrend(series(Array.from({ length: 90 }, (_, i) => 30 + i * 0.6)));
    expect(trend?.burstStart).toBeUndefined();
    expect(trend?.slopePctPerMin).toBeCloseTo(0.6, 5);
  });

  it('does not call a jump across a long gap a burst (no 15-minute window holds it)', () => {
    const before = series(Array.from({ length: 30 }, () => 60));
    const after = series(
      Array.from({ length: 30 }, () => 75),
      1,
      T0 + 60 * MIN,
    );
    const trend = analyzeTrend([...before, ...after]);
    expect(trend?.burstStart).toBeUndefined();
    expect(trend?.slopeSampleCount).toBe(16);
  });

  it('falls back to the last two points when a gap leaves one point in the slope window', () => {
    const pts = [...series([60, 60, 60, 61]), { at: new Date(T0 + 25 * MIN), value: 66 }];
    const trend = analyzeTrend(pts);
    expect(trend?.slopeSampleCount).toBe(2);
    expect(trend?.slopePctPerMin).toBeCloseTo(5 / 22, 5);
  });

  it('reports the latest of two bursts', () => {
    const calm = Array.from({ length: 40 }, () => 50);
    const burst = [55, 60, 65, 70];
    const recovery = Array.from({ length: 40 }, (_, i) => Math.max(52, 70 - i));
    const calm2 = Array.from({ length: 40 }, () => 52);
    const trend = analyzeTrend(series([...calm, ...burst, ...recovery, ...calm2, ...burst]));
    const secondStart = calm.length + burst.length + recovery.length + calm2.length;
    expect(trend?.burstStart?.at).toEqual(new Date(T0 + secondStart * MIN));
    expect(trend?.baseline).toBe(52);
  });

  it('finds a burst on top of a slowly climbing baseline', () => {
    const slow = Array.from({ length: 30 }, (_, i) => 50 + i * 0.1);
    const trend = analyzeTrend(series([...slow, 56, 62, 68, 70, 70]));
    expect(trend?.burstStart?.at).toEqual(new Date(T0 + 30 * MIN));
    expect(trend?.baseline).toBeCloseTo(51.45, 5);
  });

  it('tolerates a burst at the very start of the window without inventing one', () => {
    // No history before the rise: nothing says the level before it was calm.
    const trend = analyzeTrend(series([40, 45, 50, 55, 60, 60, 60]));
    expect(trend?.burstStart).toBeUndefined();
  });
});

describe('helpers', () => {
  it('leastSquaresSlope needs two distinct times', () => {
    expect(leastSquaresSlope(series([1]))).toBeUndefined();
    expect(leastSquaresSlope(series([1, 3], 2))).toBe(1);
  });

  it('recentSum adds the values inside the window ending at the last point', () => {
    const evictions = series([5, 0, 0, 3, 4]);
    expect(recentSum(evictions, 2)).toBe(7);
    expect(recentSum(evictions, 60)).toBe(12);
    expect(recentSum([], 15)).toBe(0);
    expect(recentSum(evictions, 1, new Date(T0 + MIN))).toBe(0);
  });
});
