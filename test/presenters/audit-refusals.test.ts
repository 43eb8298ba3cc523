/**
 * Refused button clicks (a click from another channel, by a non-member, or by someone who may not
 * pause/resume/cancel a run) are audited with a reason code; `/redis-audit` and `redis-medic audit`
 * must show that reason in the reader's language, not as the internal code.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { AuditEntry } from '../../src/incidents/audit-log.js';
import { auditReasonText } from '../../src/presenters/audit-text.js';
import { auditLine } from '../../src/slack/blocks/remediation.js';

const i18n = createI18n({ strict: true });

/** What click-auth and the run buttons record as the reason of a refused click. */
const CLICK_REASONS = [
  'wrong_channel',
  'not_member',
  'not_allowed_ttl_run_pause',
  'not_allowed_ttl_run_cancel',
];

function refused(reason: string): AuditEntry {
  return {
    id: '1-0',
    at: '2026-12-06T12:00:00.000Z',
    actor: 'U0OUTSIDER',
    action: 'refused',
    cluster: 'market',
    reason,
    channel: 'C0ELSEWHERE',
    control: 'watch_cancel',
    via: 'slack',
  } as AuditEntry;
}

describe('refused clicks in the audit log are worded, not shown as codes', () => {
  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: Slack audit line and CLI reason`, () => {
      for (const reason of CLICK_REASONS) {
        const line = auditLine(i18n.slack(lang), lang, refused(reason));
        expect.soft(line, line).not.toContain(reason);
        expect.soft(line).not.toMatch(/not_allowed|wrong_channel|not_member/);
        const cli = auditReasonText(i18n.plain(lang), reason);
        expect.soft(cli, cli).not.toMatch(/not_allowed|wrong_channel|not_member/);
      }
    });
  }
});
