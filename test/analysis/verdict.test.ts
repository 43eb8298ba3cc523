import { describe, expect, it } from 'vitest';
import { analyzeTrend } from '../../src/analysis/trend.js';
import type { Thresholds, TrendPoint, Verdict } from '../../src/analysis/types.js';
import { decideVerdict, VERDICT_REASON_KEYS } from '../../src/analysis/verdict.js';
import { runbookTrendAsRecorded, runbookTrendEndingAt } from '../fixtures/runbook-trend.js';

const thresholds: Thresholds = { warning: 70, critical: 85, emergency: 90 };
const T0 = new Date('2026-03-01T10:00:00Z').getTime();
const MIN = 60_000;

function series(values: number[]): TrendPoint[] {
  return values.map((value, i) => ({ at: new Date(T0 + i * MIN), value }));
}
function linear(from: number, perMin: number, minutes: number): TrendPoint[] {
  return series(Array.from({ length: minutes + 1 }, (_, i) => from + i * perMin));
}

const seen = new Set<string>();
function verdict(...args: Parameters<typeof decideVerdict>): Verdict {
  const v = decideVerdict(...args);
  seen.add(v.reason.key);
  return v;
}

describe('decideVerdict', () => {
  it('reads the runbook §1.2 series as a burst that is recovering', () => {
    const trend = analyzeTrend(runbookTrendAsRecorded());
    // §1.1: INFO said 84.6 % a few minutes after the last CloudWatch point.
    const v = verdict({ memoryPct: 84.6, trend, thresholds, evictionsInWindow: 0 });
    expect(v).toEqual({
      kind: 'burst-recovering',
      reason: {
        key: 'verdict.reason.burst_recovering',
        values: {
          slope: 0.3,
          peak: 89.4,
          peakAt: '2026-02-12T14:16:00.000Z',
          current: 84.6,
          burstStartAt: '2026-02-12T14:00:00.000Z',
          baseline: 61.2,
        },
      },
    });
  });

  it('still says burst-recovering for the 1-minute replay ending now', () => {
    const now = new Date('2031-05-05T05:05:00Z');
    const trend = analyzeTrend(runbookTrendEndingAt(now, { stepMinutes: 1 }));
    const v = verdict({ memoryPct: trend?.current.value ?? null, trend, thresholds });
    expect(v.kind).toBe('burst-recovering');
    expect(v.reason.values.current).toBe(85.5);
    expect(v.reason.values.slope).toBeGreaterThan(0.1);
  });

  it('calls a flat series stable, flat at its level', () => {
    const trend = analyzeTrend(series(Array.from({ length: 60 }, (_, i) => 62 + (i % 2) * 0.1)));
    expect(verdict({ memoryPct: 62.04, trend, thresholds })).toEqual({
      kind: 'stable',
      reason: { key: 'verdict.reason.flat', values: { current: 62 } },
    });
  });

  it('says "no trend data" rather than "flat" when there is no usable trend', () => {
    expect(verdict({ memoryPct: 50, thresholds }).reason).toEqual({
      key: 'verdict.reason.no_trend',
      values: { current: 50 },
    });
    const single = analyzeTrend(series([50]));
    expect(verdict({ memoryPct: 50, trend: single, thresholds }).reason.key).toBe('verdict.reason.no_trend');
  });

  it('calls a steady climb rising, with the minutes until the next threshold', () => {
    const trend = analyzeTrend(linear(50, 0.2, 60)); // ends at 62 %
    expect(verdict({ memoryPct: 62, trend, thresholds })).toEqual({
      kind: 'rising',
      reason: {
        key: 'verdict.reason.rising_eta',
        values: { current: 62, slope: 0.2, level: 'warning', threshold: 70, minutes: 40 },
      },
    });
    const above = verdict({ memoryPct: 75, trend, thresholds });
    expect(above.reason.values).toMatchObject({ level: 'critical', threshold: 85, minutes: 50 });
  });

  it('gives no ETA when the next threshold is hours of extrapolation away', () => {
    const trend = analyzeTrend(linear(10, 0.06, 60));
    expect(verdict({ memoryPct: 13.6, trend, thresholds })).toEqual({
      kind: 'rising',
      reason: { key: 'verdict.reason.rising', values: { current: 13.6, slope: 0.1 } },
    });
  });

  it('is critical at 90 % and flat', () => {
    const trend = analyzeTrend(series(Array.from({ length: 30 }, () => 90)));
    expect(verdict({ memoryPct: 90, trend, thresholds })).toEqual({
      kind: 'critical',
      reason: { key: 'verdict.reason.above_emergency', values: { current: 90, threshold: 90 } },
    });
    // No trend at all is not "falling" either.
    expect(verdict({ memoryPct: 93, thresholds }).kind).toBe('critical');
  });

  it('stays critical above emergency while falling without a burst (no standing down at 90 %)', () => {
    const trend = analyzeTrend(linear(96, -0.2, 30));
    expect(verdict({ memoryPct: 90, trend, thresholds })).toEqual({
      kind: 'critical',
      reason: {
        key: 'verdict.reason.above_emergency_falling',
        values: { current: 90, threshold: 90, slope: 0.2 },
      },
    });
  });

  it('is stable when falling below the emergency line without a burst', () => {
    const trend = analyzeTrend(linear(88, -0.2, 30));
    expect(verdict({ memoryPct: 82, trend, thresholds })).toEqual({
      kind: 'stable',
      reason: { key: 'verdict.reason.falling', values: { current: 82, slope: 0.2 } },
    });
  });

  it('is critical at or above the critical threshold and rising, with minutes to emergency', () => {
    const trend = analyzeTrend(linear(78.5, 0.5, 15)); // ends at 86 %
    expect(verdict({ memoryPct: 86, trend, thresholds })).toEqual({
      kind: 'critical',
      reason: {
        key: 'verdict.reason.critical_and_rising',
        values: { current: 86, threshold: 85, slope: 0.5, emergency: 90, minutes: 8 },
      },
    });
  });

  it('is critical whenever keys are being evicted', () => {
    const trend = analyzeTrend(series(Array.from({ length: 30 }, () => 40)));
    expect(verdict({ memoryPct: 40, trend, thresholds, evictionsInWindow: 12 })).toEqual({
      kind: 'critical',
      reason: { key: 'verdict.reason.evicting', values: { evictions: 12, current: 40 } },
    });
  });

  it('is stable with no_maxmemory when maxmemory is 0', () => {
    const trend = analyzeTrend(linear(50, 1, 30));
    expect(verdict({ memoryPct: null, trend, thresholds, evictionsInWindow: 3 })).toEqual({
      kind: 'stable',
      reason: { key: 'verdict.reason.no_maxmemory', values: {} },
    });
  });

  it('uses only numbers and ISO dates as values, never -0', () => {
    const trend = analyzeTrend(series([50, 50.001, 49.999, 50]));
    const v = verdict({ memoryPct: -0.01, trend, thresholds });
    expect(Object.is(v.reason.values.current, -0)).toBe(false);
  });

  it('exports exactly the reason keys it uses', () => {
    // Runs last in this file: every case above has recorded its key.
    expect([...seen].sort()).toEqual([...VERDICT_REASON_KEYS].sort());
    for (const key of VERDICT_REASON_KEYS) expect(key).toMatch(/^verdict\.reason\.[a-z_]+$/);
  });
});
