import type { App, webApi } from '@slack/bolt';
import type { Lang, Translate } from '../../i18n/types.js';

/**
 * The language to answer in: the channel's configured language (`slack.channelLocales`) when the
 * channel has one, else the user's Slack locale (cached).
 */
export type LangResolver = (client: webApi.WebClient, userId: string, channelId?: string) => Promise<Lang>;

/** What the person-context middleware puts in every command's, button's and form's `context`. */
export interface PersonContext {
  [key: string]: unknown;
  /** The language to answer the person in. */
  lang: Lang;
  /** `t` fixed to that language, escaping values for mrkdwn. */
  t: Translate;
}

/** The Bolt app as listeners see it: `context.lang` and `context.t` are always there. */
export type MedicApp = App<PersonContext>;
