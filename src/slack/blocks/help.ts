import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

import type { Translate } from '../../i18n/types.js';

/** The ephemeral help for an unknown cluster or garbage arguments: what went wrong, then what works. */
export function clusterHelpMessage(
  t: Translate,
  input: {
    /** Which command's usage to show. */
    command: 'status' | 'keys' | 'ttl' | 'audit' | 'notify';
    problemKey?: string;
    problemValues?: Record<string, string>;
    clusters: string[];
    channelDefault?: string;
  },
): { text: string; blocks: KnownBlock[] } {
  const problem = input.problemKey ? t(input.problemKey, input.problemValues ?? {}) : undefined;
  const lines = [
    ...(problem ? [`:warning: ${problem}`] : []),
    t(`slack:help.usage.${input.command}`),
    t('slack:help.clusters', { clusters: input.clusters.length > 0 ? input.clusters.join(', ') : '—' }),
    ...(input.channelDefault
      ? [t(`slack:help.channel_default.${input.command}`, { cluster: input.channelDefault })]
      : []),
  ];
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
