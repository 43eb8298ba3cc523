/**
 * The closing report's checklist lines, as Slack mrkdwn: who did a step is a real mention
 * (`<@U…>`, which Slack turns into a name), a skip reason typed by a person is escaped exactly once
 * (`<!channel>` shows as text, never pings, and never shows as `&lt;`), in both languages; a
 * step named in the timeline reads as its title, not its id.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { ChecklistStep } from '../../src/incidents/checklist/types.js';
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

function lines(lang: 'en' | 'zh') {
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
      timeline: [{ at: AT, kind: 'step_done', actor: 'UREQUESTER', data: { step: 'dry_run' } }],
      fixedPerRule: [],
    },
    lang,
    i18n,
    { timeZone: 'UTC', targetPct: 75 },
  );
  return doc.blocks.flatMap((b) => (b.kind === 'bullets' ? b.items : []));
}

describe('closing report', () => {
  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: mentions stay mentions, a skip reason is escaped once`, () => {
      const all = lines(lang);
      const dryRun = all.find((l) => l.includes('UREQUESTER') && !l.includes(' · ')) ?? '';
      expect(dryRun).toContain('<@UREQUESTER>');
      const skipped = all.find((l) => l.includes('UONCALL')) ?? '';
      expect(skipped).toContain('<@UONCALL>');
      expect(skipped).toContain('a &amp; b &lt;!channel&gt;');
      expect(skipped).not.toContain('<!channel>');
      const timeline = all.find((l) => l.includes(' · ')) ?? '';
      expect(timeline).not.toContain('dry_run');
    });
  }
});
