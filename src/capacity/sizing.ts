/**
 * Scale or not, in the runbook's terms. The projected peak (baseline + recent burst) is compared
 * with maxmemory and the cluster's critical threshold on the current node and on every larger
 * node ElastiCache allows:
 * - TTL rules still to free memory, and the current node never fills up with them applied:
 *   "fix TTLs first, then reassess on <date>" (the date the first rule has freed all it will, at
 *   least two weeks out, as the runbook's "revisit in 2 weeks"), naming the node to scale to if
 *   the fix turns out not to be enough.
 * - The node fills up even with the fixes, or nothing is pending and the peak passes the critical
 *   line: "scale to X", the cheapest allowed node whose projected peak stays under that line.
 */
import type { Thresholds } from '../domain/types.js';
import type { CostRow } from './cost-table.js';
import {
  DAY_SEC,
  firstDayAtOrAbove,
  maxPeak,
  type ProjectionInput,
  type ProjectionPoint,
  project,
  type RuleRelease,
} from './projection.js';

export const DEFAULT_HORIZON_DAYS = 90;
/** The runbook's "revisit in 2 weeks": never reassess sooner, even when a rule's TTL is shorter. */
export const MIN_REASSESS_DAYS = 14;

export interface NodeProjection {
  nodeType: string;
  current: boolean;
  maxmemoryBytes: number;
  withRules: ProjectionPoint[];
  withoutRules: ProjectionPoint[];
  /** Highest projected peak as a percent of maxmemory (with the rules applied). */
  maxPeakPct: number;
  maxPeakPctWithoutRules: number;
  /** First day the projected peak reaches maxmemory (with the rules applied). */
  fullOnDay?: number;
}

export type Recommendation =
  | {
      kind: 'fix_ttls_first';
      reassessOn: string;
      reassessInDays: number;
      freedBytes: number;
      /** Projected peak on the current node on the reassessment day, percent of maxmemory. */
      peakPctAtReassess: number;
      /** The node to scale to if the fixes are not enough (cheapest that fits without them). */
      ifInsufficient?: string;
    }
  | {
      kind: 'scale';
      to: string;
      because: 'full_even_with_fixes' | 'over_critical';
      peakPct: number;
      fullOnDay?: number;
    }
  | { kind: 'fits'; peakPct: number }
  | { kind: 'no_larger_fits'; largest?: string; peakPct: number };

export type CpuCreditsState = { latest: number; perHour: number; low: boolean; falling: boolean };

export interface SizingInput {
  now: Date;
  horizonDays: number;
  thresholds: Thresholds;
  usedBytes: number;
  /** The highest memory seen recently (CloudWatch's hourly maximum over the trend window, else INFO's peak). */
  recentPeakBytes: number;
  currentMaxmemoryBytes: number;
  /** Cost table rows (current first); empty on a self-hosted Redis. */
  rows: CostRow[];
  releases: RuleRelease[];
  growthBytesPerDay: number;
}

export interface Sizing {
  projections: NodeProjection[];
  recommendation: Recommendation;
  burstBytes: number;
  freedBytes: number;
}

const pct = (bytes: number, max: number) => (max > 0 ? (bytes / max) * 100 : 0);

function projectNode(
  nodeType: string,
  current: boolean,
  maxmemoryBytes: number,
  input: ProjectionInput,
): NodeProjection {
  const withRules = project(input, true);
  const withoutRules = project(input, false);
  const fullOnDay = firstDayAtOrAbove(withRules, maxmemoryBytes);
  return {
    nodeType,
    current,
    maxmemoryBytes,
    withRules,
    withoutRules,
    maxPeakPct: pct(maxPeak(withRules).peakBytes, maxmemoryBytes),
    maxPeakPctWithoutRules: pct(maxPeak(withoutRules).peakBytes, maxmemoryBytes),
    ...(fullOnDay !== undefined ? { fullOnDay } : {}),
  };
}

function isoDay(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY_SEC * 1000).toISOString().slice(0, 10);
}

export function sizeCluster(input: SizingInput): Sizing {
  const burstBytes = Math.max(0, input.recentPeakBytes - input.usedBytes);
  const projectionInput: ProjectionInput = {
    usedBytes: input.usedBytes,
    burstBytes,
    growthBytesPerDay: input.growthBytesPerDay,
    releases: input.releases,
    horizonDays: input.horizonDays,
  };
  const currentRow = input.rows.find((r) => r.current);
  const current = projectNode(
    currentRow?.nodeType ?? 'current',
    true,
    input.currentMaxmemoryBytes,
    projectionInput,
  );
  const candidates = input.rows
    .filter((r) => !r.current)
    .map((r) => projectNode(r.nodeType, false, r.maxmemoryBytes, projectionInput));
  const projections = [current, ...candidates];
  const freedBytes = input.releases.reduce((sum, r) => sum + r.bytes, 0);
  const critical = input.thresholds.critical;
  // Candidates come cheapest first (the cost table's order).
  const fits = (withRules: boolean) =>
    candidates.find((c) => (withRules ? c.maxPeakPct : c.maxPeakPctWithoutRules) < critical);
  const largest = candidates.reduce<NodeProjection | undefined>(
    (a, b) => (a === undefined || b.maxmemoryBytes > a.maxmemoryBytes ? b : a),
    undefined,
  );

  const scaleTo = (withRules: boolean, because: 'full_even_with_fixes' | 'over_critical'): Recommendation => {
    const target = fits(withRules);
    const peakPct = withRules ? current.maxPeakPct : current.maxPeakPctWithoutRules;
    if (target === undefined) {
      return { kind: 'no_larger_fits', ...(largest ? { largest: largest.nodeType } : {}), peakPct };
    }
    return {
      kind: 'scale',
      to: target.nodeType,
      because,
      peakPct,
      ...(current.fullOnDay !== undefined ? { fullOnDay: current.fullOnDay } : {}),
    };
  };

  let recommendation: Recommendation;
  if (freedBytes > 0) {
    if (current.fullOnDay !== undefined) {
      recommendation = scaleTo(true, 'full_even_with_fixes');
    } else {
      const firstDone = Math.min(...input.releases.filter((r) => r.bytes > 0).map((r) => r.toSec)) / DAY_SEC;
      const reassessInDays = Math.min(input.horizonDays, Math.max(MIN_REASSESS_DAYS, Math.ceil(firstDone)));
      const atReassess = current.withRules[reassessInDays] ?? current.withRules[current.withRules.length - 1];
      const fallback = current.maxPeakPctWithoutRules < critical ? undefined : fits(false);
      recommendation = {
        kind: 'fix_ttls_first',
        reassessOn: isoDay(input.now, reassessInDays),
        reassessInDays,
        freedBytes,
        peakPctAtReassess: pct(atReassess?.peakBytes ?? 0, input.currentMaxmemoryBytes),
        ...(fallback !== undefined ? { ifInsufficient: fallback.nodeType } : {}),
      };
    }
  } else if (current.maxPeakPctWithoutRules < critical) {
    recommendation = { kind: 'fits', peakPct: current.maxPeakPctWithoutRules };
  } else {
    recommendation = scaleTo(false, 'over_critical');
  }
  return { projections, recommendation, burstBytes, freedBytes };
}

/** Burstable nodes: credits under this, or running out within a day at the recent rate, warn. */
export const LOW_CPU_CREDITS = 50;

/** CPU credit balance state from CPUCreditBalance points (oldest first); undefined without points. */
export function cpuCreditsState(points: readonly { at: Date; value: number }[]): CpuCreditsState | undefined {
  const last = points[points.length - 1];
  const first = points[0];
  if (last === undefined || first === undefined) return undefined;
  const hours = (last.at.getTime() - first.at.getTime()) / 3_600_000;
  const perHour = hours > 0 ? (last.value - first.value) / hours : 0;
  const falling = perHour < 0 && last.value + perHour * 24 <= 0;
  return { latest: last.value, perHour, low: last.value < LOW_CPU_CREDITS, falling };
}
