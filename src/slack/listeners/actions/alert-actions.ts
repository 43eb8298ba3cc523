/**
 * The buttons of a monitoring alert: status with chart (posted in the thread, like /redis-status),
 * a key census (like /redis-keys), the cluster's TTL rules (to the clicker). Each works only in the
 * channel of the incident the alert was posted in; a refusal is audited and explained.
 */
import type { BlockButtonAction, RespondFn } from '@slack/bolt';
import type { Translate } from '../../../i18n/types.js';
import { ActionId, decodeButtonValue, type StatusButtonValue } from '../../action-ids.js';
import { ruleListMessage } from '../../blocks/remediation.js';
import { type ClickGuard, clickOf, defaultClickGuard, staleOwner } from '../../click-auth.js';
import type { SlackServices } from '../../services.js';
import { postStatus } from '../../status-flow.js';
import { requestCensus } from '../commands/redis-keys.js';
import type { MedicApp } from '../types.js';

export function registerAlertActions(
  app: MedicApp,
  s: SlackServices,
  clicks: ClickGuard = defaultClickGuard(app, s),
): void {
  /** The cluster and channel of a click that passed the channel check, else undefined (answered). */
  const accept = async (
    body: BlockButtonAction,
    control: string,
    value: StatusButtonValue | undefined,
    t: Translate,
    respond: RespondFn,
  ) => {
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const cluster = value ? s.cluster(value.cluster) : undefined;
    const incident = value ? await s.incidents.get(value.incident) : undefined;
    const channel = body.channel?.id;
    if (!value || !cluster || !incident || !channel) {
      await clicks.refuse(
        clickOf(body, control),
        staleOwner(value?.cluster),
        'unknown_record',
        tell,
        t('slack:action.stale'),
      );
      return undefined;
    }
    const owner = { cluster: incident.cluster, channel: incident.channel, incidentId: incident.id };
    const refusal = clicks.checkChannel(clickOf(body, control), owner);
    if (refusal) {
      await clicks.refuse(clickOf(body, control), owner, refusal, tell, t('slack:action.wrong_channel'));
      return undefined;
    }
    return { cluster, channel };
  };

  app.action<BlockButtonAction>(ActionId.AlertStatus, async ({ body, action, client, respond, context }) => {
    const ok = await accept(body, 'alert_status', decodeButtonValue(action.value), context.t, respond);
    if (!ok) return;
    await postStatus(s, {
      client,
      cluster: ok.cluster,
      channel: ok.channel,
      user: body.user.id,
      lang: context.lang,
      respond,
    });
  });

  app.action<BlockButtonAction>(ActionId.AlertCensus, async ({ body, action, client, respond, context }) => {
    const ok = await accept(body, 'alert_census', decodeButtonValue(action.value), context.t, respond);
    if (!ok) return;
    await requestCensus(s, {
      client,
      respond,
      cluster: ok.cluster.name,
      channel: ok.channel,
      user: body.user.id,
      lang: context.lang,
      t: context.t,
    });
  });

  app.action<BlockButtonAction>(ActionId.AlertRules, async ({ body, action, respond, context }) => {
    const ok = await accept(body, 'alert_rules', decodeButtonValue(action.value), context.t, respond);
    if (!ok) return;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...ruleListMessage(context.t, {
        cluster: ok.cluster.name,
        rules: s.remediation.rules(ok.cluster.name),
      }),
    });
  });
}
