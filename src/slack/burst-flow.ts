/**
 * `/redis-burst` after the ack: run the hunt (Redis walk, AWS sources), post the report into the
 * cluster's incident thread, then the timeline chart. One hunt per cluster at a time in this
 * process; a few across clusters (the walks are paced, but each reads up to a sample of keys).
 */
import type { RespondFn, webApi } from '@slack/bolt';
import { huntBurst } from '../burst/hunt.js';
import type { BurstReport } from '../burst/types.js';
import { channelTimeZone } from '../config/load.js';
import type { ClusterConfig } from '../config/types.js';
import { asMedicError, errorMessage } from '../errors.js';
import { escapeMrkdwn } from '../i18n/mrkdwn.js';
import type { Lang } from '../i18n/types.js';
import { renderBurstChart } from '../presenters/burst-chart.js';
import { buildBurstDoc } from '../presenters/burst-view.js';
import { errorText } from '../presenters/error-text.js';
import { connectTarget } from '../redis/connect.js';
import { docsToMessages } from './blocks/message-doc-blocks.js';
import { postInIncidentThread } from './incident-thread.js';
import type { SlackServices } from './services.js';
import { recordTimeline, slackErrorCode } from './status-flow.js';
import { WorkGate } from './work-gate.js';

const burstWork = new WorkGate(2);
const running = new Set<string>();

export interface BurstRequest {
  client: webApi.WebClient;
  cluster: ClusterConfig;
  channel: string;
  user: string;
  lang: Lang;
  respond: RespondFn;
  window: { from: Date; to: Date } | undefined;
}

/** False when a hunt of the cluster is already running here (the caller says so). */
export function startBurstHunt(s: SlackServices, req: BurstRequest): boolean {
  if (running.has(req.cluster.name)) return false;
  running.add(req.cluster.name);
  void burstWork
    .run(() => huntAndPost(s, req))
    .catch((err: unknown) =>
      s.logger.warn({ err: errorMessage(err), cluster: req.cluster.name }, 'burst hunt failed'),
    )
    .finally(() => running.delete(req.cluster.name));
  return true;
}

async function huntAndPost(s: SlackServices, req: BurstRequest): Promise<void> {
  const t = s.i18n.slack(req.lang);
  let report: BurstReport;
  try {
    const conn = await connectTarget(req.cluster, s.status.connect ?? {});
    try {
      const aws = req.cluster.aws && s.burst?.aws ? await s.burst.aws(req.cluster.aws.region) : undefined;
      report = await huntBurst(req.cluster, req.window, {
        conn,
        ...(s.status.trend ? { trend: s.status.trend } : {}),
        ...(s.snapshots ? { snapshots: s.snapshots } : {}),
        ...(aws ? { aws } : {}),
        ...(s.burst?.youngSample ? { youngSample: s.burst.youngSample } : {}),
      });
    } finally {
      await conn.close();
    }
  } catch (err) {
    const text = t('burst:slack.failed', {
      cluster: req.cluster.name,
      error: errorText(asMedicError(err, s.logger), t, req.lang),
    });
    await req.respond({ response_type: 'ephemeral', text });
    return;
  }
  const timeZone = channelTimeZone(s.config, req.channel);
  const doc = buildBurstDoc(report, { t, lang: req.lang, timeZone, esc: escapeMrkdwn });
  const [first, ...more] = docsToMessages([doc], () => t);
  if (!first) return;
  let threadTs: string;
  let incidentId: string;
  try {
    const posted = await postInIncidentThread(s, req.client, {
      cluster: req.cluster.name,
      channel: req.channel,
      user: req.user,
      message: () => first,
    });
    threadTs = posted.threadTs;
    incidentId = posted.incidentId;
    for (const message of more)
      await req.client.chat.postMessage({ channel: req.channel, thread_ts: threadTs, ...message });
  } catch (err) {
    const code = slackErrorCode(err);
    const hint =
      code === 'not_in_channel' || code === 'channel_not_found'
        ? t('slack:status.invite_me')
        : t('slack:status.post_failed', { code });
    await req.respond({ response_type: 'ephemeral', text: hint });
    return;
  }
  const top = report.candidates[0];
  await recordTimeline(s, incidentId, {
    at: new Date().toISOString(),
    kind: 'burst_hunt',
    actor: req.user,
    data: {
      from: report.window.from.toISOString(),
      to: report.window.to.toISOString(),
      ...(top ? { topKind: top.kind, top: top.name } : {}),
    },
  });
  await uploadChart(s, req, report, threadTs);
}

async function uploadChart(s: SlackServices, req: BurstRequest, report: BurstReport, threadTs: string) {
  // Chart text is drawn, not parsed by Slack: no mrkdwn escaping.
  const plain = s.i18n.plain(req.lang);
  try {
    const png = await renderBurstChart(report, plain, req.lang, {
      timeZone: channelTimeZone(s.config, req.channel),
    });
    if (!png) return;
    await req.client.files.uploadV2({
      channel_id: req.channel,
      thread_ts: threadTs,
      file: png,
      filename: `${report.cluster}-burst.png`,
      title: plain('burst:chart.file_title', { cluster: report.cluster }),
      alt_text: plain('burst:chart.alt_text', { cluster: report.cluster }),
    });
  } catch (err) {
    s.logger.warn({ err: errorMessage(err), cluster: report.cluster }, 'burst chart upload failed');
  }
}
