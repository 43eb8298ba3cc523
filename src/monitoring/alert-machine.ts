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
  /** A level the memory has been at since `since`, not yet held for the minimum duration. */
  pending?: { level: AlertLevel; since: number };
  /** Time of the newest sample applied: older or repeated samples change nothing. */
  lastAt: number;
  lastEvicted?: number;
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
 * Applies one sample. `earlier` is a sample about an hour older (for the growth rate of keys
 * without TTL), when the history has one.
 */
export function stepAlerts(
  state: AlertState,
  sample: MonitoringSample,
  policy: AlertPolicy,
  earlier?: MonitoringSample,
): AlertStep {
  if (sample.at <= state.lastAt) return { state, alerts: [] };
  const next: AlertState = { ...state, lastAt: sample.at };
  const alerts: Alert[] = [];
  const evictedSinceLast =
    state.lastEvicted === undefined || sample.evicted < state.lastEvicted
      ? 0
      : sample.evicted - state.lastEvicted;
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
    delete next.pending;
    return;
  }
  const up = levelUp(sample.memoryPct, policy.thresholds);
  const down = levelDown(sample.memoryPct, policy.thresholds, policy.hysteresisPct);
  const candidate = rank(up) > rank(next.level) ? up : rank(down) < rank(next.level) ? down : next.level;
  if (candidate === next.level) {
    delete next.pending;
    return;
  }
  // The clock runs while the candidate stays the same; a different candidate starts it again, so
  // what is announced is a level the memory really held for the minimum duration.
  const since = next.pending?.level === candidate ? next.pending.since : sample.at;
  if (sample.at - since < policy.minDurationMs) {
    next.pending = { level: candidate, since };
    return;
  }
  const from = next.level;
  next.level = candidate;
  delete next.pending;
  if (rank(candidate) > rank(from)) alerts.push(alert(candidate as AlertKind, from));
  else if (candidate === 'ok') alerts.push(alert('recovered', from));
}

function growthPerHour(now: MonitoringSample, earlier?: MonitoringSample): number | undefined {
  if (!earlier) return undefined;
  const span = now.at - earlier.at;
  if (span < TTL_GROWTH_MIN_SPAN_MS) return undefined;
  const grew = now.keys - now.keysWithTtl - (earlier.keys - earlier.keysWithTtl);
  return (grew / span) * 3_600_000;
}
