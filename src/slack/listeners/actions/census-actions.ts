import type { BlockButtonAction } from '@slack/bolt';
import { ActionId } from '../../action-ids.js';
import { decodeDraftRule, draftRuleMessage } from '../../blocks/census.js';
import { type ClickGuard, clickOf, defaultClickGuard, refusalText, staleOwner } from '../../click-auth.js';
import type { SlackServices } from '../../services.js';
import type { MedicApp } from '../types.js';

/** Cancel a running census (from any replica), and turn a no-TTL pattern into a draft TTL rule. */
export function registerCensusActions(
  app: MedicApp,
  s: SlackServices,
  clicks: ClickGuard = defaultClickGuard(app, s),
): void {
  app.action<BlockButtonAction>(ActionId.CensusCancel, async ({ body, action, respond, context }) => {
    const { t } = context;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const click = clickOf(body, 'census_cancel');
    let cluster: string | undefined;
    try {
      cluster = (JSON.parse(action.value ?? '') as { cluster?: string }).cluster;
    } catch {
      cluster = undefined;
    }
    // The census this very message shows: its channel and requester decide who may stop it.
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    const census =
      typeof cluster === 'string' && messageTs ? await s.census.jobFor(cluster, messageTs) : undefined;
    if (!census) {
      const owner = staleOwner(typeof cluster === 'string' ? cluster : undefined);
      await clicks.refuse(click, owner, 'not_running', tell, t('census:slack.not_running'));
      return;
    }
    const owner = {
      cluster: census.cluster,
      channel: census.channel,
      requester: census.requestedBy,
      incidentId: census.incidentId,
    };
    const refusal = await clicks.checkStop(click, owner);
    if (refusal) {
      await clicks.refuse(click, owner, refusal, tell, refusalText(t, refusal, census.cluster));
      return;
    }
    if (!(await s.census.requestCancel(census.cluster, body.user.id))) {
      await tell(t('census:slack.not_running'));
      return;
    }
    await clicks.accepted(click, owner, 'census_cancelled');
    // The worker running the walk sees the request within a page and updates the message itself.
  });

  app.action<BlockButtonAction>(
    new RegExp(`^${ActionId.DraftTtlRule}_\\d+$`),
    async ({ action, respond, context }) => {
      const { lang, t } = context;
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
