import type { TrendPoint } from '../domain/types.js';

export interface TextBarAnnotation {
  /** Time of the point to annotate (e.g. analysis.peak.at); the nearest sample row gets the text. */
  at: Date;
  /** Already translated, e.g. 'PEAK'. */
  text: string;
}

export interface TextBarsOptions {
  /** Bar width in characters at 100 %. Default 40. */
  width?: number;
  /** Most rows to print (at least 2). Default 12. */
  maxRows?: number;
  formatTime: (d: Date) => string;
  annotations?: TextBarAnnotation[];
}

const DEFAULT_WIDTH = 40;
const DEFAULT_MAX_ROWS = 12;
const FULL_BLOCK = '█';

function nearestIndex(points: TrendPoint[], at: Date): number {
  const t = at.getTime();
  let best = 0;
  let bestDiff = Number.POSITIVE_INFINITY;
  points.forEach((p, i) => {
    const diff = Math.abs(p.at.getTime() - t);
    if (diff < bestDiff) {
      best = i;
      bestDiff = diff;
    }
  });
  return best;
}

/** First index of the highest value. */
function peakIndex(points: TrendPoint[]): number {
  let best = 0;
  points.forEach((p, i) => {
    if (p.value > (points[best]?.value ?? Number.NEGATIVE_INFINITY)) best = i;
  });
  return best;
}

/**
 * Picks at most `maxRows` indices, evenly spread over the series, then swaps in the must-keep ones
 * (last, peak, annotated points) for the nearest spread index, so the rows stay roughly even in time.
 */
function pickRows(count: number, maxRows: number, mustKeep: number[]): number[] {
  const k = Math.min(count, maxRows);
  if (k === count) return Array.from({ length: count }, (_, i) => i);
  const rows = new Set<number>();
  if (k === 1) {
    rows.add(count - 1);
  } else {
    for (let j = 0; j < k; j++) rows.add(Math.round((j * (count - 1)) / (k - 1)));
  }
  const pinned = new Set<number>();
  for (const m of mustKeep) {
    if (pinned.size >= k) break;
    if (rows.has(m)) {
      pinned.add(m);
      continue;
    }
    let victim: number | undefined;
    for (const r of rows) {
      if (pinned.has(r)) continue;
      if (victim === undefined || Math.abs(r - m) < Math.abs(victim - m)) victim = r;
    }
    if (victim === undefined) break;
    rows.delete(victim);
    rows.add(m);
    pinned.add(m);
  }
  return [...rows].sort((a, b) => a - b);
}

function barLength(value: number, width: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(width, Math.max(0, Math.round((value / 100) * width)));
}

/**
 * Compact monospace bar chart of memory %, one row per kept sample, for a Slack code block:
 * `14:08  ██████████████████████████████████            87.5%  ← PEAK`
 * Rows show the sampled value (not a bucket max); the peak is always among them.
 */
export function renderTextBars(points: TrendPoint[], opts: TextBarsOptions): string {
  if (points.length === 0) {
    throw new Error('renderTextBars: points is empty; there is nothing to draw');
  }
  const width = Math.max(1, Math.floor(opts.width ?? DEFAULT_WIDTH));
  const maxRows = Math.max(2, Math.floor(opts.maxRows ?? DEFAULT_MAX_ROWS));
  const annotations = (opts.annotations ?? []).map((a) => ({
    index: nearestIndex(points, a.at),
    text: a.text,
  }));

  const mustKeep = [points.length - 1, peakIndex(points), ...annotations.map((a) => a.index)];
  const rows = pickRows(points.length, maxRows, mustKeep);

  const notes = new Map<number, string[]>();
  for (const a of annotations) {
    // An annotation whose point lost its row (more annotations than rows) goes to the nearest kept row.
    const row = rows.reduce((best, r) => (Math.abs(r - a.index) < Math.abs(best - a.index) ? r : best));
    notes.set(row, [...(notes.get(row) ?? []), a.text]);
  }

  const cells = rows.map((i) => {
    const p = points[i]!;
    return {
      time: opts.formatTime(p.at),
      bar: FULL_BLOCK.repeat(barLength(p.value, width)),
      value: `${p.value.toFixed(1)}%`,
      note: notes.get(i)?.join(', '),
    };
  });
  const timeWidth = Math.max(...cells.map((c) => c.time.length));
  const valueWidth = Math.max(...cells.map((c) => c.value.length));
  return cells
    .map((c) => {
      const line = `${c.time.padEnd(timeWidth)}  ${c.bar.padEnd(width)}  ${c.value.padStart(valueWidth)}`;
      return c.note ? `${line}  ← ${c.note}` : line;
    })
    .join('\n');
}
