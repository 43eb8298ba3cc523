/**
 * What the application team's channel (`slack.devTeamChannel`) is told, in English and Chinese in
 * ONE message: English first, then Chinese under a divider, each rendered with its own language's
 * `t`. One message rather than one per language: the channel gets one notification per event, both
 * readers see the same figures side by side, and a reply or reaction lands on one message instead
 * of being split across two. Pure: texts in, Block Kit out.
 */
import type { types } from '@slack/bolt';
import { formatPct } from '../../i18n/format.js';
import type { I18n } from '../../i18n/index.js';
import { LANGS, type Lang } from '../../i18n/types.js';
import type { SummaryLine } from '../../jobs/monitor-job.js';
import type { Alert } from '../../monitoring/alert-machine.js';
import { summaryText } from './summary.js';

/** The alerts the application team hears about: memory past critical, and its recovery. */
export type DevTeamAlertKind = 'critical' | 'emergency' | 'recovered';

export function isDevTeamAlert(alert: Alert): alert is Alert & { kind: DevTeamAlertKind } {
  if (alert.kind === 'critical' || alert.kind === 'emergency') return true;
  // A recovery is news only to a team that was told about the crossing (critical or emergency).
  return alert.kind === 'recovered' && (alert.from === 'critical' || alert.from === 'emergency');
}

export interface DevTeamAlertInput {
  cluster: string;
  alert: Alert & { kind: DevTeamAlertKind };
  thresholds: { warning: number; critical: number; emergency: number };
}

export function devTeamAlertNotice(
  i18n: I18n,
  input: DevTeamAlertInput,
): { text: string; blocks: types.KnownBlock[] } {
  const { alert } = input;
  const line = alert.kind === 'recovered' ? input.thresholds.warning : input.thresholds[alert.kind];
  return bilingual((lang) =>
    // The Slack translator escapes the values (the cluster name) for mrkdwn.
    i18n.slack(lang)(`slack:dev_team.${alert.kind}`, {
      cluster: input.cluster,
      pct: alert.memoryPct === null ? '–' : formatPct(alert.memoryPct, lang),
      line: formatPct(line, lang, 0),
    }),
  );
}

export function devTeamSummary(
  i18n: I18n,
  lines: readonly SummaryLine[],
): { text: string; blocks: types.KnownBlock[] } {
  return bilingual((lang) => summaryText(i18n.slack(lang), lang, lines));
}

function bilingual(render: (lang: Lang) => string): { text: string; blocks: types.KnownBlock[] } {
  const texts = LANGS.map(render);
  const blocks: types.KnownBlock[] = [];
  texts.forEach((text, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  });
  return { text: texts.join('\n\n'), blocks };
}
