import type { webApi } from '@slack/bolt';
import type { Lang } from '../../i18n/types.js';

/**
 * The language to answer in: the channel's configured language (`slack.channelLocales`) when the
 * channel has one, else the user's Slack locale (cached).
 */
export type LangResolver = (client: webApi.WebClient, userId: string, channelId?: string) => Promise<Lang>;
