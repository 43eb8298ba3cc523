import type { App, BlockButtonAction } from '@slack/bolt';
import { ActionId } from '../../action-ids.js';
import { decodeDraftRule, draftRuleMessage } from '../../blocks/census.js';
import type { SlackServices } from '../../services.js';
import type { LangResolver } from '../types.js';

/** Cancel a running census (from any replica), and turn a no-TTL pattern into a draft TTL rule. */
export function registerCensusActions(app: App, s: SlackServices, langFor: LangResolver): void {
  app.action<BlockButtonAction>(ActionId.CensusCancel, async ({ ack, body, action, client, respond }) => {
    await ack();
    const lang = await langFor(client, body.user.id, body.channel?.id);
    let cluster: string | undefined;
    try {
      cluster = (JSON.parse(action.value ?? '') as { cluster?: string }).cluster;
    } catch {
      cluster = undefined;
    }
    const cancelled = cluster ? await s.census.requestCancel(cluster, body.user.id) : false;
    if (!cancelled) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: s.i18n.slack(lang)('census:slack.not_running'),
      });
    }
    // The worker running the walk sees the request within a page and updates the message itself.
  });

  app.action<BlockButtonAction>(
    new RegExp(`^${ActionId.DraftTtlRule}_\\d+$`),
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const lang = await langFor(client, body.user.id, body.channel?.id);
      const t = s.i18n.slack(lang);
      const value = decodeDraftRule(action.value);
      if (!value || !s.cluster(value.cluster)) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: t('slack:action.stale') });
        return;
      }
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...draftRuleMessage(t, s.i18n.plain(lang), value),
      });
    },
  );
}
