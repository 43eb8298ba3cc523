import type { App } from '@slack/bolt';
import { commandHelpMessage } from '../../blocks/help.js';
import { parseClusterArgs } from '../../cluster-args.js';
import type { SlackServices } from '../../services.js';
import { postStatus } from '../../status-flow.js';
import type { LangResolver } from '../types.js';

/** `/redis-status [cluster]`: ack first (Slack's 3 s limit), then read Redis and post. */
export function registerRedisStatusCommand(app: App, s: SlackServices, langFor: LangResolver): void {
  app.command('/redis-status', async ({ command, ack, client, respond }) => {
    await ack();
    const lang = await langFor(client, command.user_id, command.channel_id);
    const args = parseClusterArgs(command.text, s.config, command.channel_id);
    if (args.kind === 'help') {
      await respond({
        response_type: 'ephemeral',
        ...commandHelpMessage(s.i18n.slack(lang), s.config, command.channel_id, {
          command: 'status',
          problemKey: args.problemKey,
          problemValues: args.problemValues,
        }),
      });
      return;
    }
    await postStatus(s, {
      client,
      cluster: args.cluster,
      channel: command.channel_id,
      user: command.user_id,
      lang,
      respond,
    });
  });
}
