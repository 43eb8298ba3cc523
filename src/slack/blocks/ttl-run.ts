import type { types } from '@slack/bolt';
import { truncateMrkdwn } from '../../i18n/mrkdwn.js';
import type { Translate } from '../../i18n/types.js';
import { ActionId } from '../action-ids.js';

type KnownBlock = types.KnownBlock;

/** Which buttons the progress message shows: Pause while running, Resume while paused, none at the end. */
export type TtlRunControls = 'running' | 'paused' | 'none';

/** What a Pause / Resume / Cancel button carries: only the run id (everything else is looked up). */
export interface TtlRunButtonValue {
  run: string;
}

/** The run's one progress message: a line, a context line of counts, and the buttons. */
export function ttlRunProgressMessage(
  t: Translate,
  input: { runId: string; text: string; context?: string; controls: TtlRunControls },
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: input.text } }];
  if (input.context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: input.context }] });
  if (input.controls !== 'none') {
    const value = JSON.stringify({ run: input.runId } satisfies TtlRunButtonValue);
    blocks.push({
      type: 'actions',
      block_id: 'ttl_run_controls',
      elements: [
        input.controls === 'running'
          ? {
              type: 'button',
              action_id: ActionId.TtlRunPause,
              text: { type: 'plain_text', text: t('remediation-run:button.pause') },
              value,
            }
          : {
              type: 'button',
              action_id: ActionId.TtlRunResume,
              style: 'primary',
              text: { type: 'plain_text', text: t('remediation-run:button.resume') },
              value,
            },
        {
          type: 'button',
          action_id: ActionId.TtlRunCancel,
          style: 'danger',
          text: { type: 'plain_text', text: t('remediation-run:button.cancel') },
          value,
        },
      ],
    });
  }
  return { text: input.text, blocks };
}

/** The summary posted in the thread at the end: a title, one line per figure, notes as context. */
export function ttlRunSummaryMessage(input: { title: string; lines: string[]; notes: string[] }): {
  text: string;
  blocks: KnownBlock[];
} {
  const body = [input.title, ...input.lines.map((l) => `• ${l}`)].join('\n');
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(body, 2900) } },
  ];
  if (input.notes.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncateMrkdwn(input.notes.join('\n'), 2900) }],
    });
  }
  return { text: truncateMrkdwn(body, 3000), blocks };
}

/** Parses a button value defensively (it round-trips through Slack). */
export function decodeTtlRunButton(raw: string | undefined): TtlRunButtonValue | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<TtlRunButtonValue>;
    if (typeof v.run !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(v.run)) return undefined;
    return { run: v.run };
  } catch {
    return undefined;
  }
}
