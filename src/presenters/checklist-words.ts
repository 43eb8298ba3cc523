/** How a checklist step and its actor are worded, for the pinned checklist and the closing report. */
import { formatPct } from '../i18n/format.js';
import { escapeMrkdwn, isSlackUserId, userMention } from '../i18n/mrkdwn.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { ChecklistStep } from '../incidents/checklist/types.js';

/** A step's title in the reader's language: the locales for the runbook's, the config's label otherwise. */
export function stepTitle(
  t: Translate,
  step: Pick<ChecklistStep, 'id' | 'label'>,
  v: { lang: Lang; targetPct: number },
): string {
  if (step.label) return escapeMrkdwn(step.label[v.lang]);
  return t(`incident:step.${step.id}`, { target: formatPct(v.targetPct, v.lang, 0) });
}

/** A user mention, or the bot's own actors worded. */
export function who(t: Translate, actor: string): string {
  if (isSlackUserId(actor)) return userMention(actor);
  if (actor === 'monitor') return t('incident:by_monitor');
  return t('incident:by_job');
}

/** The line under a step's title: to do, in progress, done by whom and when, skipped and why. */
export function stepStateLine(
  t: Translate,
  step: ChecklistStep,
  when: (iso: string | undefined) => string,
): string {
  const r = step.record;
  if (!r || step.state === 'pending') return t('incident:state.pending');
  if (step.state === 'in_progress') return t('incident:state.in_progress');
  if (step.state === 'skipped')
    return t('incident:state.skipped', { who: who(t, r.by), when: when(r.at), reason: r.reason ?? '' });
  return r.detail
    ? t('incident:state.done_detail', { who: who(t, r.by), when: when(r.at), detail: r.detail })
    : t('incident:state.done', { who: who(t, r.by), when: when(r.at) });
}
