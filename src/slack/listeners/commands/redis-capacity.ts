import { adviseCapacity } from '../../../capacity/advise.js';
import { errorMessage } from '../../../errors.js';
import { escapeMrkdwn } from '../../../i18n/mrkdwn.js';
import { renderCapacityChart } from '../../../presenters/capacity-chart.js';
import { capacityDoc } from '../../../presenters/capacity-view.js';
import { capacityButtons } from '../../blocks/capacity.js';
import { postAdvice } from '../../capacity-flow.js';
import type { SlackServices } from '../../services.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/**
 * `/redis-capacity [cluster]`: sizing with the cost table and the projection chart in the incident
 * thread, a Request scale button per allowed larger node (the scale itself is approval-gated).
 */
export function registerRedisCapacityCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-capacity',
    clusterCommand(s, { help: 'capacity' }, async ({ cluster, command, context, client, respond }) => {
      const t = context.t;
      const done = await postAdvice(
        s,
        { client, respond, cluster, channel: command.channel_id, user: command.user_id, lang: context.lang },
        'capacity:slack.working',
        (capacity, conn) =>
          adviseCapacity(capacity.deps(cluster, conn), {
            cluster,
            rules: s.remediation.rules(cluster.name),
            horizonDays: capacity.horizonDays,
          }),
        (report) => ({
          doc: capacityDoc(report, { t, lang: context.lang, esc: escapeMrkdwn }),
          buttons: capacityButtons(
            t,
            cluster.name,
            report.rows.filter((r) => !r.current).map((r) => r.nodeType),
          ),
        }),
      );
      if (done === undefined) return;
      const plain = s.i18n.plain(context.lang);
      try {
        const png = await renderCapacityChart(done.result, plain);
        if (png === undefined) return;
        await client.files.uploadV2({
          channel_id: command.channel_id,
          thread_ts: done.posted.threadTs,
          file: png,
          filename: `${cluster.name}-capacity.png`,
          title: plain('capacity:slack.chart_file_title', { cluster: cluster.name }),
          alt_text: plain('capacity:slack.chart_alt_text', { cluster: cluster.name }),
        });
      } catch (err) {
        // The report is posted; a missing chart is worth a log line, not a failure.
        s.logger.warn({ err: errorMessage(err), cluster: cluster.name }, 'capacity chart upload failed');
      }
    }),
  );
}
