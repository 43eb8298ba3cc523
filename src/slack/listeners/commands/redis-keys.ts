import type { RespondFn, webApi } from '@slack/bolt';
import { userMention } from '../../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import { censusProgressMessage } from '../../blocks/census.js';
import { postInIncidentThread } from '../../incident-thread.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/**
 * `/redis-keys [cluster]`: reserve the cluster (one census at a time), post the progress
 * message in the incident thread, enqueue. The walk itself runs on a worker (it takes minutes).
 */
export function registerRedisKeysCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-keys',
    clusterCommand(s, { help: 'keys' }, async ({ cluster, command, context, client, respond }) =>
      requestCensus(s, {
        client,
        respond,
        cluster: cluster.name,
        channel: command.channel_id,
        user: command.user_id,
        lang: context.lang,
        t: context.t,
      }),
    ),
  );
}

/**
 * Reserve the cluster, post the progress message in the incident thread, enqueue: `/redis-keys`
 * and the Key census button of an alert.
 */
export async function requestCensus(
  s: SlackServices,
  req: {
    client: webApi.WebClient;
    respond: RespondFn;
    cluster: string;
    channel: string;
    user: string;
    lang: Lang;
    t: Translate;
  },
): Promise<void> {
  const { client, respond, cluster, lang, t } = req;
  const command = { user_id: req.user, channel_id: req.channel };
  if (!(await s.census.reserve(cluster))) {
    await respond({ response_type: 'ephemeral', text: t('census:slack.already_running', { cluster }) });
    return;
  }
  try {
    const text = t('census:slack.queued', { cluster, user: userMention(command.user_id) });
    const posted = await postInIncidentThread(s, client, {
      cluster,
      channel: command.channel_id,
      user: command.user_id,
      message: () => censusProgressMessage(t, { cluster, text, running: true }),
    });
    await s.census.enqueue({
      cluster,
      incidentId: posted.incidentId,
      channel: command.channel_id,
      threadTs: posted.threadTs,
      progressTs: posted.ts,
      requestedBy: command.user_id,
      lang,
    });
    await recordTimeline(s, posted.incidentId, {
      at: new Date().toISOString(),
      kind: 'census_requested',
      actor: command.user_id,
    });
  } catch (err) {
    await s.census.release(cluster);
    s.logger.warn({ code: slackErrorCode(err), cluster }, 'census request failed');
    const code = slackErrorCode(err);
    const hint =
      code === 'not_in_channel' || code === 'channel_not_found'
        ? t('slack:status.invite_me')
        : t('slack:status.post_failed', { code });
    await respond({ response_type: 'ephemeral', text: hint });
  }
}
