/**
 * The closing report's checklist lines, as Slack mrkdwn: who did a step is a real mention
 * (`<@U…>`, which Slack turns into a name), a skip reason typed by a person is escaped exactly once
 * (`<!channel>` shows as text, never pings, and never shows as `&lt;`), in both languages; every
 * timeline entry (a step, the plan's dry-run, request and approval, a run's start and end) reads
 * in words, never as its kind or id.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { ChecklistStep } from '../../src/incidents/checklist/types.js';
import type { TimelineEntry } from '../../src/incidents/incident-store.js';
import { closingReport } from '../../src/presenters/closing-report.js';

const i18n = createI18n({ strict: true });
const AT = '2026-12-06T10:00:00.000Z';

const steps: ChecklistStep[] = [
  { id: 'dry_run', state: 'done', record: { state: 'done', by: 'UREQUESTER', at: AT } },
  {
    id: 'deploy_monitoring',
    state: 'skipped',
    record: { state: 'skipped', by: 'UONCALL', at: AT, reason: 'a & b <!channel>' },
  },
];

const PLAN_KINDS: TimelineEntry[] = [
  { at: AT, kind: 'ttl_plan_dry_run', actor: 'UREQUESTER', data: { plan: 'plan-1', rules: 4 } },
  { at: AT, kind: 'ttl_plan_approval_requested', actor: 'UREQUESTER', data: { request: 'apr-1' } },
  { at: AT, kind: 'ttl_plan_approved', actor: 'UAPPROVER', data: { request: 'apr-1', run: 'ttl-1' } },
  { at: AT, kind: 'ttl_run_started', actor: 'UAPPROVER', data: { run: 'ttl-1', rule: 'plan-1' } },
  {
    at: AT,
    kind: 'ttl_run_finished',
    actor: 'job',
    data: { run: 'ttl-1', rule: 'coupon-unread', changed: 110 },
  },
  {
    at: AT,
    kind: 'ttl_run_cancelled',
    actor: 'job',
    data: { run: 'ttl-2', rule: 'last-activity', changed: 7 },
  },
  { at: AT, kind: 'ttl_run_failed', actor: 'job', data: { run: 'ttl-3', rule: 'exchange-price' } },
];

function lines(lang: 'en' | 'zh', fixedPerRule: { rule: string; changed: number }[] = []) {
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
      steps,
      timeline: [
        { at: AT, kind: 'step_done', actor: 'UREQUESTER', data: { step: 'dry_run' } },
        ...PLAN_KINDS,
      ],
      fixedPerRule,
    },
    lang,
    i18n,
    { timeZone: 'UTC', targetPct: 75 },
  );
  return doc.blocks.flatMap((b) => (b.kind === 'bullets' ? b.items : []));
}

describe('closing report', () => {
  it('en: one key fixed is "1 key", more are "keys"', () => {
    const all = lines('en', [
      { rule: 'exchange-price', changed: 1 },
      { rule: 'coupon-unread', changed: 1200 },
    ]);
    expect(all).toContain('`exchange-price`: 1 key given a TTL');
    expect(all).toContain('`coupon-unread`: 1,200 keys given a TTL');
  });

  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: mentions stay mentions, a skip reason is escaped once`, () => {
      const all = lines(lang);
      const dryRun = all.find((l) => l.includes('UREQUESTER') && !l.includes(' · ')) ?? '';
      expect(dryRun).toContain('<@UREQUESTER>');
      const skipped = all.find((l) => l.includes('UONCALL')) ?? '';
      expect(skipped).toContain('<@UONCALL>');
      expect(skipped).toContain('a &amp; b &lt;!channel&gt;');
      expect(skipped).not.toContain('<!channel>');
      const timeline = all.filter((l) => l.includes(' · '));
      expect(timeline).toHaveLength(1 + PLAN_KINDS.length);
      // Every entry in words: no raw kind or step id reaches a reader.
      for (const line of timeline) expect(line).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
      const finished = timeline.find((l) => l.includes('`coupon-unread`')) ?? '';
      expect(finished).toContain('110');
      expect(timeline.find((l) => l.includes('`last-activity`')) ?? '').toContain('7');
      expect(timeline.some((l) => l.includes('`exchange-price`'))).toBe(true);
    });
  }
});
