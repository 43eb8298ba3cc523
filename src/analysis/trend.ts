import type { TrendAnalysis, TrendPoint } from './types.js';

/** The slope is fitted on this recent part of the series. */
export const SLOPE_WINDOW_MINUTES = 15;
/** A burst: at least this many percentage points... */
export const BURST_MIN_RISE_PCT = 8;
/** ...gained within at most this many minutes... */
export const BURST_MAX_MINUTES = 15;
/** ...from a baseline judged (and its median taken) over this long before the rise. */
export const BASELINE_LOOKBACK_MINUTES = 30;

const MINUTE_MS = 60_000;
// CloudWatch jitters by a few tenths of a point on an idle node; never treat that as leaving the baseline.
const MIN_BASELINE_BAND_PCT = 1;

function clean(points: readonly TrendPoint[]): TrendPoint[] {
  const byTime = new Map<number, number>();
  for (const p of points) {
    const at = p.at.getTime();
    if (Number.isFinite(at) && Number.isFinite(p.value)) byTime.set(at, p.value);
  }
  return [...byTime.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, value]) => ({ at: new Date(at), value }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Least-squares slope in percent points per minute; undefined below two distinct timestamps. */
export function leastSquaresSlope(points: readonly TrendPoint[]): number | undefined {
  if (points.length < 2) return undefined;
  const t0 = points[0]!.at.getTime();
  const xs = points.map((p) => (p.at.getTime() - t0) / MINUTE_MS);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = points.reduce((a, p) => a + p.value, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  points.forEach((p, i) => {
    const dx = xs[i]! - meanX;
    sxy += dx * (p.value - meanY);
    sxx += dx * dx;
  });
  return sxx === 0 ? undefined : sxy / sxx;
}

/** Least-squares line through the points, as a function of time (a constant for one point). */
function lineFit(points: readonly TrendPoint[]): (at: Date) => number {
  const meanY = points.reduce((a, p) => a + p.value, 0) / points.length;
  const meanT = points.reduce((a, p) => a + p.at.getTime(), 0) / points.length;
  const slope = leastSquaresSlope(points) ?? 0;
  return (at) => meanY + (slope * (at.getTime() - meanT)) / MINUTE_MS;
}

function recentSlope(pts: TrendPoint[]): { slope: number; count: number } {
  const last = pts[pts.length - 1]!;
  const from = last.at.getTime() - SLOPE_WINDOW_MINUTES * MINUTE_MS;
  let window = pts.filter((p) => p.at.getTime() >= from);
  // A gap just before the end leaves one point in the window: two points up to twice as far apart
  // still say which way it is going.
  if (window.length < 2 && pts.length >= 2) {
    const prev = pts[pts.length - 2]!;
    if (last.at.getTime() - prev.at.getTime() <= 2 * SLOPE_WINDOW_MINUTES * MINUTE_MS) window = [prev, last];
  }
  const slope = leastSquaresSlope(window);
  return slope === undefined
    ? { slope: 0, count: Math.min(window.length, 1) }
    : { slope, count: window.length };
}

interface Burst {
  startIndex: number;
  /** Last rise end seen for this burst: later rises whose foot lies inside it are the same burst. */
  endIndex: number;
  baseline: number;
}

/** Index of the lowest point in (t_j - 15 min, j), the latest of equal lows: the last calm point. */
function footOf(pts: TrendPoint[], j: number): number | undefined {
  const from = pts[j]!.at.getTime() - BURST_MAX_MINUTES * MINUTE_MS;
  let foot: number | undefined;
  for (let i = j - 1; i >= 0 && pts[i]!.at.getTime() >= from; i--) {
    if (foot === undefined || pts[i]!.value < pts[foot]!.value) foot = i;
  }
  return foot;
}

/** pts[0..last] from time `fromMs` on, walking back from `last` so long series stay cheap. */
function backTo(pts: TrendPoint[], last: number, fromMs: number): TrendPoint[] {
  let first = last;
  while (first > 0 && pts[first - 1]!.at.getTime() >= fromMs) first--;
  return pts.slice(first, last + 1);
}

function burstAt(pts: TrendPoint[], foot: number, j: number): Burst | undefined {
  const rise = pts[j]!.value - pts[foot]!.value;
  if (rise < BURST_MIN_RISE_PCT) return undefined;
  const footAt = pts[foot]!.at.getTime();
  const lookFrom = footAt - BASELINE_LOOKBACK_MINUTES * MINUTE_MS;
  const beforePts = backTo(pts, foot, lookFrom);
  // The foot alone (the window starts there) says nothing about the level before the rise.
  if (beforePts.length < 2) return undefined;
  const before = beforePts.map((p) => p.value);
  const spread = Math.max(...before) - Math.min(...before);
  // A steady climb is "rising", not a burst: the level before the rise must be calm next to the
  // rise, both in how far it moved and in how fast.
  if (spread >= rise / 2) return undefined;
  const riseRate = rise / Math.max(1, (pts[j]!.at.getTime() - footAt) / MINUTE_MS);
  if (Math.abs(leastSquaresSlope(beforePts) ?? 0) > riseRate / 4) return undefined;
  // The burst starts at the first point above the baseline's own line (flat or slowly drifting)
  // plus its noise: the lowest point of the window is not enough when the baseline drifts up.
  const baselineAt = lineFit(beforePts);
  const band = Math.max(MIN_BASELINE_BAND_PCT, ...beforePts.map((p) => Math.abs(p.value - baselineAt(p.at))));
  let start = foot + 1;
  while (start < j && pts[start]!.value <= baselineAt(pts[start]!.at) + band) start++;
  const baselineValues = backTo(pts, start - 1, lookFrom).map((p) => p.value);
  return { startIndex: start, endIndex: j, baseline: median(baselineValues) };
}

/** The latest burst in the series, if any. */
function detectBurst(pts: TrendPoint[]): Burst | undefined {
  let latest: Burst | undefined;
  for (let j = 1; j < pts.length; j++) {
    const foot = footOf(pts, j);
    if (foot === undefined) continue;
    // Further up the same climb the 15-minute low moves into the rise; that is still this burst.
    if (latest !== undefined && foot <= latest.endIndex) {
      if (pts[j]!.value - pts[foot]!.value >= BURST_MIN_RISE_PCT) latest.endIndex = j;
      continue;
    }
    latest = burstAt(pts, foot, j) ?? latest;
  }
  return latest;
}

/**
 * What the memory series says: current (last point), peak (absolute max, earliest of ties),
 * slope over the last {@link SLOPE_WINDOW_MINUTES} minutes, and the latest burst (a rise of at least
 * {@link BURST_MIN_RISE_PCT} points within {@link BURST_MAX_MINUTES} minutes from a calm baseline).
 * `burstStart` is the first point above the baseline band: with the runbook's 4-minute table that
 * is 14:00 (its "BURST START"); the last calm point before it was 13:56.
 */
export function analyzeTrend(points: TrendPoint[]): TrendAnalysis | undefined {
  const pts = clean(points);
  const current = pts[pts.length - 1];
  if (current === undefined) return undefined;
  let peak = pts[0]!;
  for (const p of pts) if (p.value > peak.value) peak = p;
  const { slope, count } = recentSlope(pts);
  const burst = detectBurst(pts);
  return {
    current,
    peak,
    ...(burst !== undefined ? { burstStart: pts[burst.startIndex]!, baseline: burst.baseline } : {}),
    slopePctPerMin: slope,
    slopeSampleCount: count,
  };
}

/** Sum of the values in the last `minutes` before `end` (default: the last point), e.g. evictions. */
export function recentSum(points: readonly TrendPoint[], minutes: number, end?: Date): number {
  const last =
    end ?? points.reduce<Date | undefined>((a, p) => (a === undefined || p.at > a ? p.at : a), undefined);
  if (last === undefined) return 0;
  const from = last.getTime() - minutes * MINUTE_MS;
  return points
    .filter((p) => p.at.getTime() > from && p.at.getTime() <= last.getTime() && Number.isFinite(p.value))
    .reduce((a, p) => a + p.value, 0);
}
