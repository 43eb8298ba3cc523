import type { RespondFn, webApi } from '@slack/bolt';
import { channelTimeZone } from '../config/load.js';
import type { ClusterConfig } from '../config/types.js';
import { asMedicError, errorMessage, type MedicError } from '../errors.js';
import { escapeMrkdwn } from '../i18n/mrkdwn.js';
import type { Lang } from '../i18n/types.js';
import type { TimelineEntry } from '../incidents/incident-store.js';
import { errorText } from '../presenters/error-text.js';
import { renderStatusChart } from '../presenters/status-chart.js';
import { buildStatusView } from '../presenters/status-view.js';
import { checkStatus } from '../status/check-status.js';
import type { StatusReport } from '../status/types.js';
import { textMessage } from './blocks/simple.js';
import { statusReportMessage } from './blocks/status-report.js';
import { postInIncidentThread, type ThreadPost, UNTRACKED } from './incident-thread.js';
import type { SlackServices } from './services.js';
import { WorkGate } from './work-gate.js';

type WebClient = webApi.WebClient;

export interface StatusRequest {
  client: WebClient;
  cluster: ClusterConfig;
  channel: string;
  user: string;
  lang: Lang;
  respond: RespondFn;
}

/**
 * Status reports prepared at once by this process (check, post, chart). A few in parallel keep a
 * burst moving (most of a report's time is waiting on Redis, AWS and Slack) while the event loop
 * stays free to ack the next requests within Slack's 3 s.
 */
const statusWork = new WorkGate(4);

/** Runs a status check, posts it (opening the incident thread the first time), then the chart. */
export function postStatus(s: SlackServices, req: StatusRequest): Promise<void> {
  return statusWork.run(() => postStatusNow(s, req));
}

async function postStatusNow(s: SlackServices, req: StatusRequest): Promise<void> {
  const { cluster, channel, client } = req;
  let report: StatusReport;
  try {
    report = await checkStatus(cluster, { ...s.status, windowHours: s.config.trend.windowHours });
  } catch (err) {
    await postStatusFailure(s, req, asMedicError(err, s.logger));
    return;
  }
  let posted: ThreadPost;
  try {
    posted = await postInIncidentThread(s, client, {
      cluster: cluster.name,
      channel,
      user: req.user,
      message: (incidentId) => statusMessage(s, report, req.lang, incidentId, channel),
      broadcast: true,
    });
  } catch (err) {
    await explainPostFailure(s, req, err);
    return;
  }
  const { incidentId, threadTs } = posted;
  await recordTimeline(s, incidentId, {
    at: new Date().toISOString(),
    kind: 'status',
    actor: req.user,
    data: {
      memoryPct: report.redis.memoryPct,
      verdict: report.verdict.kind,
      keysWithoutTtl: report.redis.keysWithoutTtl,
    },
  });
  s.logger.info(
    {
      cluster: cluster.name,
      incident: incidentId,
      memoryPct: report.redis.memoryPct,
      verdict: report.verdict.kind,
    },
    'status posted',
  );
  await uploadChart(s, req, report, threadTs);
}

/** Refresh: the same report, re-read, replacing the message the button sits on. */
export function refreshStatus(
  s: SlackServices,
  req: StatusRequest & { messageTs: string; incidentId: string },
): Promise<void> {
  return statusWork.run(() => refreshStatusNow(s, req));
}

async function refreshStatusNow(
  s: SlackServices,
  req: StatusRequest & { messageTs: string; incidentId: string },
): Promise<void> {
  let report: StatusReport;
  try {
    report = await checkStatus(req.cluster, { ...s.status, windowHours: s.config.trend.windowHours });
  } catch (err) {
    await req.respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: errorText(asMedicError(err, s.logger), s.i18n.slack(req.lang), req.lang),
    });
    return;
  }
  const message = statusMessage(s, report, req.lang, req.incidentId, req.channel);
  try {
    await req.client.chat.update({ channel: req.channel, ts: req.messageTs, ...message });
  } catch (err) {
    await explainPostFailure(s, req, err);
    return;
  }
  await recordTimeline(s, req.incidentId, {
    at: new Date().toISOString(),
    kind: 'refresh',
    actor: req.user,
    data: { memoryPct: report.redis.memoryPct, verdict: report.verdict.kind },
  });
}

/** Times in the report are shown in the channel's zone (`slack.channelLocales`, default UTC). */
function statusMessage(
  s: SlackServices,
  report: StatusReport,
  lang: Lang,
  incidentId: string,
  channel: string,
) {
  const t = s.i18n.slack(lang);
  const timeZone = channelTimeZone(s.config, channel);
  const view = buildStatusView(report, { t, lang, esc: escapeMrkdwn, timeZone });
  return statusReportMessage(view, t, {
    cluster: report.cluster,
    incident: incidentId,
    watchTargetPct: s.config.watch.targetPct,
  });
}

async function uploadChart(s: SlackServices, req: StatusRequest, report: StatusReport, threadTs: string) {
  // Chart text is drawn, not parsed by Slack: no mrkdwn escaping.
  const t = s.i18n.plain(req.lang);
  try {
    const png = await renderStatusChart(report, t, req.lang, {
      timeZone: channelTimeZone(s.config, req.channel),
    });
    if (!png) return;
    await req.client.files.uploadV2({
      channel_id: req.channel,
      thread_ts: threadTs,
      file: png,
      filename: `${report.cluster}-memory.png`,
      title: s.i18n.plain(req.lang)('status:chart.file_title', { cluster: report.cluster }),
      alt_text: s.i18n.plain(req.lang)('status:chart.alt_text', { cluster: report.cluster }),
    });
  } catch (err) {
    // The report is already posted; a missing chart is worth a log line, not a failure.
    s.logger.warn({ err: errorMessage(err), cluster: report.cluster }, 'chart upload failed');
  }
}

/** Redis down, wrong password, TLS mismatch: say it where the incident is, and keep serving. */
async function postStatusFailure(s: SlackServices, req: StatusRequest, err: MedicError): Promise<void> {
  const t = s.i18n.slack(req.lang);
  const text = `:x: ${t('slack:status.failed', { cluster: req.cluster.name })}\n${errorText(err, t, req.lang)}`;
  s.logger.warn({ cluster: req.cluster.name, code: err.code, reason: err.values.reason }, 'status failed');
  const incident = await s.incidents.findOpen(req.cluster.name, req.channel).catch(() => undefined);
  const threadTs = incident?.threadTs;
  try {
    await req.client.chat.postMessage({
      channel: req.channel,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...textMessage(text),
    });
  } catch (postErr) {
    await explainPostFailure(s, req, postErr, text);
    return;
  }
  if (incident) {
    await recordTimeline(s, incident.id, {
      at: new Date().toISOString(),
      kind: 'status_failed',
      actor: req.user,
      data: { code: err.code },
    });
  }
}

/** The bot can't post in the channel (not invited, archived): tell the user privately why. */
async function explainPostFailure(s: SlackServices, req: StatusRequest, err: unknown, original?: string) {
  const code = slackErrorCode(err);
  s.logger.warn({ code, cluster: req.cluster.name }, 'chat.postMessage failed');
  const t = s.i18n.slack(req.lang);
  const hint =
    code === 'not_in_channel' || code === 'channel_not_found'
      ? t('slack:status.invite_me')
      : t('slack:status.post_failed', { code });
  await req
    .respond({ response_type: 'ephemeral', text: original ? `${original}\n${hint}` : hint })
    .catch(() => {});
}

/** Timeline entries are worth a log line when the store is down, never a failed command. */
export async function recordTimeline(
  s: SlackServices,
  incidentId: string,
  entry: TimelineEntry,
): Promise<void> {
  if (incidentId === UNTRACKED) return;
  await s.incidents.append(incidentId, entry).catch((err: unknown) => {
    s.logger.warn(
      { err: errorMessage(err), incident: incidentId, kind: entry.kind },
      'timeline append failed',
    );
  });
}

export function slackErrorCode(err: unknown): string {
  const e = err as { data?: { error?: string }; code?: string };
  return e.data?.error ?? e.code ?? 'unknown';
}
