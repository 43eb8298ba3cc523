import { errorMessage } from '../../../errors.js';
import { monitoringExportFiles } from '../../../monitoring/exports/export-files.js';
import type { SlackServices } from '../../services.js';
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
      const plain = s.i18n.plain(lang);
      const channel = command.channel_id;
      const incident = await s.incidents.findOpen(cluster.name, channel).catch(() => undefined);
      const files = monitoringExportFiles(cluster, plain, s.config.monitoring);
      const { warning, critical, emergency } = cluster.thresholds;
      try {
        await client.files.uploadV2({
          channel_id: channel,
          ...(incident ? { thread_ts: incident.threadTs } : {}),
          initial_comment: t('slack:monitoring.comment', {
            user: `<@${command.user_id}>`,
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
