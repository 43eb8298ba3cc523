import { describe, expect, it } from 'vitest';
import type { TrendPoint } from '../../src/analysis/types.js';
import { renderTextBars } from '../../src/charts/text-bars.js';

const START = Date.UTC(2024, 4, 1, 12, 0);
const formatTime = (d: Date): string => d.toISOString().slice(11, 16);

function series(values: number[]): TrendPoint[] {
  return values.map((value, i) => ({ at: new Date(START + i * 60_000), value }));
}

/** 180 one-minute points: flat near 60 %, a burst from index 120 peaking at 131 (87.5 %), then recovery. */
function burstSeries(): TrendPoint[] {
  return series(
    Array.from({ length: 180 }, (_, i) => {
      if (i < 120) return 60 + (i % 7) * 0.2;
      if (i <= 131) return 61.3 + (i - 120) * (26.2 / 11);
      return 87.5 - (i - 131) * 0.3;
    }),
  );
}

const bar = (line: string): number => [...line].filter((c) => c === '█').length;
const timeOf = (line: string): string => line.slice(0, 5);

describe('renderTextBars', () => {
  it('keeps at most maxRows rows, always including the last point and the peak', () => {
    const points = burstSeries();
    const rows = renderTextBars(points, { formatTime }).split('\n');
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows.length).toBeGreaterThan(1);
    expect(timeOf(rows.at(-1)!)).toBe(formatTime(points.at(-1)!.at));
    expect(rows.some((r) => timeOf(r) === formatTime(points[131]!.at) && r.includes('87.5%'))).toBe(true);

    const few = renderTextBars(points, { formatTime, maxRows: 4 }).split('\n');
    expect(few).toHaveLength(4);
    expect(few.some((r) => r.includes('87.5%'))).toBe(true);
    expect(timeOf(few.at(-1)!)).toBe(formatTime(points.at(-1)!.at));
  });

  it('keeps rows in time order and spreads them over the window', () => {
    const points = burstSeries();
    const times = renderTextBars(points, { formatTime }).split('\n').map(timeOf);
    expect([...times].sort()).toEqual(times);
    expect(times[0]).toBe('12:00');
  });

  it('prints every point when there are fewer than maxRows', () => {
    expect(renderTextBars(series([10, 20, 30]), { formatTime }).split('\n')).toHaveLength(3);
  });

  it('draws bars proportional to the value over 0–100', () => {
    const rows = renderTextBars(series([61.3, 71, 87.5, 0, 100, 120, -5]), { formatTime }).split('\n');
    expect(rows.map(bar)).toEqual([25, 28, 35, 0, 40, 40, 0]);
    // 61.3 / 87.5 = 0.70; within rounding to whole characters.
    expect(bar(rows[0]!) / bar(rows[2]!)).toBeCloseTo(61.3 / 87.5, 1);

    const wide = renderTextBars(series([61.3, 87.5]), { formatTime, width: 60 }).split('\n');
    expect(wide.map(bar)).toEqual([37, 53]);
  });

  it('formats values with one decimal and aligns the value column', () => {
    const rows = renderTextBars(series([5, 61.25, 100, 87.46]), { formatTime }).split('\n');
    expect(rows.map((r) => r.trim().split(/\s+/).at(-1))).toEqual(['5.0%', '61.3%', '100.0%', '87.5%']);
    const ends = rows.map((r) => r.indexOf('%'));
    expect(new Set(ends).size).toBe(1);
  });

  it('attaches each annotation to the row nearest its time and keeps that row', () => {
    const points = burstSeries();
    // A few seconds off the sample, as an analysis timestamp might be.
    const burstAt = new Date(points[120]!.at.getTime() + 20_000);
    const out = renderTextBars(points, {
      formatTime,
      annotations: [
        { at: burstAt, text: 'BURST START' },
        { at: points[131]!.at, text: 'PEAK' },
      ],
    });
    const rows = out.split('\n');
    const burstRow = rows.find((r) => r.endsWith('← BURST START'));
    const peakRow = rows.find((r) => r.endsWith('← PEAK'));
    expect(burstRow && timeOf(burstRow)).toBe('14:00');
    expect(burstRow).toContain('61.3%');
    expect(peakRow && timeOf(peakRow)).toBe('14:11');
    expect(peakRow).toContain('87.5%');
    expect(rows.filter((r) => r.includes('←'))).toHaveLength(2);
    expect(rows.length).toBeLessThanOrEqual(12);
  });

  it('joins annotations that land on the same row', () => {
    const points = series([50, 90, 60]);
    const rows = renderTextBars(points, {
      formatTime,
      annotations: [
        { at: points[1]!.at, text: 'PEAK' },
        { at: points[1]!.at, text: 'BURST START' },
      ],
    }).split('\n');
    expect(rows[1]).toMatch(/90\.0% {2}← PEAK, BURST START$/);
  });

  it('stays small enough for a Slack code block', () => {
    const points = burstSeries();
    const out = renderTextBars(points, {
      formatTime,
      annotations: [
        { at: points[120]!.at, text: 'BURST START' },
        { at: points[131]!.at, text: 'PEAK' },
      ],
    });
    expect(out.length).toBeLessThan(1500);
  });

  it('throws a clear error for an empty series', () => {
    expect(() => renderTextBars([], { formatTime })).toThrow(/points is empty/);
  });
});
