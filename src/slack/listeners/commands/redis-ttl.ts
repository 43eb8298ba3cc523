import type { RespondFn, types, webApi } from '@slack/bolt';
import { channelTimeZone } from '../../../config/load.js';
import type { ClusterConfig } from '../../../config/types.js';
import { asMedicError } from '../../../errors.js';
import { formatEta, formatInt } from '../../../i18n/format.js';
import { truncate } from '../../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import { errorText } from '../../../presenters/error-text.js';
import type { TtlRule } from '../../../remediation/types.js';
import { progressBar } from '../../blocks/census.js';
import { dryRunResultMessage, ruleListMessage, who } from '../../blocks/remediation.js';
import { textMessage } from '../../blocks/simple.js';
import { postInIncidentThread, type ThreadPost } from '../../incident-thread.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

/** How often the dry-run's progress message may be edited (chat.update is ~50/min per workspace). */
const PROGRESS_EVERY_MS = 4000;
/** A dry-run of one rule on one cluster at a time; the lock outlives a dead replica by this much. */
const LOCK_SEC = 30 * 60;

/**
 * `/redis-ttl [cluster] [rule]`: the cluster's rules, or a rule's dry-run. The cluster may be left
 * out where the channel has one (or only one cluster is configured), so `/redis-ttl coupon-unread`
 * is enough in an incident channel. The dry-run runs in this process: it is a read-only walk of one
 * pattern (seconds to a few minutes), nothing to resume if a replica dies (run it again), so it
 * needs no queue. One message in the incident thread shows its progress and then becomes the
 * result with "Request approval".
 */
export function registerRedisTtlCommand(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-ttl',
    clusterCommand(
      s,
      { help: 'ttl', rest: 1 },
      async ({ cluster, rest, command, context, client, respond }) => {
        const { lang, t } = context;
        const rules = s.remediation.rules(cluster.name);
        const ruleName = rest[0];
        const rule = rules.find((r) => r.name === ruleName);
        if (!rule) {
          // No rule named: the cluster's rules, so nobody has to remember names.
          const problem =
            ruleName === undefined
              ? undefined
              : t('approval:rules.unknown', { rule: truncate(ruleName, 100), cluster: cluster.name });
          await respond({
            response_type: 'ephemeral',
            ...ruleListMessage(t, { cluster: cluster.name, rules, ...(problem ? { problem } : {}) }),
          });
          return;
        }
        await runDryRun(s, {
          client,
          respond,
          lang,
          t,
          cluster,
          rule,
          user: command.user_id,
          channel: command.channel_id,
        });
      },
    ),
  );
}

interface DryRunRequest {
  client: webApi.WebClient;
  respond: RespondFn;
  lang: Lang;
  t: Translate;
  cluster: ClusterConfig;
  rule: TtlRule;
  user: string;
  channel: string;
}

async function runDryRun(s: SlackServices, req: DryRunRequest): Promise<void> {
  const { client, cluster, rule, channel, lang, t } = req;
  const r = s.remediation;
  const lock = `dry-run:${cluster.name}:${rule.name}`;
  if (!(await r.store.lock(lock, LOCK_SEC).catch(() => false))) {
    await req.respond({
      response_type: 'ephemeral',
      text: t('approval:dry_run.already_running', { rule: rule.name, cluster: cluster.name }),
    });
    return;
  }
  try {
    const started = t('approval:dry_run.started', {
      rule: rule.name,
      cluster: cluster.name,
      user: who(req.user),
    });
    let posted: ThreadPost;
    try {
      posted = await postInIncidentThread(s, client, {
        cluster: cluster.name,
        channel,
        user: req.user,
        message: () => textMessage(started),
      });
    } catch (err) {
      const code = slackErrorCode(err);
      s.logger.warn({ code, cluster: cluster.name }, 'dry-run post failed');
      await req.respond({
        response_type: 'ephemeral',
        text:
          code === 'not_in_channel' || code === 'channel_not_found'
            ? t('slack:status.invite_me')
            : t('slack:status.post_failed', { code }),
      });
      return;
    }
    // Progress edits are chained, and the final edit waits for them: a late progress update must
    // never overwrite the result.
    let edits: Promise<unknown> = Promise.resolve();
    let lastEdit = Date.now();
    const edit = (message: { text: string; blocks: types.KnownBlock[] }) => {
      edits = edits
        .then(() => client.chat.update({ channel, ts: posted.ts, ...message }))
        .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'dry-run update failed'));
      return edits;
    };
    let dryRun: Awaited<ReturnType<typeof r.dryRun>>;
    try {
      dryRun = await r.dryRun(cluster, rule, {
        channel,
        onProgress: (p) => {
          if (Date.now() - lastEdit < PROGRESS_EVERY_MS) return;
          lastEdit = Date.now();
          const fraction = p.total > 0 ? Math.min(1, p.scanned / p.total) : 0;
          void edit(
            textMessage(
              t('approval:dry_run.progress', {
                rule: rule.name,
                cluster: cluster.name,
                bar: progressBar(fraction),
                pct: Math.round(fraction * 100),
                scanned: formatInt(p.scanned, lang),
                total: formatInt(p.total, lang),
                eta: formatEta(p.etaSec, t),
              }),
            ),
          );
        },
      });
    } catch (err) {
      const error = asMedicError(err, s.logger);
      const code = error.code;
      s.logger.warn({ cluster: cluster.name, rule: rule.name, code }, 'dry-run failed');
      await edit(
        textMessage(
          t('approval:dry_run.failed', {
            rule: rule.name,
            cluster: cluster.name,
            reason: errorText(error, t, lang),
          }),
        ),
      );
      await recordTimeline(s, posted.incidentId, {
        at: new Date().toISOString(),
        kind: 'ttl_dry_run_failed',
        actor: req.user,
        data: { rule: rule.name, code },
      });
      return;
    }
    await r.approvals.recordDryRun(dryRun, req.user, posted.incidentId).catch((err: unknown) => {
      s.logger.error({ err: String(err), dryRun: dryRun.id }, 'dry-run audit failed');
    });
    await edit(
      dryRunResultMessage(t, lang, dryRun, {
        user: req.user,
        maxAgeMinutes: r.approvals.policy.dryRunMaxAgeMinutes,
        timeZone: channelTimeZone(s.config, channel),
      }),
    );
    await recordTimeline(s, posted.incidentId, {
      at: new Date().toISOString(),
      kind: 'ttl_dry_run',
      actor: req.user,
      data: { rule: rule.name, dryRun: dryRun.id, matched: dryRun.matched, toChange: dryRun.toChange },
    });
  } finally {
    await r.store.unlock(lock).catch(() => {});
  }
}
