import type { SlackServices } from '../../services.js';
import { postStatus } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/** `/redis-status [cluster]`: read Redis (INFO, CloudWatch) and post the report in the incident thread. */
export function registerRedisStatusCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-status',
    clusterCommand(s, { help: 'status' }, async ({ cluster, command, context, client, respond }) => {
      await postStatus(s, {
        client,
        cluster,
        channel: command.channel_id,
        user: command.user_id,
        lang: context.lang,
        respond,
      });
    }),
  );
}
