import type { webApi } from '@slack/bolt';
import { diffCensus } from '../census/diff.js';
import type { CensusResult, WalkProgress } from '../census/types.js';
import { errorMessage, type MedicError } from '../errors.js';
import { formatBytes, formatDateTime, formatEta, formatInt } from '../i18n/format.js';
import type { I18n } from '../i18n/index.js';
import { escapeMrkdwn, userMention } from '../i18n/mrkdwn.js';
import type { CensusJobData, CensusReporter } from '../jobs/census-job.js';
import type { Logger } from '../observability/logger.js';
import { renderCensusChart } from '../presenters/census-chart.js';
import { buildCensusView } from '../presenters/census-view.js';
import { errorText } from '../presenters/error-text.js';
import { censusProgressMessage, censusResultMessage, progressBar } from './blocks/census.js';
import { textMessage } from './blocks/simple.js';

/**
 * Posts a census into its incident thread: one progress message kept up to date, then the table and
 * chart. `timeZone`: the zone of the census's channel (`channelTimeZone`), default UTC.
 */
export function slackCensusReporter(
  client: webApi.WebClient,
  i18n: I18n,
  logger: Logger,
  options: { timeZone?: (channel: string) => string } = {},
): CensusReporter {
  const zoneOf = options.timeZone ?? (() => 'UTC');
  const update = async (data: CensusJobData, text: string, running: boolean) => {
    const t = i18n.slack(data.lang);
    await client.chat.update({
      channel: data.channel,
      ts: data.progressTs,
      ...censusProgressMessage(t, { cluster: data.cluster, text, running }),
    });
  };

  return {
    async progress(data: CensusJobData, p: WalkProgress) {
      const t = i18n.slack(data.lang);
      const fraction = p.total > 0 ? Math.min(1, p.scanned / p.total) : 0;
      await update(
        data,
        t('census:slack.progress', {
          cluster: data.cluster,
          bar: progressBar(fraction),
          pct: Math.round(fraction * 100),
          scanned: formatInt(p.scanned, data.lang),
          total: formatInt(p.total, data.lang),
          rate: formatInt(p.keysPerSec, data.lang),
          eta: formatEta(p.etaSec, t),
        }),
        true,
      );
    },

    async finished(data: CensusJobData, result: CensusResult, _snapshotId: string, previous?: CensusResult) {
      const t = i18n.slack(data.lang);
      await update(
        data,
        t('census:slack.done', {
          cluster: data.cluster,
          scanned: formatInt(result.scannedKeys, data.lang),
          seconds: (result.durationMs / 1000).toFixed(1),
        }),
        false,
      );
      const timeZone = zoneOf(data.channel);
      const view = buildCensusView(result, { t, lang: data.lang, esc: escapeMrkdwn, top: 15, timeZone });
      const grew = previous
        ? grewLines(result, previous, data, i18n, timeZone)
        : [t('census:slack.no_previous')];
      await client.chat.postMessage({
        channel: data.channel,
        thread_ts: data.threadTs,
        ...censusResultMessage(view, result, t, { grew }),
      });
      try {
        const plain = i18n.plain(data.lang);
        const png = await renderCensusChart(result, plain, data.lang);
        if (png) {
          await client.files.uploadV2({
            channel_id: data.channel,
            thread_ts: data.threadTs,
            file: png,
            filename: `${data.cluster}-patterns.png`,
            title: plain('census:slack.chart_file_title', { cluster: data.cluster }),
            alt_text: plain('census:slack.chart_alt', { cluster: data.cluster }),
          });
        }
      } catch (err) {
        logger.warn({ err: errorMessage(err), cluster: data.cluster }, 'census chart failed');
      }
    },

    async cancelled(data: CensusJobData, scanned: number, by: string) {
      const t = i18n.slack(data.lang);
      await update(
        data,
        t('census:slack.cancelled', {
          cluster: data.cluster,
          user: userMention(by),
          scanned: formatInt(scanned, data.lang),
        }),
        false,
      );
    },

    async resumed(data: CensusJobData, fraction: number) {
      const t = i18n.slack(data.lang);
      await client.chat.postMessage({
        channel: data.channel,
        thread_ts: data.threadTs,
        ...textMessage(t('census:slack.resumed', { cluster: data.cluster, pct: Math.floor(fraction * 100) })),
      });
    },

    async superseded(data: CensusJobData) {
      await update(data, i18n.slack(data.lang)('census:slack.superseded', { cluster: data.cluster }), false);
    },

    async failed(data: CensusJobData, error: MedicError) {
      const t = i18n.slack(data.lang);
      await update(
        data,
        t('census:slack.failed', { cluster: data.cluster, reason: errorText(error, t, data.lang) }),
        false,
      );
    },
  };
}

/** "What grew since the last census": the five patterns with the largest growth in bytes. */
function grewLines(
  result: CensusResult,
  previous: CensusResult,
  data: CensusJobData,
  i18n: I18n,
  timeZone: string,
): string[] {
  const t = i18n.slack(data.lang);
  let diff: ReturnType<typeof diffCensus>;
  try {
    diff = diffCensus(previous, result);
  } catch {
    return []; // the last census had another MATCH filter: nothing comparable to say
  }
  const sign = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '±');
  const rows = diff.patterns
    .filter((p) => p.bytesDelta > 0 || p.keysDelta > 0)
    .slice(0, 5)
    .map((p) =>
      t('census:slack.grew_line', {
        pattern: p.pattern,
        keys: `${sign(p.keysDelta)}${formatInt(Math.abs(p.keysDelta), data.lang)}`,
        bytes: `${sign(p.bytesDelta)}${formatBytes(Math.abs(p.bytesDelta), data.lang)}`,
      }),
    );
  if (rows.length === 0) return [];
  return [
    t('census:slack.grew', { since: formatDateTime(new Date(previous.finishedAt), data.lang, timeZone) }),
    ...rows.map((r) => `• ${r}`),
  ];
}
