import type { webApi } from '@slack/bolt';
import type { MedicError } from '../errors.js';
import { formatClock, formatPct } from '../i18n/format.js';
import type { I18n } from '../i18n/index.js';
import type { WatchEnd, WatchJobData, WatchReporter } from '../jobs/watch.js';
import { errorText } from '../presenters/error-text.js';
import type { StatusReport } from '../status/types.js';
import { textMessage } from './blocks/simple.js';
import { watchMessage } from './blocks/watch.js';

/**
 * Posts watch readings into the incident thread, from the worker that runs the tick (never from a
 * listener). `timeZone`: the zone of the watch's channel (`channelTimeZone`), default UTC.
 */
export function slackWatchReporter(
  client: webApi.WebClient,
  i18n: I18n,
  options: { timeZone?: (channel: string) => string } = {},
): WatchReporter {
  const zoneOf = options.timeZone ?? (() => 'UTC');
  const post = (data: WatchJobData, text: string) =>
    client.chat.postMessage({ channel: data.channel, thread_ts: data.threadTs, ...textMessage(text) });

  return {
    async reading(data: WatchJobData, report: StatusReport) {
      const t = i18n.slack(data.lang);
      const pct = report.redis.memoryPct;
      const prev = data.previous?.pct;
      const delta =
        pct !== null && prev !== undefined && prev !== null
          ? t('slack:watch.delta', { delta: `${pct - prev >= 0 ? '+' : ''}${(pct - prev).toFixed(1)}` })
          : '';
      // The slope of the bot's own samples (a cluster without CloudWatch), when there are enough.
      const analysis = report.trend?.source === 'history' ? report.trend.analysis : undefined;
      const slope =
        analysis && (analysis.slopeSampleCount ?? 0) >= 2
          ? t('slack:watch.slope', {
              slope: `${analysis.slopePctPerMin >= 0 ? '+' : ''}${analysis.slopePctPerMin.toFixed(2)}`,
            })
          : '';
      await post(
        data,
        t('slack:watch.reading', {
          time: formatClock(report.takenAt, data.lang, zoneOf(data.channel)),
          pct: pct === null ? t('status:memory.no_limit_short') : formatPct(pct, data.lang),
          delta: `${delta}${slope}`,
          target: formatPct(data.targetPct, data.lang, 0),
        }),
      );
    },
    async failed(data: WatchJobData, error: MedicError) {
      const t = i18n.slack(data.lang);
      await post(data, `:warning: ${errorText(error, t, data.lang)}`);
    },
    async finished(data: WatchJobData, end: WatchEnd, report?: StatusReport) {
      const t = i18n.slack(data.lang);
      const pct = report?.redis.memoryPct;
      const text = t(`slack:watch.end_${end}`, {
        cluster: data.cluster,
        pct: pct === null || pct === undefined ? '—' : formatPct(pct, data.lang),
        target: formatPct(data.targetPct, data.lang, 0),
      });
      await post(data, text);
      if (data.watchMessageTs) {
        await client.chat
          .update({
            channel: data.channel,
            ts: data.watchMessageTs,
            ...watchMessage(t, {
              cluster: data.cluster,
              incident: data.incidentId,
              intro: t('slack:watch.title', {
                cluster: data.cluster,
                target: formatPct(data.targetPct, data.lang, 0),
              }),
              ended: text,
            }),
          })
          .catch(() => {});
      }
    },
  };
}
