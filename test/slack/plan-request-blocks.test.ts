/**
 * The plan's approval request message: with an off-peak window configured, *Run now* is offered
 * whether or not it is off-peak when the request is posted (a request posted inside the window
 * may be approved after it closes, and the approver must still be able to run it at once).
 */
import { describe, expect, it } from 'vitest';
import type { OffPeakWindow } from '../../src/config/off-peak.js';
import { createI18n } from '../../src/i18n/index.js';
import type { ApprovalRequest } from '../../src/incidents/approval-store.js';
import { planRequestMessage } from '../../src/slack/blocks/plan.js';
import { buttonsOf } from '../support/medic-harness.js';

const WINDOW: OffPeakWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  from: '02:00',
  to: '05:00',
  timeZone: 'UTC',
};

const REQUEST: ApprovalRequest = {
  id: 'req-1',
  dryRunId: 'plan-1',
  cluster: 'market',
  rule: 'plan',
  requester: 'UREQ',
  createdAt: '2026-01-01T03:00:00.000Z',
  expiresAt: '2026-01-01T07:00:00.000Z',
  state: 'pending',
  incidentId: '',
  channel: 'C1',
  threadTs: '1.1',
  messageTs: '1.2',
  toChange: 10,
  matched: 10,
};

const i18n = createI18n({ strict: true });

function actionIds(offPeak?: { window: OffPeakWindow; nextStart?: Date }): string[] {
  const message = planRequestMessage(i18n.slack('en'), 'en', {
    request: REQUEST,
    dryRuns: [],
    status: { kind: 'open', approvers: undefined, ...(offPeak ? { offPeak } : {}) },
  });
  return buttonsOf(message.blocks ?? []).map((b) => b.action_id);
}

describe('plan approval request buttons', () => {
  it('posted inside the off-peak window: Run now is offered beside Approve', () => {
    expect(actionIds({ window: WINDOW })).toEqual(['plan_approve', 'plan_run_now', 'plan_reject']);
  });

  it('posted outside the window: Run now is offered', () => {
    expect(actionIds({ window: WINDOW, nextStart: new Date('2026-01-02T02:00:00Z') })).toEqual([
      'plan_approve',
      'plan_run_now',
      'plan_reject',
    ]);
  });

  it('no off-peak window: no Run now (every approval runs at once)', () => {
    expect(actionIds()).toEqual(['plan_approve', 'plan_reject']);
  });

  it('the inside-window line says what Run now is for, in both languages', () => {
    for (const lang of ['en', 'zh'] as const) {
      const message = planRequestMessage(i18n.slack(lang), lang, {
        request: REQUEST,
        dryRuns: [],
        status: { kind: 'open', approvers: undefined, offPeak: { window: WINDOW } },
      });
      const context = (message.blocks ?? []).find((b) => b.type === 'context');
      const text = JSON.stringify(context);
      expect(text).toContain(i18n.plain(lang)('approval:plan.button.run_now'));
    }
  });
});
