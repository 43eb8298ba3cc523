import type { App } from '@slack/bolt';
import { channelTimeZone } from '../../../config/load.js';
import { errorMessage } from '../../../errors.js';
import { truncate } from '../../../i18n/mrkdwn.js';
import { commandHelpMessage } from '../../blocks/help.js';
import { auditListMessage } from '../../blocks/remediation.js';
import type { SlackServices } from '../../services.js';
import type { LangResolver } from '../types.js';

/** Entries one `/redis-audit` shows (one line each; the CLI lists more). */
const AUDIT_LIMIT = 25;

/**
 * `/redis-audit [cluster|all]`: the most recent audit entries, only to the person asking. Without an
 * argument: the channel's cluster, or every cluster where the channel has none.
 */
export function registerRedisAuditCommand(app: App, s: SlackServices, langFor: LangResolver): void {
  app.command('/redis-audit', async ({ command, ack, client, respond }) => {
    await ack();
    const lang = await langFor(client, command.user_id, command.channel_id);
    const t = s.i18n.slack(lang);
    const words = (command.text ?? '').trim().split(/\s+/).filter(Boolean);
    const channelDefault = s.config.slack.channels[command.channel_id];
    const help = (problemKey?: string, problemValues?: Record<string, string>) =>
      respond({
        response_type: 'ephemeral',
        ...commandHelpMessage(t, s.config, command.channel_id, {
          command: 'audit',
          problemKey,
          problemValues,
        }),
      });
    let cluster: string | undefined;
    if (words.length === 0) cluster = channelDefault;
    else if (words.length === 1 && ['help', '-h', '--help'].includes(words[0] ?? ''))
      return void (await help());
    else if (words.length === 1 && words[0] === 'all') cluster = undefined;
    else if (words.length === 1 && s.cluster(words[0] ?? '')) cluster = words[0];
    else if (words.length === 1)
      return void (await help('slack:help.unknown_cluster', { name: truncate(words[0] ?? '', 100) }));
    else return void (await help('slack:help.too_many_args', { text: truncate(words.join(' '), 100) }));
    try {
      const entries = await s.remediation.audit.list({ ...(cluster ? { cluster } : {}), limit: AUDIT_LIMIT });
      await respond({
        response_type: 'ephemeral',
        ...auditListMessage(t, lang, {
          entries,
          ...(cluster ? { cluster } : {}),
          timeZone: channelTimeZone(s.config, command.channel_id),
        }),
      });
    } catch (err) {
      s.logger.warn({ err: errorMessage(err) }, 'audit list failed');
      await respond({ response_type: 'ephemeral', text: t('approval:audit.unavailable') });
    }
  });
}
