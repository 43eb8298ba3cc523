/**
 * The projected memory curve: today's used memory, plus the growth trend, minus what the TTL rules
 * free as their keys leave. A key given a TTL by a rule leaves at a uniform point of
 * [ttl·(1−jitter), ttl] after the run, so a rule's bytes leave along a straight ramp over that window.
 * The peak curve adds the recent burst (highest minus today's) on top, because bursts recur.
 */
import type { TtlAction } from '../remediation/types.js';

export const DAY_SEC = 86_400;

/** What one rule frees and when (seconds after the run). */
export interface RuleRelease {
  rule: string;
  action: TtlAction;
  /** Keys the rule changes and their MEMORY USAGE (its dry-run's `toChange`, `bytesToFree`). */
  keys: number;
  bytes: number;
  fromSec: number;
  toSec: number;
}

export interface ProjectionInput {
  usedBytes: number;
  /** Highest recent memory minus today's (0 when unknown): added to the baseline for the peak curve. */
  burstBytes: number;
  growthBytesPerDay: number;
  releases: RuleRelease[];
  horizonDays: number;
}

export interface ProjectionPoint {
  day: number;
  baselineBytes: number;
  peakBytes: number;
}

export function releaseOf(
  rule: { name: string; action: TtlAction; ttlSec: number; jitter: number },
  keys: number,
  bytes: number,
): RuleRelease {
  return {
    rule: rule.name,
    action: rule.action,
    keys,
    bytes,
    fromSec: Math.floor(rule.ttlSec * (1 - rule.jitter)),
    toSec: rule.ttlSec,
  };
}

/** Bytes a rule has freed `tSec` after the run. */
export function freedBy(release: RuleRelease, tSec: number): number {
  if (tSec <= release.fromSec) return 0;
  if (tSec >= release.toSec) return release.bytes;
  return (release.bytes * (tSec - release.fromSec)) / (release.toSec - release.fromSec);
}

/** One point per day, day 0 = today, with or without the rules applied. */
export function project(input: ProjectionInput, withRules: boolean): ProjectionPoint[] {
  const points: ProjectionPoint[] = [];
  for (let day = 0; day <= input.horizonDays; day++) {
    const freed = withRules ? input.releases.reduce((sum, r) => sum + freedBy(r, day * DAY_SEC), 0) : 0;
    const baselineBytes = Math.max(0, input.usedBytes + input.growthBytesPerDay * day - freed);
    points.push({ day, baselineBytes, peakBytes: baselineBytes + Math.max(0, input.burstBytes) });
  }
  return points;
}

/** The first day the peak curve reaches `limitBytes`, or undefined within the horizon. */
export function firstDayAtOrAbove(
  points: readonly ProjectionPoint[],
  limitBytes: number,
): number | undefined {
  return points.find((p) => p.peakBytes >= limitBytes)?.day;
}

export function maxPeak(points: readonly ProjectionPoint[]): ProjectionPoint {
  return points.reduce(
    (a, b) => (b.peakBytes > a.peakBytes ? b : a),
    points[0] ?? { day: 0, baselineBytes: 0, peakBytes: 0 },
  );
}

/** Least-squares slope of (time, value) points, per day; 0 with fewer than two distinct times. */
export function slopePerDay(points: readonly { at: Date; value: number }[]): number {
  if (points.length < 2) return 0;
  const xs = points.map((p) => p.at.getTime() / (DAY_SEC * 1000));
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = points.reduce((a, p) => a + p.value, 0) / points.length;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    const dx = (xs[i] ?? 0) - meanX;
    num += dx * (p.value - meanY);
    den += dx * dx;
  });
  return den === 0 ? 0 : num / den;
}
