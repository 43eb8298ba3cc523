/**
 * The scale-or-fix decision on the runbook's own numbers (§1 and §3): 2.32 GiB maxmemory, a 61 %
 * baseline, bursts to 89.4 %, the four TTL rules freeing ~0.5 GiB, and the cost table's nodes.
 */
import { describe, expect, it } from 'vitest';
import { costTable } from '../../src/capacity/cost-table.js';
import { loadNodeCatalog, requirePricedNode } from '../../src/capacity/node-catalog.js';
import { releaseOf } from '../../src/capacity/projection.js';
import { cpuCreditsState, sizeCluster } from '../../src/capacity/sizing.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';

const GIB = 1024 ** 3;
const MAXMEMORY = 2.32 * GIB;
const NOW = new Date('2026-02-12T14:35:00Z');
const thresholds = { warning: 60, critical: 70, emergency: 85 };

function rows() {
  const catalog = loadNodeCatalog();
  const node = (t: string) => requirePricedNode(catalog, t, 'us-east-1', 'redis');
  return costTable({
    current: node('cache.t4g.medium'),
    candidates: ['cache.m7g.large', 'cache.r6g.large', 'cache.r7g.large'].map(node),
    nodes: 2,
    hoursPerMonth: 730,
    reservedMemoryPercent: 25,
    currentMaxmemoryBytes: MAXMEMORY,
  });
}

/** The runbook's rules freeing 0.5 GiB in all, split by the keys each changes (§2's counts). */
function releases(totalBytes: number) {
  const keys: Record<string, number> = {
    'exchange-price': 473,
    'coupon-unread': 147_111,
    'last-activity': 374_639,
    'user-group-label': 177_450,
  };
  const all = Object.values(keys).reduce((a, b) => a + b, 0);
  return RUNBOOK_RULES.map((r) =>
    releaseOf(r, keys[r.name] ?? 0, Math.round((totalBytes * (keys[r.name] ?? 0)) / all)),
  );
}

describe('sizeCluster on the runbook numbers', () => {
  it('says "fix TTLs first, then reassess in two weeks", with m7g.large if the fix is not enough', () => {
    const sizing = sizeCluster({
      now: NOW,
      horizonDays: 90,
      thresholds,
      usedBytes: 0.613 * MAXMEMORY,
      recentPeakBytes: 0.894 * MAXMEMORY,
      currentMaxmemoryBytes: MAXMEMORY,
      rows: rows(),
      releases: releases(0.5 * GIB),
      growthBytesPerDay: 0,
    });
    const rec = sizing.recommendation;
    expect(rec.kind).toBe('fix_ttls_first');
    if (rec.kind !== 'fix_ttls_first') return;
    // exchange-price (7 d) is the first rule done; never sooner than the runbook's two weeks.
    expect(rec.reassessOn).toBe('2026-02-26');
    // Without the fixes the burst peak (89.4 %) is past the 70 % critical line: the runbook's Option B.
    expect(rec.ifInsufficient).toBe('cache.m7g.large');
    // m7g.large: 89.4 % of 2.32 GiB over ~4.8 GiB.
    const m7g = sizing.projections.find((p) => p.nodeType === 'cache.m7g.large');
    expect(m7g?.maxPeakPctWithoutRules).toBeCloseTo((0.894 * 2.32 * 100) / (6.38 * 0.75), 1);
    expect(sizing.freedBytes).toBeCloseTo(0.5 * GIB, -2);
  });

  it('says "scale to X" when the node fills up even with the fixes (growth outruns them)', () => {
    const sizing = sizeCluster({
      now: NOW,
      horizonDays: 90,
      thresholds,
      usedBytes: 0.613 * MAXMEMORY,
      recentPeakBytes: 0.894 * MAXMEMORY,
      currentMaxmemoryBytes: MAXMEMORY,
      rows: rows(),
      releases: releases(0.5 * GIB),
      // 20 MiB a day: the burst peak reaches 100 % in about 13 days, before any rule frees a byte.
      growthBytesPerDay: 20 * 1024 ** 2,
    });
    const rec = sizing.recommendation;
    expect(rec).toMatchObject({ kind: 'scale', because: 'full_even_with_fixes' });
    if (rec.kind !== 'scale') return;
    const fullDay = Math.ceil(((1 - 0.894) * MAXMEMORY) / (20 * 1024 ** 2));
    expect(rec.fullOnDay).toBe(fullDay);
    // The cheapest node whose projected peak stays under 70 % for 90 days.
    const fits = sizing.projections.filter((p) => !p.current && p.maxPeakPct < 70).map((p) => p.nodeType);
    expect(rec.to).toBe(fits[0]);
  });

  it('stays on the node when nothing is pending and the peak is under the critical line', () => {
    const sizing = sizeCluster({
      now: NOW,
      horizonDays: 90,
      thresholds,
      usedBytes: 0.4 * MAXMEMORY,
      recentPeakBytes: 0.5 * MAXMEMORY,
      currentMaxmemoryBytes: MAXMEMORY,
      rows: rows(),
      releases: [],
      growthBytesPerDay: 0,
    });
    expect(sizing.recommendation).toEqual({ kind: 'fits', peakPct: expect.closeTo(50, 5) });
  });
});

describe('cpuCreditsState', () => {
  const at = (h: number) => new Date(NOW.getTime() + h * 3_600_000);
  it('is low under 50 credits, and falling when the recent rate empties it within a day', () => {
    expect(
      cpuCreditsState([
        { at: at(0), value: 40 },
        { at: at(1), value: 30 },
      ]),
    ).toMatchObject({
      low: true,
      falling: true,
      perHour: -10,
    });
    expect(
      // −20 an hour from 300: empty within the day.
      cpuCreditsState([
        { at: at(0), value: 500 },
        { at: at(10), value: 300 },
      ]),
    ).toMatchObject({
      low: false,
      falling: true,
    });
    // −10 an hour from 400 lasts 40 hours: the ordinary ebb of a burstable node, not a warning.
    expect(
      cpuCreditsState([
        { at: at(0), value: 500 },
        { at: at(10), value: 400 },
      ]),
    ).toMatchObject({
      low: false,
      falling: false,
    });
    expect(
      cpuCreditsState([
        { at: at(0), value: 500 },
        { at: at(10), value: 560 },
      ]),
    ).toMatchObject({
      low: false,
      falling: false,
    });
    expect(cpuCreditsState([])).toBeUndefined();
  });
});
