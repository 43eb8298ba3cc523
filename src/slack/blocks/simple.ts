import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

/** A one-section message (errors, watch readings): the text is already localized and escaped. */
export function textMessage(text: string, context?: string): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  return { text, blocks };
}
