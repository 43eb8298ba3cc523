/**
 * The burst window from the runbook's own memory table (§1.2): flat at ~61 % until 13:56, rising
 * from 13:57 (the runbook's "spike time"), the highest reading 89.4 % at 14:16, still above half
 * the rise at 14:28 (not recovered). A flat curve or one with a small wobble has no burst.
 */
import { describe, expect, it } from 'vitest';
import { detectBurst } from '../../src/burst/window.js';
import { RUNBOOK_TREND_END, runbookTrendAsRecorded } from '../fixtures/runbook-trend.js';

const at = (hhmm: string) => new Date(`2026-02-12T${hhmm}:00Z`).getTime();

describe('burst window from the memory curve', () => {
  it('finds the runbook burst: start near 13:57, peak 89.4 % at 14:16, not recovered by 14:28', () => {
    const w = detectBurst(runbookTrendAsRecorded({ stepMinutes: 1 }), RUNBOOK_TREND_END);
    expect(w).toBeDefined();
    expect(Math.abs((w?.start?.getTime() ?? 0) - at('13:57'))).toBeLessThanOrEqual(2 * 60_000);
    expect(w?.peak?.getTime()).toBe(at('14:16'));
    expect(w?.peakPct).toBe(89.4);
    expect(w?.baselinePct).toBeCloseTo(61.2, 0);
    expect(w?.recovery).toBeUndefined();
    expect(w?.to).toEqual(RUNBOOK_TREND_END);
    // Evidence is read from ten minutes before the rise.
    expect((w?.start?.getTime() ?? 0) - (w?.from.getTime() ?? 0)).toBe(10 * 60_000);
  });

  it('a curve without a rise of 2 points has no burst', () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(at('13:00') + i * 60_000),
      value: 61 + (i % 3) * 0.5,
    }));
    expect(detectBurst(flat, new Date(at('14:00')))).toBeUndefined();
    expect(detectBurst(flat.slice(0, 2), new Date(at('14:00')))).toBeUndefined();
  });

  it('recovery: the first point back under half the rise', () => {
    const points = [70, 70, 70, 70, 80, 90, 90, 85, 79, 72].map((value, i) => ({
      at: new Date(at('13:00') + i * 60_000),
      value,
    }));
    const w = detectBurst(points, new Date(at('13:10')));
    expect(w?.start?.getTime()).toBe(at('13:04'));
    expect(w?.recovery?.getTime()).toBe(at('13:08'));
    expect(w?.to.getTime()).toBe(at('13:08'));
  });
});
