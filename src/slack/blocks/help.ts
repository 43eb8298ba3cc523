import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

import type { MedicConfig } from '../../config/types.js';
import { formatListT } from '../../i18n/format.js';
import type { Translate } from '../../i18n/types.js';

/** The slash commands that have a usage line (`slack:help.usage.<topic>`) in the help. */
export type HelpTopic = 'status' | 'keys' | 'ttl' | 'audit' | 'notify' | 'monitoring' | 'incident';

/** The ephemeral help for an unknown cluster or garbage arguments: what went wrong, then what works. */
export function clusterHelpMessage(
  t: Translate,
  input: {
    /** Which command's usage to show. */
    command: HelpTopic;
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
    t('slack:help.clusters', { clusters: input.clusters.length > 0 ? formatListT(input.clusters, t) : '—' }),
    ...(input.channelDefault
      ? [t(`slack:help.channel_default.${input.command}`, { cluster: input.channelDefault })]
      : []),
  ];
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The help for a command typed in `channel`: the known clusters, and the channel's own if it has one. */
export function commandHelpMessage(
  t: Translate,
  config: Pick<MedicConfig, 'clusters' | 'slack'>,
  channel: string,
  input: {
    command: HelpTopic;
    problemKey?: string | undefined;
    problemValues?: Record<string, string> | undefined;
  },
): { text: string; blocks: KnownBlock[] } {
  const channelDefault = config.slack.channels[channel];
  return clusterHelpMessage(t, {
    command: input.command,
    ...(input.problemKey ? { problemKey: input.problemKey } : {}),
    ...(input.problemValues ? { problemValues: input.problemValues } : {}),
    clusters: config.clusters.map((c) => c.name),
    ...(channelDefault ? { channelDefault } : {}),
  });
}
