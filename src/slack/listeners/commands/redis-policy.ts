import { advisePolicy } from '../../../capacity/advise.js';
import { recommendedPolicy } from '../../../capacity/policy-advice.js';
import { errorMessage } from '../../../errors.js';
import { escapeMrkdwn } from '../../../i18n/mrkdwn.js';
import { policyDoc } from '../../../presenters/policy-view.js';
import { policyButtons } from '../../blocks/capacity.js';
import { postAdvice } from '../../capacity-flow.js';
import type { SlackServices } from '../../services.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/** Revisit time of day: the morning (UTC) of the revisit date, not the minute the command ran. */
const REVISIT_HOUR_UTC = 9;

/**
 * `/redis-policy [cluster]`: the eviction-policy analysis in the incident thread, a Request change
 * button (approval-gated) for the policy the advice recommends (none when it says keep), and a reminder in the thread on the revisit date when the advice is to
 * fix TTLs first.
 */
export function registerRedisPolicyCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-policy',
    clusterCommand(s, { help: 'policy' }, async ({ cluster, command, context, client, respond }) => {
      const t = context.t;
      const done = await postAdvice(
        s,
        { client, respond, cluster, channel: command.channel_id, user: command.user_id, lang: context.lang },
        'capacity:slack.working_policy',
        (capacity, conn) =>
          advisePolicy(capacity.deps(cluster, conn), { cluster, rules: s.remediation.rules(cluster.name) }),
        (advice) => {
          const doc = policyDoc(advice, cluster.name, { t, lang: context.lang, esc: escapeMrkdwn });
          // Only the switch the advice recommends; "keep it" gets no button, and one line says why.
          const target = recommendedPolicy(advice);
          if (target === undefined) {
            doc.blocks.push({
              kind: 'context',
              text: t('capacity:policy.no_button', { policy: advice.policy }),
            });
          }
          return { doc, buttons: policyButtons(t, cluster.name, target !== undefined ? [target] : []) };
        },
      );
      if (done === undefined) return;
      const rec = done.result.recommendation;
      if (rec.kind !== 'keep_fix_ttls_first' || s.capacity === undefined) return;
      const at = Date.parse(`${rec.revisitOn}T${String(REVISIT_HOUR_UTC).padStart(2, '0')}:00:00Z`);
      try {
        const scheduled = await s.capacity.remind({
          // One reminder per cluster and date: asking twice the same day keeps one.
          id: `policy-revisit-${cluster.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${rec.revisitOn}`,
          channel: command.channel_id,
          threadTs: done.posted.threadTs,
          at,
          key: 'capacity:reminder.policy_revisit',
          values: { cluster: cluster.name, policy: done.result.policy },
        });
        if (scheduled) {
          await client.chat.postMessage({
            channel: command.channel_id,
            thread_ts: done.posted.threadTs,
            text: t('capacity:slack.reminder_scheduled', { date: rec.revisitOn }),
          });
        }
      } catch (err) {
        s.logger.warn({ err: errorMessage(err), cluster: cluster.name }, 'policy reminder not scheduled');
      }
    }),
  );
}
