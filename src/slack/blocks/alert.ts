/**
 * A monitoring alert as Block Kit: what crossed which line, the figures, the verdict, and buttons
 * to the next step (status with chart, key census, the cluster's TTL rules). Pure: view + `t` in.
 */
import type { types } from '@slack/bolt';
import type { Verdict } from '../../analysis/types.js';
import { formatBytes, formatInt, formatPct, formatTime } from '../../i18n/format.js';
import { escapeMrkdwn } from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { Alert } from '../../monitoring/alert-machine.js';
import { localizeValues } from '../../presenters/status-view.js';
import { ActionId, encodeButtonValue } from '../action-ids.js';

const EMOJI: Record<Alert['kind'], string> = {
  warning: ':warning:',
  critical: ':rotating_light:',
  emergency: ':sos:',
  recovered: ':white_check_mark:',
  evictions: ':wastebasket:',
  ttl_growth: ':chart_with_upwards_trend:',
};

export interface AlertMessageInput {
  cluster: string;
  incident: string;
  alert: Alert;
  verdict: Verdict;
  thresholds: { warning: number; critical: number; emergency: number };
  lang: Lang;
  timeZone: string;
}

export function alertMessage(
  t: Translate,
  input: AlertMessageInput,
): { text: string; blocks: types.KnownBlock[] } {
  const { alert, lang } = input;
  const cluster = escapeMrkdwn(input.cluster);
  const pct = alert.memoryPct === null ? '–' : formatPct(alert.memoryPct, lang);
  const line =
    alert.kind === 'recovered'
      ? input.thresholds.warning
      : alert.kind === 'warning' || alert.kind === 'critical' || alert.kind === 'emergency'
        ? input.thresholds[alert.kind]
        : 0;
  const headline = t(`slack:alert.${alert.kind}`, {
    cluster,
    pct,
    line: formatPct(line, lang, 0),
    from: t(`slack:alert.level.${alert.from}`),
    count: formatInt(alert.evictedSinceLast, lang),
    rate: formatInt(alert.ratePerHour ?? 0, lang),
  });
  const text = `${EMOJI[alert.kind]} ${headline}`;
  const figures = [
    t('slack:alert.figure.memory', {
      pct,
      used: formatBytes(alert.usedMemory, lang),
      max: alert.maxmemory > 0 ? formatBytes(alert.maxmemory, lang) : '–',
    }),
    t('slack:alert.figure.keys_without_ttl', { count: formatInt(alert.keysWithoutTtl, lang) }),
    t('slack:alert.figure.evicted', { count: formatInt(alert.evictedSinceLast, lang) }),
    t('slack:alert.figure.at', { at: formatTime(new Date(alert.at), lang, input.timeZone) }),
  ];
  const verdict = `*${t(`status:verdict.${input.verdict.kind}`)}*: ${t(
    `status:${input.verdict.reason.key}`,
    localizeValues(input.verdict.reason.values, lang, input.timeZone),
  )}`;
  const value = encodeButtonValue({ cluster: input.cluster, incident: input.incident });
  const button = (actionId: string, label: string): types.Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label },
    value,
  });
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'section', fields: figures.map((f) => ({ type: 'mrkdwn' as const, text: f })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: verdict }] },
      {
        type: 'actions',
        elements: [
          button(ActionId.AlertStatus, t('slack:alert.button.status')),
          button(ActionId.AlertCensus, t('slack:alert.button.census')),
          button(ActionId.AlertRules, t('slack:alert.button.rules')),
        ],
      },
    ],
  };
}
