/**
 * When a sample is worth an alert: a pure state machine, one state per cluster. Memory levels rise
 * once the value has stayed past a line for the minimum duration, and fall only once it has stayed
 * under the line minus the hysteresis as long, so a value wobbling around a line announces once.
 * Falling under warning is "recovered"; falling between levels is silent (the next rise is news
 * again). Evictions starting and keys without TTL growing too fast are announced once per episode.
 */
import type { Thresholds } from '../domain/types.js';
import type { MonitoringSample } from './sample.js';

export type AlertLevel = 'ok' | 'warning' | 'critical' | 'emergency';
export type AlertKind = 'warning' | 'critical' | 'emergency' | 'recovered' | 'evictions' | 'ttl_growth';

const ORDER: readonly AlertLevel[] = ['ok', 'warning', 'critical', 'emergency'];
const rank = (l: AlertLevel) => ORDER.indexOf(l);

/** No new eviction for this long ends an eviction episode (the next one is announced again). */
export const EVICTIONS_QUIET_MS = 15 * 60_000;
/** The growth rate is judged over at least this much history. */
export const TTL_GROWTH_MIN_SPAN_MS = 10 * 60_000;

export interface AlertState {
  /** The level last announced (or silently stepped down to). */
  level: AlertLevel;
  /**
   * Per other level, since when the memory has been continuously past it on the way there (at or
   * over a higher level's line; under a lower level's line minus the hysteresis). One clock per
   * level, so memory swinging between two levels above the announced one still holds the lower.
   */
  held?: Partial<Record<AlertLevel, number>>;
  /** Time of the newest sample applied: older or repeated samples change nothing. */
  lastAt: number;
  lastEvicted?: number;
  /**
   * Per primary (address): its evicted_keys and uptime at the last sample. Evictions are counted
   * per primary, because one primary's counter restarting at 0 would otherwise hide the others'
   * evictions in the sum, and a primary joining with an old count would look like new evictions.
   */
  evictedBy?: Record<string, [evicted: number, uptimeSeconds: number]>;
  /** Evictions counted per primary since the first sample: never goes down (see countEvictions). */
  evictedTotal?: number;
  /** Evictions announced and seen within EVICTIONS_QUIET_MS. */
  evictingSince?: number;
  lastEvictionAt?: number;
  ttlGrowth: boolean;
}

export const INITIAL_ALERT_STATE: AlertState = { level: 'ok', lastAt: 0, ttlGrowth: false };

export interface AlertPolicy {
  thresholds: Thresholds;
  hysteresisPct: number;
  minDurationMs: number;
  evictions: boolean;
  keysWithoutTtlPerHour?: number;
}

export interface Alert {
  kind: AlertKind;
  at: number;
  /** The level before this alert (for "recovered": what it recovered from). */
  from: AlertLevel;
  memoryPct: number | null;
  usedMemory: number;
  maxmemory: number;
  evictedSinceLast: number;
  keysWithoutTtl: number;
  /** ttl_growth: keys without TTL per hour over the compared span. */
  ratePerHour?: number;
}

/** One primary's counters in a sample (from its INFO). */
export interface PrimaryCounters {
  address: string;
  evicted: number;
  uptimeSeconds: number;
}

export interface AlertStep {
  state: AlertState;
  alerts: Alert[];
}

/** The level a value reaches on the way up (plain lines). */
export function levelUp(pct: number, t: Thresholds): AlertLevel {
  if (pct >= t.emergency) return 'emergency';
  if (pct >= t.critical) return 'critical';
  if (pct >= t.warning) return 'warning';
  return 'ok';
}

/** The level a value keeps on the way down: each line lowered by the hysteresis. */
export function levelDown(pct: number, t: Thresholds, h: number): AlertLevel {
  return levelUp(pct + h, t);
}

/**
 * Applies one sample. `earlier` is the sample the growth rate of keys without TTL is measured
 * from (see growthBaseline), when the history has one. `primaries` are the sample's per-primary
 * counters; without them evictions are judged on the sample's sum.
 */
export function stepAlerts(
  state: AlertState,
  sample: MonitoringSample,
  policy: AlertPolicy,
  earlier?: MonitoringSample,
  primaries?: readonly PrimaryCounters[],
): AlertStep {
  if (sample.at <= state.lastAt) return { state, alerts: [] };
  const next: AlertState = { ...state, lastAt: sample.at };
  const alerts: Alert[] = [];
  let evictedSinceLast: number;
  if (primaries) {
    const counted = countEvictions(state, primaries);
    evictedSinceLast = counted.sinceLast;
    next.evictedBy = counted.evictedBy;
    next.evictedTotal = counted.total;
  } else {
    evictedSinceLast =
      state.lastEvicted === undefined || sample.evicted < state.lastEvicted
        ? 0
        : sample.evicted - state.lastEvicted;
  }
  const alert = (kind: AlertKind, from: AlertLevel, extra: Partial<Alert> = {}): Alert => ({
    kind,
    at: sample.at,
    from,
    memoryPct: sample.memoryPct,
    usedMemory: sample.usedMemory,
    maxmemory: sample.maxmemory,
    evictedSinceLast,
    keysWithoutTtl: sample.keys - sample.keysWithTtl,
    ...extra,
  });

  stepLevel(next, sample, policy, alert, alerts);

  next.lastEvicted = sample.evicted;
  if (evictedSinceLast > 0) {
    if (next.evictingSince === undefined && policy.evictions) {
      alerts.push(alert('evictions', next.level));
      next.evictingSince = sample.at;
    }
    next.lastEvictionAt = sample.at;
  } else if (
    next.evictingSince !== undefined &&
    sample.at - (next.lastEvictionAt ?? next.evictingSince) >= EVICTIONS_QUIET_MS
  ) {
    delete next.evictingSince;
  }

  const rate = growthPerHour(sample, earlier);
  const limit = policy.keysWithoutTtlPerHour;
  if (limit !== undefined && rate !== undefined) {
    if (!next.ttlGrowth && rate > limit) {
      alerts.push(alert('ttl_growth', next.level, { ratePerHour: Math.round(rate) }));
      next.ttlGrowth = true;
    } else if (next.ttlGrowth && rate <= limit * 0.8) {
      // Well under the limit before it can be announced again: a rate hovering at it posts once.
      next.ttlGrowth = false;
    }
  }
  return { state: next, alerts };
}

function stepLevel(
  next: AlertState,
  sample: MonitoringSample,
  policy: AlertPolicy,
  alert: (kind: AlertKind, from: AlertLevel) => Alert,
  alerts: Alert[],
): void {
  if (sample.memoryPct === null) {
    delete next.held;
    return;
  }
  const from = next.level;
  const up = rank(levelUp(sample.memoryPct, policy.thresholds));
  const down = rank(levelDown(sample.memoryPct, policy.thresholds, policy.hysteresisPct));
  const held: Partial<Record<AlertLevel, number>> = {};
  for (const level of ORDER) {
    const r = rank(level);
    const past = r > rank(from) ? up >= r : r < rank(from) ? down <= r : false;
    if (past) held[level] = next.held?.[level] ?? sample.at;
  }
  const lasted = (level: AlertLevel) => {
    const since = held[level];
    return since !== undefined && sample.at - since >= policy.minDurationMs;
  };
  // Up: the highest level held long enough. Down (only when not up): the lowest.
  const rise = [...ORDER].reverse().find((l) => rank(l) > rank(from) && lasted(l));
  const fall = rise ? undefined : ORDER.find((l) => rank(l) < rank(from) && lasted(l));
  const to = rise ?? fall;
  if (!to) {
    if (Object.keys(held).length > 0) next.held = held;
    else delete next.held;
    return;
  }
  next.level = to;
  // Clocks still running in the same direction stay valid; the others meant "past the old level".
  const kept = Object.fromEntries(
    Object.entries(held).filter(([l]) =>
      rise ? rank(l as AlertLevel) > rank(to) : rank(l as AlertLevel) < rank(to),
    ),
  ) as Partial<Record<AlertLevel, number>>;
  if (Object.keys(kept).length > 0) next.held = kept;
  else delete next.held;
  if (rise) alerts.push(alert(to as AlertKind, from));
  else if (to === 'ok') alerts.push(alert('recovered', from));
}

/**
 * The evictions since the state's last sample, counted per primary, and the running total the
 * history keeps (sample.evictedTotal). Pure: the tick uses it for the history point before the
 * alert step, which counts the same.
 */
export function countEvictions(
  state: AlertState,
  primaries: readonly PrimaryCounters[],
): { sinceLast: number; total: number; evictedBy: NonNullable<AlertState['evictedBy']> } {
  const sinceLast = primaries.reduce((sum, p) => sum + evictedSince(p, state.evictedBy?.[p.address]), 0);
  return {
    sinceLast,
    total: (state.evictedTotal ?? 0) + sinceLast,
    evictedBy: Object.fromEntries(primaries.map((p) => [p.address, [p.evicted, p.uptimeSeconds]])),
  };
}

/**
 * One primary's evictions since the last sample. A primary not seen before (the first sample, a
 * new or failed-over primary) only sets the baseline. A restart (uptime went back) or a reset
 * counter (it went down) starts over: what it counts now happened since, never a negative number.
 */
function evictedSince(now: PrimaryCounters, before?: [number, number]): number {
  if (!before) return 0;
  const [evicted, uptime] = before;
  if (now.uptimeSeconds < uptime || now.evicted < evicted) return now.evicted;
  return now.evicted - evicted;
}

/**
 * The sample to measure keys-without-TTL growth from: the lowest point of the window before the
 * newest sample (the latest, on a tie). Measuring from the window's start is wrong after a drop (a
 * FLUSHALL, a mass delete): the climb after it would be netted against keys long gone. When the
 * newest sample is lower still, the rate comes out negative, which re-arms the alert.
 */
export function growthBaseline(window: readonly MonitoringSample[]): MonitoringSample | undefined {
  const newest = window[window.length - 1];
  let lowest: MonitoringSample | undefined;
  for (const s of window) {
    if (s === newest) break;
    if (!lowest || withoutTtl(s) <= withoutTtl(lowest)) lowest = s;
  }
  return lowest;
}

const withoutTtl = (s: MonitoringSample) => s.keys - s.keysWithTtl;

function growthPerHour(now: MonitoringSample, earlier?: MonitoringSample): number | undefined {
  if (!earlier) return undefined;
  const span = now.at - earlier.at;
  if (span < TTL_GROWTH_MIN_SPAN_MS) return undefined;
  const grew = now.keys - now.keysWithTtl - (earlier.keys - earlier.keysWithTtl);
  return (grew / span) * 3_600_000;
}
