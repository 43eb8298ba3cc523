import type { TrendPoint } from './types.js';

/**
 * DatabaseMemoryUsagePercentage of `luckyus-isales-market-001` on 2026-02-12, UTC, exactly the rows
 * of the example incident's memory table (13:00–13:48 is only given every 16 minutes there).
 */
export const RUNBOOK_TREND_TABLE: readonly { readonly time: string; readonly value: number }[] = [
  { time: '13:00', value: 61.3 },
  { time: '13:16', value: 61.1 },
  { time: '13:32', value: 61.2 },
  { time: '13:48', value: 61.2 },
  { time: '13:52', value: 61.5 },
  { time: '13:56', value: 61.5 },
  { time: '14:00', value: 71.0 },
  { time: '14:04', value: 81.4 },
  { time: '14:08', value: 87.5 },
  { time: '14:12', value: 87.3 },
  { time: '14:16', value: 89.4 },
  { time: '14:20', value: 87.7 },
  { time: '14:24', value: 86.8 },
  { time: '14:28', value: 85.5 },
];

export const RUNBOOK_TREND_DATE = '2026-02-12';
/** Time of the table's last row. */
export const RUNBOOK_TREND_END = new Date(`${RUNBOOK_TREND_DATE}T14:28:00Z`);

const MINUTE_MS = 60_000;

function anchors(): TrendPoint[] {
  return RUNBOOK_TREND_TABLE.map((row) => ({
    at: new Date(`${RUNBOOK_TREND_DATE}T${row.time}:00Z`),
    value: row.value,
  }));
}

export interface RunbookTrendOptions {
  /**
   * 4 gives the runbook's own resolution (rows between 13:00 and 13:48 linearly interpolated);
   * 1 looks like a CloudWatch 60 s series, every minute interpolated. @defaultValue 4
   */
  stepMinutes?: 1 | 4;
}

/**
 * The example incident's memory series shifted so that its last point (14:28) falls on `end`, oldest first:
 * for the demo's replay and for tests.
 */
export function runbookMemoryTrend(end: Date, opts: RunbookTrendOptions = {}): TrendPoint[] {
  const step = (opts.stepMinutes ?? 4) * MINUTE_MS;
  const rows = anchors();
  const first = rows[0]!.at.getTime();
  const shift = end.getTime() - RUNBOOK_TREND_END.getTime();
  const out: TrendPoint[] = [];
  let k = 0;
  for (let t = first; t <= RUNBOOK_TREND_END.getTime(); t += step) {
    while (rows[k + 1] !== undefined && rows[k + 1]!.at.getTime() <= t) k++;
    const a = rows[k]!;
    const b = rows[k + 1];
    const span = b === undefined ? 0 : b.at.getTime() - a.at.getTime();
    const value =
      b === undefined || span === 0 ? a.value : a.value + ((b.value - a.value) * (t - a.at.getTime())) / span;
    // Interpolation leaves float noise (61.150000000000006); CloudWatch gives a few decimals.
    out.push({ at: new Date(t + shift), value: Math.round(value * 1000) / 1000 });
  }
  return out;
}
