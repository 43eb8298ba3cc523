/**
 * The closing report's cost impact: a scale on the incident's timeline is priced from the shipped
 * node catalog (the region's on-demand price of the group's engine × hours per month × nodes), the
 * figures computed here from the catalog file itself; an unpriced scale says so, and an incident
 * without a scale says no scaling was done, in both languages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNodeCatalog, SHIPPED_CATALOG } from '../../src/capacity/node-catalog.js';
import { createI18n } from '../../src/i18n/index.js';
import type { TimelineEntry } from '../../src/incidents/incident-store.js';
import { closingReport, scalesOfTimeline } from '../../src/presenters/closing-report.js';

const i18n = createI18n({ strict: true });
const AT = '2026-12-06T10:00:00.000Z';

interface RawCatalog {
  hoursPerMonth: number;
  nodeTypes: Record<string, { onDemandUsdPerHour: Record<string, { redis?: number; valkey?: number }> }>;
}
const raw = JSON.parse(readFileSync(SHIPPED_CATALOG, 'utf8')) as RawCatalog;
const price = (type: string, engine: 'redis' | 'valkey') => {
  const p = raw.nodeTypes[type]?.onDemandUsdPerHour['us-east-1']?.[engine];
  if (p === undefined) throw new Error(`catalog has no ${engine} price for ${type}`);
  return p;
};
/** "$1,234.50" from a USD amount, rounded to cents. */
const dollars = (n: number) =>
  `$${(Math.round(Math.abs(n) * 100) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;

function scale(data: Record<string, string | number>): TimelineEntry {
  return { at: AT, kind: 'scale_finished', actor: 'UAPPROVER', data };
}

function report(lang: 'en' | 'zh', timeline: TimelineEntry[]) {
  const doc = closingReport(
    {
      incident: {
        id: 'i1',
        cluster: 'market',
        channel: 'C1',
        threadTs: '1.1',
        openedBy: 'UREQUESTER',
        openedAt: AT,
        closedBy: 'UONCALL',
        closedAt: AT,
        resolution: 'ok',
      },
      steps: [],
      timeline,
      fixedPerRule: [],
      scales: scalesOfTimeline(timeline, loadNodeCatalog()),
    },
    lang,
    i18n,
    { timeZone: 'UTC', targetPct: 75 },
  );
  return {
    paragraphs: doc.blocks.flatMap((b) => (b.kind === 'paragraph' ? [b.text] : [])),
    bullets: doc.blocks.flatMap((b) => (b.kind === 'bullets' ? b.items : [])),
  };
}

describe('closing report: cost impact of a scale', () => {
  const redisUp = { from: 'cache.t4g.medium', to: 'cache.r7g.large', nodes: 2, engine: 'redis' as const };
  const valkeyUp = { from: 'cache.r6g.large', to: 'cache.r6g.xlarge', nodes: 3, engine: 'valkey' as const };
  const monthly = (type: string, s: { nodes: number; engine: 'redis' | 'valkey' }) =>
    Math.round(price(type, s.engine) * raw.hoursPerMonth * s.nodes * 100) / 100;
  const timeline = [
    scale({ ...redisUp, region: 'us-east-1' }),
    scale({ ...valkeyUp, region: 'us-east-1' }),
    scale({
      from: 'cache.r7g.large',
      to: 'cache.r7g.xlarge',
      nodes: 2,
      region: 'eu-west-9',
      engine: 'redis',
    }),
  ];

  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: each scale's monthly bill before → after and the delta, from the catalog's prices`, () => {
      const { paragraphs, bullets } = report(lang, timeline);
      for (const s of [redisUp, valkeyUp]) {
        const before = monthly(s.from, s);
        const after = monthly(s.to, s);
        const line = paragraphs.find((p) => p.includes(s.from) && p.includes(s.to)) ?? '';
        expect(line, `${s.from} → ${s.to}`).toContain(dollars(before));
        expect(line).toContain(dollars(after));
        expect(line).toContain(`+${dollars(after - before)}`);
        expect(line).toContain(String(s.nodes));
      }
      // No price in that region: said so, and no figure made up.
      const unpriced = paragraphs.find((p) => p.includes('cache.r7g.xlarge')) ?? '';
      expect(unpriced).not.toContain('$');
      expect(unpriced.length).toBeGreaterThan(0);
      // The timeline says the scale in words, not as its kind.
      const entries = bullets.filter((b) => b.includes(' · '));
      expect(entries).toHaveLength(3);
      for (const e of entries) expect(e).not.toContain('scale_finished');
      expect(entries[0]).toContain('cache.t4g.medium → cache.r7g.large');
    });

    it(`${lang}: no scale during the incident says no scaling was done, with no cost`, () => {
      const { paragraphs } = report(lang, [{ at: AT, kind: 'opened', actor: 'UREQUESTER' }]);
      const cost = paragraphs.filter((p) =>
        p.includes(i18n.slack(lang)('incident:report.cost_none').slice(0, 6)),
      );
      expect(cost).toEqual([i18n.slack(lang)('incident:report.cost_none')]);
      expect(paragraphs.join('\n')).not.toContain('$');
    });
  }

  it('a scale down is a negative delta', () => {
    const down = { from: 'cache.r7g.xlarge', to: 'cache.r7g.large', nodes: 2, engine: 'redis' as const };
    const { paragraphs } = report('en', [scale({ ...down, region: 'us-east-1' })]);
    const saved = monthly(down.from, down) - monthly(down.to, down);
    expect(saved).toBeGreaterThan(0);
    expect(paragraphs.find((p) => p.includes(down.from)) ?? '').toContain(`−${dollars(saved)}`);
  });
});
