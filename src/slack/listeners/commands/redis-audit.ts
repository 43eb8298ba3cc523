import { channelTimeZone } from '../../../config/load.js';
import { errorMessage } from '../../../errors.js';
import { auditListMessage } from '../../blocks/remediation.js';
import type { SlackServices } from '../../services.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/** Entries one `/redis-audit` shows (one line each; the CLI lists more). */
const AUDIT_LIMIT = 25;

/**
 * `/redis-audit [cluster|all]`: the most recent audit entries, only to the person asking. Without an
 * argument: the channel's cluster, or every cluster where the channel has none.
 */
export function registerRedisAuditCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-audit',
    clusterCommand(
      s,
      { help: 'audit', all: true },
      async ({ cluster: target, command, context, respond }) => {
        const { lang, t } = context;
        const cluster = target?.name;
        try {
          const entries = await s.remediation.audit.list({
            ...(cluster ? { cluster } : {}),
            limit: AUDIT_LIMIT,
          });
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
      },
    ),
  );
}
