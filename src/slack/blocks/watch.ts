import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

import type { Translate } from '../../i18n/types.js';
import { ActionId, encodeButtonValue } from '../action-ids.js';

/** "Watching until below 75 %" with its Cancel button; `ended` replaces the button with the outcome. */
export function watchMessage(
  t: Translate,
  input: { cluster: string; incident: string; intro: string; ended?: string },
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: input.intro } }];
  if (input.ended) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: input.ended }] });
  } else {
    blocks.push({
      type: 'actions',
      block_id: 'watch_actions',
      elements: [
        {
          type: 'button',
          action_id: ActionId.WatchCancel,
          style: 'danger',
          text: { type: 'plain_text', text: t('slack:button.cancel_watch') },
          value: encodeButtonValue({ cluster: input.cluster, incident: input.incident }),
        },
      ],
    });
  }
  // Two sentences: a space between them in English, none in Chinese.
  const text = input.ended ? t('common:sentences', { first: input.intro, second: input.ended }) : input.intro;
  return { text, blocks };
}
