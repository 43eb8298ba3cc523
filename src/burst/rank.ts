/**
 * Ranking: every candidate's activity per minute against one reference curve, the memory's growth
 * per minute (or, without a memory series, the estimated Redis writes per minute of all patterns).
 * The score is the best Pearson correlation with the activity leading by 0–3 minutes (jobs write
 * before memory shows it), clamped to 0–1: the strongest time correlation first.
 */
import type { TrendPoint } from '../domain/types.js';
import { busiestRun, MINUTE_MS, perMinute } from './histogram.js';
import type { Candidate, MinuteCount } from './types.js';

const MAX_LEAD_MINUTES = 3;

/** Memory growth per minute on the grid of [from, to): positive steps of the curve, interpolated. */
export function memoryGrowth(points: readonly TrendPoint[], from: Date, to: Date): MinuteCount[] {
  const grid = perMinute([], from, to);
  if (points.length < 2) return grid;
  const value = (t: number): number => {
    const first = points[0] as TrendPoint;
    const last = points[points.length - 1] as TrendPoint;
    if (t <= first.at.getTime()) return first.value;
    if (t >= last.at.getTime()) return last.value;
    const i = points.findIndex((p) => p.at.getTime() >= t);
    const b = points[i] as TrendPoint;
    const a = points[i - 1] as TrendPoint;
    const span = b.at.getTime() - a.at.getTime();
    return span > 0 ? a.value + ((b.value - a.value) * (t - a.at.getTime())) / span : b.value;
  };
  return grid.map((cell) => {
    const t = cell.at.getTime();
    return { at: cell.at, count: Math.max(0, value(t + MINUTE_MS) - value(t)) };
  });
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 3) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i] ?? 0;
    sy += y[i] ?? 0;
  }
  const mx = sx / n;
  const my = sy / n;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - mx;
    const dy = (y[i] ?? 0) - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : 0;
}

/** Best correlation of `activity` with `reference`, the activity leading by 0–3 minutes. */
export function leadCorrelation(
  activity: readonly MinuteCount[],
  reference: readonly MinuteCount[],
): { score: number; leadMinutes: number } {
  const a = activity.map((c) => c.count);
  const r = reference.map((c) => c.count);
  let best = { score: 0, leadMinutes: 0 };
  for (let lead = 0; lead <= MAX_LEAD_MINUTES; lead++) {
    const score = pearson(a.slice(0, a.length - lead), r.slice(lead));
    if (score > best.score + 1e-9) best = { score, leadMinutes: lead };
  }
  return { score: Math.max(0, Math.min(1, best.score)), leadMinutes: best.leadMinutes };
}

/**
 * A one-off event (a rule firing once, a task starting) cannot follow a curve minute by minute: its
 * correlation stays low however well it lines up. Such candidates (activity in at most two minutes
 * of the window) are scored by onset instead: starting 0–3 minutes before the reference's rise
 * scores 0.8, within a minute after it 0.6, further away less (nothing beyond 15 minutes). Capped
 * under a close minute-by-minute fit, which says more than a coincidence in time.
 */
function onsetScore(leadMinutes: number): number {
  if (leadMinutes >= 0 && leadMinutes <= 3) return 0.8;
  if (leadMinutes < 0 && leadMinutes >= -1) return 0.6;
  return Math.max(0, 0.5 - Math.abs(leadMinutes) / 30);
}

/** Scores and orders the candidates: best time correlation first, then bytes grown, then name. */
export function rankCandidates(
  candidates: Omit<Candidate, 'score'>[],
  reference: readonly MinuteCount[] | undefined,
  window: { from: Date; to: Date },
): Candidate[] {
  const hasReference = reference?.some((r) => r.count > 0) === true;
  const rise = hasReference && reference ? busiestRun(reference, window.from, window.to) : undefined;
  const scored = candidates.map((c): Candidate => {
    const run = busiestRun(c.activity, window.from, window.to);
    const start = c.start ?? run?.start;
    const fit = hasReference && reference ? leadCorrelation(c.activity, reference) : undefined;
    let score = fit?.score ?? 0;
    let lead = fit && fit.score > 0 ? fit.leadMinutes : undefined;
    const activeMinutes = c.activity.filter((a) => a.count > 0).length;
    if (rise && start && activeMinutes > 0 && activeMinutes <= 2) {
      const minutesBefore = Math.round((rise.start.getTime() - start.getTime()) / MINUTE_MS);
      const onset = onsetScore(minutesBefore);
      if (onset > score) {
        score = onset;
        lead = minutesBefore > 0 ? minutesBefore : undefined;
      }
    }
    return {
      ...c,
      ...(start ? { start } : {}),
      score,
      ...(lead !== undefined ? { leadMinutes: lead } : {}),
    };
  });
  return scored.sort(
    (a, b) =>
      b.score - a.score ||
      (b.bytesDelta ?? 0) - (a.bytesDelta ?? 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
