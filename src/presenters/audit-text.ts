import { formatInt } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import { REFUSAL_REASONS } from '../incidents/approvals.js';

/** The figures an audit entry may carry, in the order people read them. */
const COUNT_KEYS = ['matched', 'toChange', 'recounted', 'changed', 'skipped', 'errors', 'messages'] as const;

/**
 * Refusal reasons recorded with a wording (`approval:reason.*`): the approval workflow's, a failed
 * re-count, and a refused button click (click-auth's, and a run control's `not_allowed_<control>`).
 */
const REASON_KEYS: ReadonlySet<string> = new Set([
  ...REFUSAL_REASONS,
  'recount_failed',
  'wrong_channel',
  'not_member',
  'not_allowed',
]);

/** `matched 1,482,113, to change 1,203,877`: the figures an audit entry has, labelled. */
export function auditCountsText(t: Translate, lang: Lang, counts: Record<string, number>): string {
  return COUNT_KEYS.filter((k) => counts[k] !== undefined)
    .map((k) => `${t(`approval:count.${k}`)} ${formatInt(counts[k] ?? 0, lang)}`)
    .join(t('approval:count.separator'));
}

/** A refusal reason in words; anything else (an error code) as it is. */
export function auditReasonText(t: Translate, reason: string): string {
  const key = reason.startsWith('not_allowed_') ? 'not_allowed' : reason;
  return REASON_KEYS.has(key) ? t(`approval:reason.${key}`) : reason;
}
