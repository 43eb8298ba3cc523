/**
 * The alert state machine against the numbers its policy states: lines at 60 / 70 / 85 %, 2 points
 * of hysteresis, a 2-minute minimum duration, samples a minute apart.
 */
import { describe, expect, it } from 'vitest';
import {
  type AlertKind,
  type AlertPolicy,
  type AlertState,
  EVICTIONS_QUIET_MS,
  INITIAL_ALERT_STATE,
  stepAlerts,
} from '../../src/monitoring/alert-machine.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';

const POLICY: AlertPolicy = {
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  hysteresisPct: 2,
  minDurationMs: 120_000,
  evictions: true,
  keysWithoutTtlPerHour: 1_000,
};

function sample(minute: number, pct: number, extra: Partial<MonitoringSample> = {}): MonitoringSample {
  return {
    at: minute * 60_000,
    usedMemory: pct * 1_000,
    maxmemory: 100_000,
    memoryPct: pct,
    keys: 1_000,
    keysWithTtl: 500,
    evicted: 0,
    expired: 0,
    opsPerSec: 0,
    fragmentation: 1,
    clients: 1,
    nodes: 1,
    ...extra,
  };
}

/** Feeds one value a minute and returns every alert with the minute it came at. */
function run(values: number[], policy = POLICY): { minute: number; kind: AlertKind }[] {
  let state: AlertState = INITIAL_ALERT_STATE;
  const out: { minute: number; kind: AlertKind }[] = [];
  values.forEach((v, minute) => {
    const step = stepAlerts(state, sample(minute + 1, v), policy);
    state = step.state;
    for (const a of step.alerts) out.push({ minute: minute + 1, kind: a.kind });
  });
  return out;
}

describe('memory levels', () => {
  it('announces a level only after the value held it for the minimum duration', () => {
    // 62 % from minute 1: held 2 minutes at minute 3.
    expect(run([50, 62, 62, 62, 62])).toEqual([{ minute: 4, kind: 'warning' }]);
    expect(run([50, 62, 59, 62, 59, 62])).toEqual([]);
  });

  it('posts once for a value wobbling 69–71 % around the critical line after it was announced', () => {
    const values = [62, 62, 62, 72, 72, 72, ...Array.from({ length: 20 }, (_, i) => (i % 2 ? 69 : 71))];
    expect(run(values).map((a) => a.kind)).toEqual(['warning', 'critical']);
  });

  it('goes warning → critical → emergency → recovered once each for the acceptance curve', () => {
    const values = [50, 50, 62, 62, 62, 72, 72, 72, 69, 71, 70, 69, 71, 88, 88, 88, 40, 40, 40, 40];
    expect(run(values).map((a) => a.kind)).toEqual(['warning', 'critical', 'emergency', 'recovered']);
  });

  it('recovers only under warning minus the hysteresis, and steps down between levels silently', () => {
    expect(run([62, 62, 62, 59, 59, 59, 59]).map((a) => a.kind)).toEqual(['warning']);
    expect(run([62, 62, 62, 57, 57, 57]).map((a) => a.kind)).toEqual(['warning', 'recovered']);
    // critical, then 65 % (warning band) for a while, then back over 70: critical again.
    const down = run([72, 72, 72, 65, 65, 65, 72, 72, 72]).map((a) => a.kind);
    expect(down).toEqual(['critical', 'critical']);
  });

  it('with no minimum duration announces on the first sample past a line', () => {
    expect(run([61], { ...POLICY, minDurationMs: 0 })).toEqual([{ minute: 1, kind: 'warning' }]);
  });

  it('ignores a sample not newer than the last one applied (a tick run twice)', () => {
    const first = stepAlerts(INITIAL_ALERT_STATE, sample(1, 90), { ...POLICY, minDurationMs: 0 });
    expect(first.alerts.map((a) => a.kind)).toEqual(['emergency']);
    const again = stepAlerts(first.state, sample(1, 90), { ...POLICY, minDurationMs: 0 });
    expect(again.alerts).toEqual([]);
    expect(again.state).toBe(first.state);
  });

  it('says nothing while maxmemory is 0', () => {
    const step = stepAlerts(INITIAL_ALERT_STATE, sample(1, 0, { memoryPct: null }), POLICY);
    expect(step.alerts).toEqual([]);
  });
});

describe('values swinging between levels', () => {
  it('announces warning for memory that swings 65 ↔ 72 % every minute: never under the warning line', () => {
    const values = Array.from({ length: 10 }, (_, i) => (i % 2 ? 72 : 65));
    // Over 60 % since minute 1, held for the 2-minute minimum at minute 3; critical never held 2 minutes.
    expect(run(values)).toEqual([{ minute: 3, kind: 'warning' }]);
  });

  it('steps down from emergency while memory swings 50 ↔ 58 %, so the next rise to 90 % is announced', () => {
    const swing = Array.from({ length: 8 }, (_, i) => (i % 2 ? 58 : 50));
    const kinds = run([90, 90, 90, ...swing, 90, 90, 90]).map((a) => a.kind);
    // 8 minutes under 68 % (critical minus the hysteresis) leave emergency; coming back is news.
    expect(kinds).toEqual(['emergency', 'emergency']);
  });
});

describe('evictions and keys without TTL', () => {
  it('announces evictions starting once per episode, again after a quiet period', () => {
    let state: AlertState = INITIAL_ALERT_STATE;
    const kinds: AlertKind[] = [];
    const feed = (minute: number, evicted: number) => {
      const step = stepAlerts(state, sample(minute, 50, { evicted }), POLICY);
      state = step.state;
      kinds.push(...step.alerts.map((a) => a.kind));
    };
    feed(1, 0);
    feed(2, 10);
    feed(3, 30);
    feed(4, 30);
    expect(kinds).toEqual(['evictions']);
    const quietMinutes = EVICTIONS_QUIET_MS / 60_000;
    feed(3 + quietMinutes, 30);
    feed(4 + quietMinutes, 31);
    expect(kinds).toEqual(['evictions', 'evictions']);
  });

  it('announces keys without TTL growing faster than the configured rate per hour, once', () => {
    const hourAgo = sample(0, 50, { keys: 10_000, keysWithTtl: 5_000 });
    // +1,500 keys without TTL in an hour: over 1,000 / h.
    const fast = stepAlerts(
      INITIAL_ALERT_STATE,
      sample(60, 50, { keys: 11_500, keysWithTtl: 5_000 }),
      POLICY,
      hourAgo,
    );
    expect(fast.alerts.map((a) => [a.kind, a.ratePerHour])).toEqual([['ttl_growth', 1_500]]);
    const still = stepAlerts(
      fast.state,
      sample(61, 50, { keys: 11_600, keysWithTtl: 5_000 }),
      POLICY,
      sample(1, 50, { keys: 10_000, keysWithTtl: 5_000 }),
    );
    expect(still.alerts).toEqual([]);
    const slow = stepAlerts(
      INITIAL_ALERT_STATE,
      sample(60, 50, { keys: 10_900, keysWithTtl: 5_000 }),
      POLICY,
      hourAgo,
    );
    expect(slow.alerts).toEqual([]);
  });
});
