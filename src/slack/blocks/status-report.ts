import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

import { truncate, truncateMrkdwn } from '../../i18n/mrkdwn.js';
import type { Translate } from '../../i18n/types.js';
import type { StatusView } from '../../presenters/status-view.js';
import type { MemoryLevel } from '../../status/types.js';
import { ActionId, encodeButtonValue } from '../action-ids.js';

const LEVEL_EMOJI: Record<MemoryLevel, string> = {
  ok: ':large_green_circle:',
  warning: ':large_yellow_circle:',
  critical: ':red_circle:',
  emergency: ':rotating_light:',
  unknown: ':white_circle:',
};

export interface StatusMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Slack limits (design notes): header ≤ 150 chars, ≤ 10 fields, section text ≤ 3000 chars. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/** The status report as Block Kit. Pure: view and `t` in, blocks out (no client, no I/O). */
export function statusReportMessage(
  view: StatusView,
  t: Translate,
  ids: { cluster: string; incident: string; watchTargetPct: number },
): StatusMessage {
  const emoji = LEVEL_EMOJI[view.level];
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(
          t('status:slack.headline', { title: view.title, pct: view.memoryPct, verdict: view.verdictLabel }),
          HEADER_MAX,
        ),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: t('status:slack.verdict', { emoji, verdict: view.verdictLabel, reason: view.verdictReason }),
      },
    },
    {
      type: 'section',
      // The ten fields a responder reads first; the rest stays in the CLI / JSON.
      fields: view.rows
        .slice(0, 10)
        .map((row) => ({ type: 'mrkdwn' as const, text: `*${row.label}*\n${row.value}` })),
    },
  ];
  if (view.trend) {
    // Text bars are the fallback for clients that don't show the chart (mobile previews, email).
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(
          `*${view.trend.heading}*\n\`\`\`${view.trend.bars}\`\`\`\n${view.trend.summary}`,
          SECTION_MAX,
        ),
      },
    });
  }
  if (view.notes.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncateMrkdwn(view.notes.map((n) => `• ${n}`).join('\n'), SECTION_MAX) },
    });
  }
  blocks.push(
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${view.thresholdsLine} · ${t('status:taken_at', { at: view.takenAt })}` },
      ],
    },
    {
      type: 'actions',
      block_id: 'status_actions',
      elements: [
        {
          type: 'button',
          action_id: ActionId.StatusRefresh,
          text: { type: 'plain_text', text: t('slack:button.refresh') },
          value: encodeButtonValue({ cluster: ids.cluster, incident: ids.incident }),
        },
        // No maxmemory, no percentage to watch fall: offer only Refresh.
        ...(view.level === 'unknown'
          ? []
          : [
              {
                type: 'button' as const,
                action_id: ActionId.WatchStart,
                text: {
                  type: 'plain_text' as const,
                  text: t('slack:button.watch', { target: ids.watchTargetPct }),
                },
                value: encodeButtonValue({
                  cluster: ids.cluster,
                  incident: ids.incident,
                  target: ids.watchTargetPct,
                }),
              },
            ]),
      ],
    },
  );
  const text = t('status:slack.notification', {
    title: view.title,
    pct: view.memoryPct,
    verdict: view.verdictLabel,
    reason: view.verdictReason,
  });
  return { text, blocks };
}
