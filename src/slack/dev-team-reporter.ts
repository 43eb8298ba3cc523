/**
 * Adds the application team's channel (`slack.devTeamChannel`) to the monitoring reporter: each
 * memory alert past critical and its recovery gets a short bilingual notice there, and the daily
 * summary for that channel is bilingual and covers every cluster. The reporter is called only by
 * the replica whose alert-state compare-and-set won, once per crossing, so each notice is posted
 * exactly once across replicas.
 */
import type { webApi } from '@slack/bolt';
import type { MedicConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { I18n } from '../i18n/index.js';
import type { SummaryLine, SummaryReporter } from '../jobs/monitor-job.js';
import type { AlertReport, AlertReporter } from '../monitoring/monitor-tick.js';
import type { Logger } from '../observability/logger.js';
import { devTeamAlertNotice, devTeamSummary, isDevTeamAlert } from './blocks/dev-team-notice.js';

export interface DevTeamDeps {
  client: webApi.WebClient;
  config: MedicConfig;
  i18n: I18n;
  logger: Logger;
}

export function withDevTeamNotices(
  inner: AlertReporter & SummaryReporter,
  deps: DevTeamDeps,
): AlertReporter & SummaryReporter {
  const { client, config, i18n, logger } = deps;
  const devTeam = config.slack.devTeamChannel;
  if (!devTeam) return inner;
  return {
    async alert(report: AlertReport) {
      // The cluster's channel first; the notice is posted even when that post failed.
      const posted = inner.alert(report).then(
        () => undefined,
        (err: unknown) => err,
      );
      const cluster = config.clusters.find((c) => c.name === report.cluster);
      const { alert } = report;
      if (cluster && isDevTeamAlert(alert)) {
        await client.chat
          .postMessage({
            channel: devTeam,
            ...devTeamAlertNotice(i18n, { cluster: cluster.name, alert, thresholds: cluster.thresholds }),
          })
          .then(
            () => logger.info({ cluster: cluster.name, kind: alert.kind }, 'dev team notice posted'),
            (err: unknown) =>
              logger.error(
                { cluster: cluster.name, kind: alert.kind, err: errorMessage(err) },
                'dev team notice failed',
              ),
          );
      }
      const failed = await posted;
      if (failed !== undefined) throw failed;
    },
    async summary(channel: string, lines: SummaryLine[]) {
      if (channel !== devTeam) return inner.summary(channel, lines);
      await client.chat.postMessage({ channel, ...devTeamSummary(i18n, lines) });
    },
  };
}
