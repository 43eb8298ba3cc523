import type { webApi } from '@slack/bolt';
import type { ClusterConfig } from '../../../config/types.js';
import { errorMessage } from '../../../errors.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import { MONITORING_EXPORTED } from '../../../incidents/checklist/timeline-steps.js';
import type { Incident } from '../../../incidents/incident-store.js';
import { monitoringExportFiles } from '../../../monitoring/exports/export-files.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/**
 * `/redis-monitoring [cluster]`: the cluster's Prometheus alerting rules and Grafana dashboard, made
 * from its config, uploaded into the channel's open incident thread for that cluster, else into the
 * channel (an export opens no incident).
 */
export function registerRedisMonitoringCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-monitoring',
    clusterCommand(s, { help: 'monitoring' }, async ({ cluster, command, context, client, respond }) => {
      const { t, lang } = context;
      const channel = command.channel_id;
      const incident = await s.incidents.findOpen(cluster.name, channel).catch(() => undefined);
      try {
        await postMonitoringExport(s, client, { cluster, channel, incident, user: command.user_id, t, lang });
      } catch (err) {
        s.logger.warn({ err: errorMessage(err), cluster: cluster.name }, 'monitoring export upload failed');
        await respond({
          response_type: 'ephemeral',
          text: t('slack:monitoring.upload_failed', { cluster: cluster.name }),
        });
      }
    }),
  );
}

/**
 * Uploads the export into the incident thread (or the channel) and, in an incident, records it on
 * the timeline (which completes the checklist's monitoring step). Throws what the upload throws.
 */
export async function postMonitoringExport(
  s: SlackServices,
  client: webApi.WebClient,
  input: {
    cluster: ClusterConfig;
    channel: string;
    incident: Incident | undefined;
    user: string;
    t: Translate;
    lang: Lang;
  },
): Promise<void> {
  const { cluster, channel, incident, t } = input;
  const plain = s.i18n.plain(input.lang);
  const files = monitoringExportFiles(cluster, plain, s.config.monitoring);
  const { warning, critical, emergency } = cluster.thresholds;
  await client.files.uploadV2({
    channel_id: channel,
    ...(incident ? { thread_ts: incident.threadTs } : {}),
    initial_comment: t('slack:monitoring.comment', {
      user: `<@${input.user}>`,
      cluster: cluster.name,
      warning,
      critical,
      emergency,
    }),
    file_uploads: files.map((f) => ({
      file: Buffer.from(f.content),
      filename: f.name,
      title: plain(`slack:monitoring.title_${f.kind}`, { cluster: cluster.name }),
    })),
  });
  if (incident) {
    await recordTimeline(s, incident.id, {
      at: new Date().toISOString(),
      kind: MONITORING_EXPORTED,
      actor: input.user,
      data: { files: files.length },
    });
  }
}
