/**
 * Monitoring alerts and daily summaries into Slack: an alert goes into each channel the cluster is
 * mapped to, opening or joining the incident thread, in the channel's language and time zone, and
 * is put on the incident's timeline. Called only by the replica whose compare-and-set won.
 */
import type { webApi } from '@slack/bolt';
import { channelLang, channelTimeZone, clusterChannels } from '../config/load.js';
import type { MedicConfig } from '../config/types.js';
import type { I18n } from '../i18n/index.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { SummaryLine, SummaryReporter } from '../jobs/monitor-job.js';
import type { AlertReport, AlertReporter } from '../monitoring/monitor-tick.js';
import type { Logger } from '../observability/logger.js';
import { alertMessage } from './blocks/alert.js';
import { textMessage } from './blocks/simple.js';
import { summaryText } from './blocks/summary.js';
import { postInIncidentThread } from './incident-thread.js';

/** The bot posts alerts on its own: the timeline's actor. */
const MONITOR_ACTOR = 'monitor';

export interface AlertReporterDeps {
  client: webApi.WebClient;
  config: MedicConfig;
  i18n: I18n;
  incidents: IncidentStore;
  logger: Logger;
}

export function slackAlertReporter(deps: AlertReporterDeps): AlertReporter & SummaryReporter {
  const { client, config, i18n, incidents, logger } = deps;
  return {
    async alert(report: AlertReport) {
      const cluster = config.clusters.find((c) => c.name === report.cluster);
      if (!cluster) return;
      const channels = clusterChannels(config, report.cluster);
      if (channels.length === 0)
        logger.warn({ cluster: report.cluster, kind: report.alert.kind }, 'alert: no channel for cluster');
      for (const channel of channels) {
        const lang = channelLang(config, channel) ?? 'en';
        const t = i18n.slack(lang);
        const posted = await postInIncidentThread({ incidents, logger }, client, {
          cluster: report.cluster,
          channel,
          user: MONITOR_ACTOR,
          broadcast: report.alert.kind !== 'recovered',
          message: (incident) =>
            alertMessage(t, {
              cluster: report.cluster,
              incident,
              alert: report.alert,
              verdict: report.verdict,
              thresholds: cluster.thresholds,
              lang,
              timeZone: channelTimeZone(config, channel),
            }),
        });
        logger.info(
          { cluster: report.cluster, kind: report.alert.kind, incident: posted.incidentId },
          'alert posted',
        );
        await incidents
          .append(posted.incidentId, {
            at: new Date(report.alert.at).toISOString(),
            kind: `alert_${report.alert.kind}`,
            actor: MONITOR_ACTOR,
            data: { memoryPct: report.alert.memoryPct, verdict: report.verdict.kind },
          })
          .catch(() => {});
      }
    },
    async summary(channel: string, lines: SummaryLine[]) {
      const lang = channelLang(config, channel) ?? 'en';
      await client.chat.postMessage({ channel, ...textMessage(summaryText(i18n.slack(lang), lang, lines)) });
    },
  };
}
