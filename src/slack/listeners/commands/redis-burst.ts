import { parseWindowArgs } from '../../../burst/parse-time.js';
import { channelTimeZone } from '../../../config/load.js';
import { asMedicError } from '../../../errors.js';
import { userMention } from '../../../i18n/mrkdwn.js';
import { errorText } from '../../../presenters/error-text.js';
import { startBurstHunt } from '../../burst-flow.js';
import type { SlackServices } from '../../services.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/**
 * `/redis-burst [cluster] [from] [to]`: hunt what filled the memory and post it in the incident
 * thread. Times are checked before anything runs: a bad one is answered, nothing else happens.
 */
export function registerRedisBurstCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-burst',
    clusterCommand(
      s,
      { help: 'burst', rest: 2 },
      async ({ cluster, rest, command, context, client, respond }) => {
        const t = context.t;
        let window: { from: Date; to: Date } | undefined;
        try {
          window = parseWindowArgs(
            { from: rest[0], to: rest[1] },
            channelTimeZone(s.config, command.channel_id),
            new Date(),
          );
        } catch (err) {
          await respond({
            response_type: 'ephemeral',
            text: errorText(asMedicError(err, s.logger), t, context.lang),
          });
          return;
        }
        const started = startBurstHunt(s, {
          client,
          cluster,
          channel: command.channel_id,
          user: command.user_id,
          lang: context.lang,
          respond,
          window,
        });
        await respond({
          response_type: 'ephemeral',
          text: started
            ? t('burst:slack.working', { cluster: cluster.name, user: userMention(command.user_id) })
            : t('burst:slack.already_running', { cluster: cluster.name }),
        });
      },
    ),
  );
}
