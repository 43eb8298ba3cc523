/**
 * The small helpers of the incident message and of audit lines: which languages a message goes out
 * in, a deadline as people write dates, and an audit entry's figures and refusal reason in words.
 * Expected text is written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { auditCountsText, auditReasonText } from '../../src/presenters/audit-text.js';
import { formatDeadline, langsOf } from '../../src/presenters/incident-message.js';
import { recordingT as t } from '../support/recording-t.js';

describe('langsOf', () => {
  it('both languages English first, or the one asked for', () => {
    expect(langsOf('both')).toEqual(['en', 'zh']);
    expect(langsOf('en')).toEqual(['en']);
    expect(langsOf('zh')).toEqual(['zh']);
  });
});

describe('formatDeadline', () => {
  it('a YYYY-MM-DD date as each language writes dates, read in UTC (no day shift)', () => {
    expect(formatDeadline('2026-12-03', 'en')).toBe('Dec 3, 2026');
    expect(formatDeadline('2026-12-03', 'zh')).toBe('2026 年 12 月 3 日');
    expect(formatDeadline('2027-01-01', 'en')).toBe('Jan 1, 2027');
  });

  it('anything else is shown as typed, escaped for Slack', () => {
    expect(formatDeadline('next sprint', 'en')).toBe('next sprint');
    expect(formatDeadline('<!channel> & friends', 'en')).toBe('&lt;!channel&gt; &amp; friends');
    expect(formatDeadline('2026-12-3', 'en')).toBe('2026-12-3');
  });
});

describe('auditCountsText', () => {
  it('only the figures present, in reading order, labelled, with separators', () => {
    expect(auditCountsText(t, 'en', { changed: 1_203_877, matched: 1_482_113 })).toBe(
      'approval:count.matched 1,482,113approval:count.separatorapproval:count.changed 1,203,877',
    );
    expect(auditCountsText(t, 'en', {})).toBe('');
    // A figure nobody reads is left out.
    expect(auditCountsText(t, 'en', { errors: 0, unknownCounter: 5 })).toBe('approval:count.errors 0');
  });
});

describe('auditReasonText', () => {
  it('known refusal reasons in words; a run control’s not_allowed_<control> as not_allowed; anything else as is', () => {
    expect(auditReasonText(t, 'wrong_channel')).toBe('approval:reason.wrong_channel');
    expect(auditReasonText(t, 'recount_failed')).toBe('approval:reason.recount_failed');
    expect(auditReasonText(t, 'not_allowed_pause')).toBe('approval:reason.not_allowed');
    expect(auditReasonText(t, 'redis_unreachable')).toBe('redis_unreachable');
  });
});
