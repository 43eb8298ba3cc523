/**
 * `/redis-capacity` and `/redis-policy` share this: open the cluster, compute, post the report in
 * the incident thread (split into messages within Slack's limits, the buttons on the last one),
 * and answer privately with a localized sentence when the advice cannot be given.
 */
import type { RespondFn, types, webApi } from '@slack/bolt';
import type { ClusterConfig } from '../config/types.js';
import { asMedicError, errorMessage } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import { errorText } from '../presenters/error-text.js';
import type { MessageDoc } from '../presenters/message-doc.js';
import { connectTarget, type TargetConnection } from '../redis/connect.js';
import { docsToMessages } from './blocks/message-doc-blocks.js';
import { postInIncidentThread } from './incident-thread.js';
import type { CapacityServices, SlackServices } from './services.js';
import { slackErrorCode } from './status-flow.js';

export interface AdviceRequest {
  client: webApi.WebClient;
  respond: RespondFn;
  cluster: ClusterConfig;
  channel: string;
  user: string;
  lang: Lang;
}

export interface PostedAdvice {
  threadTs: string;
  incidentId: string;
}

/**
 * Runs `compute` over a fresh connection and posts what `render` makes of it. Undefined when it
 * failed (the person was told why, privately).
 */
export async function postAdvice<T>(
  s: SlackServices,
  req: AdviceRequest,
  workingKey: string,
  compute: (capacity: CapacityServices, conn: TargetConnection) => Promise<T>,
  render: (result: T) => { doc: MessageDoc; buttons: types.KnownBlock[] },
): Promise<{ result: T; posted: PostedAdvice } | undefined> {
  const t = s.i18n.slack(req.lang);
  const capacity = s.capacity;
  if (capacity === undefined) {
    await req.respond({
      response_type: 'ephemeral',
      text: t('capacity:slack.failed', { cluster: req.cluster.name }),
    });
    return undefined;
  }
  await req.respond({ response_type: 'ephemeral', text: t(workingKey, { cluster: req.cluster.name }) });
  let result: T;
  let conn: TargetConnection | undefined;
  try {
    conn = await connectTarget(req.cluster);
    result = await compute(capacity, conn);
  } catch (err) {
    const medic = asMedicError(err, s.logger);
    s.logger.warn({ cluster: req.cluster.name, code: medic.code }, 'capacity advice failed');
    await req.respond({
      response_type: 'ephemeral',
      text: `:x: ${t('capacity:slack.failed', { cluster: req.cluster.name })}\n${errorText(medic, t, req.lang)}`,
    });
    return undefined;
  } finally {
    await conn?.close().catch(() => {});
  }
  const { doc, buttons } = render(result);
  const messages = docsToMessages([doc], () => t);
  const last = messages[messages.length - 1];
  if (last !== undefined && buttons.length > 0) {
    // Buttons go on the last message when they fit its 50 blocks, else on a message of their own.
    if (last.blocks.length + buttons.length <= 50) last.blocks.push(...buttons);
    else messages.push({ text: doc.title, blocks: buttons });
  }
  try {
    const [first, ...rest] = messages;
    if (first === undefined) return undefined;
    const posted = await postInIncidentThread(s, req.client, {
      cluster: req.cluster.name,
      channel: req.channel,
      user: req.user,
      message: () => first,
    });
    for (const m of rest) {
      await req.client.chat.postMessage({ channel: req.channel, thread_ts: posted.threadTs, ...m });
    }
    return { result, posted: { threadTs: posted.threadTs, incidentId: posted.incidentId } };
  } catch (err) {
    const code = slackErrorCode(err);
    s.logger.warn({ code, err: errorMessage(err), cluster: req.cluster.name }, 'capacity post failed');
    const hint =
      code === 'not_in_channel' || code === 'channel_not_found'
        ? t('slack:status.invite_me')
        : t('slack:status.post_failed', { code });
    await req.respond({ response_type: 'ephemeral', text: hint });
    return undefined;
  }
}
