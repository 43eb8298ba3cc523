/**
 * The TTL plan's buttons: "Dry-run the plan" and "Request approval" (rendered by the incident's
 * checklist and by the plan's own dry-run message, value `{"cluster": …}`), then Approve, Run now
 * and Reject on the plan's one approval request (value: the request id only). Every decision is
 * taken by the PlanApprovalService from the stored request, the click's own channel and message and
 * the config; every refusal is audited there (or by the click guard) and explained to the clicker.
 * `events` tells the incident checklist when the plan was dry-run and approved.
 */
import type { BlockButtonAction, RespondFn } from '@slack/bolt';
import { channelTimeZone, clusterChannels } from '../../../config/load.js';
import { asMedicError } from '../../../errors.js';
import { formatDateTime, formatInt } from '../../../i18n/format.js';
import { escapeMrkdwn, userMention } from '../../../i18n/mrkdwn.js';
import type { Translate } from '../../../i18n/types.js';
import type { PlanApprovalService } from '../../../incidents/approvals/plan-service.js';
import { cachedGroupMembers, type GroupMembers } from '../../../incidents/approvals.js';
import type { DryRun } from '../../../remediation/types.js';
import { ActionId } from '../../action-ids.js';
import { decodePlanButton, planDryRunMessage, planScheduledMessage } from '../../blocks/plan.js';
import { decodeRequestButton } from '../../blocks/remediation.js';
import { textMessage } from '../../blocks/simple.js';
import { type ClickGuard, clickOf, staleOwner } from '../../click-auth.js';
import { postInIncidentThread } from '../../incident-thread.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import type { MedicApp } from '../types.js';
import {
  ephemeral,
  openStatus,
  origin,
  refusalText,
  requestMessage,
  updateRequest,
} from './plan-messages.js';

/** Plan milestones, for the incident checklist (the composition root wires them). */
export interface PlanEvents {
  dryRun?(e: {
    incidentId: string;
    cluster: string;
    by: string;
    planId: string;
    rules: number;
  }): Promise<void> | void;
  requested?(e: { incidentId: string; cluster: string; by: string; requestId: string }): Promise<void> | void;
  approved?(e: {
    incidentId: string;
    cluster: string;
    by: string;
    runId: string;
    scheduledFor?: number;
  }): Promise<void> | void;
}

export function registerPlanActions(
  app: MedicApp,
  s: SlackServices,
  options: { plans: PlanApprovalService; clicks: ClickGuard; events?: PlanEvents },
): void {
  const { plans, clicks } = options;
  const groupMembers: GroupMembers = cachedGroupMembers(
    async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
    { ttlMs: 60_000, timeoutMs: 2_000 },
  );

  /** The cluster a plan button names, if it may be used in this channel (refusals audited). */
  const clusterOf = async (
    body: BlockButtonAction,
    raw: string | undefined,
    control: string,
    t: Translate,
    respond: RespondFn,
  ) => {
    const say = (text: string) => ephemeral(respond, text);
    const value = decodePlanButton(raw);
    const cluster = value ? s.cluster(value.cluster) : undefined;
    const channel = body.channel?.id ?? '';
    if (!cluster || !channel) {
      await clicks.refuse(
        clickOf(body, control),
        staleOwner(value?.cluster),
        'unknown_record',
        say,
        t('slack:action.stale'),
      );
      return undefined;
    }
    const mapped = clusterChannels(s.config, cluster.name);
    if (mapped.length > 0 && !mapped.includes(channel)) {
      await clicks.refuse(
        clickOf(body, control),
        { cluster: cluster.name, channel: mapped[0] as string },
        'wrong_channel',
        say,
        t('approval:plan.wrong_place', { cluster: escapeMrkdwn(cluster.name) }),
      );
      return undefined;
    }
    return { cluster, channel };
  };

  app.action<BlockButtonAction>(ActionId.PlanDryRun, async ({ body, action, client, respond, context }) => {
    const { t, lang } = context;
    const user = body.user.id;
    const ok = await clusterOf(body, action.value, 'plan_dry_run', t, respond);
    if (!ok) return;
    const rules = s.remediation.rules(ok.cluster.name);
    if (rules.length === 0) {
      await ephemeral(respond, t('approval:plan.no_rules', { cluster: escapeMrkdwn(ok.cluster.name) }));
      return;
    }
    let posted: Awaited<ReturnType<typeof postInIncidentThread>>;
    try {
      posted = await postInIncidentThread(s, client, {
        cluster: ok.cluster.name,
        channel: ok.channel,
        user,
        message: () =>
          textMessage(
            t('approval:plan.dry_running', {
              user: userMention(user),
              cluster: escapeMrkdwn(ok.cluster.name),
              count: rules.length,
            }),
          ),
      });
    } catch (err) {
      await ephemeral(respond, t('approval:plan.failed', { code: slackErrorCode(err) }));
      return;
    }
    const update = (message: { text: string; blocks: unknown[] }) =>
      client.chat
        .update({ channel: ok.channel, ts: posted.ts, ...(message as { text: string }) })
        .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'plan message update failed'));
    try {
      const dryRuns: DryRun[] = [];
      for (const rule of rules)
        dryRuns.push(await s.remediation.dryRun(ok.cluster, rule, { channel: ok.channel }));
      const created = await plans.createPlan({
        cluster: ok.cluster.name,
        channel: ok.channel,
        by: user,
        incidentId: posted.incidentId,
        dryRuns,
        ...(ok.cluster.planOrder ? { order: ok.cluster.planOrder } : {}),
      });
      if (!created.ok) {
        const [a, b] = created.overlaps[0] ?? ['', ''];
        await update(textMessage(t('approval:plan.overlap', { a: escapeMrkdwn(a), b: escapeMrkdwn(b) })));
        return;
      }
      await update(
        planDryRunMessage(t, lang, { cluster: ok.cluster.name, user, dryRuns: created.plan.dryRuns }),
      );
      await recordTimeline(s, posted.incidentId, {
        at: new Date().toISOString(),
        kind: 'ttl_plan_dry_run',
        actor: user,
        data: { plan: created.plan.plan.id, rules: dryRuns.length },
      });
      await options.events?.dryRun?.({
        incidentId: posted.incidentId,
        cluster: ok.cluster.name,
        by: user,
        planId: created.plan.plan.id,
        rules: dryRuns.length,
      });
    } catch (err) {
      const code = asMedicError(err, s.logger).code;
      await update(textMessage(t('approval:plan.failed', { code })));
    }
  });

  app.action<BlockButtonAction>(
    ActionId.PlanRequestApproval,
    async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const user = body.user.id;
      const ok = await clusterOf(body, action.value, 'plan_request_approval', t, respond);
      if (!ok) return;
      try {
        const outcome = await plans.request({
          cluster: ok.cluster.name,
          requester: user,
          channel: ok.channel,
          post: async (request, plan) => {
            const p = await postInIncidentThread(s, client, {
              cluster: request.cluster,
              channel: ok.channel,
              user,
              message: () => requestMessage(s, t, lang, request, plan, openStatus(s, request)),
              broadcast: true,
            });
            return { incidentId: p.incidentId, threadTs: p.threadTs, messageTs: p.ts };
          },
        });
        if (!outcome.ok) {
          const text =
            outcome.reason === 'stale_dry_run'
              ? t('approval:plan.stale', { minutes: plans.policy.dryRunMaxAgeMinutes })
              : t('approval:plan.unknown', { cluster: escapeMrkdwn(ok.cluster.name) });
          await ephemeral(respond, text);
          return;
        }
        if (!outcome.created) {
          await ephemeral(
            respond,
            t('approval:request.already', { state: t(`approval:state.${outcome.request.state}`) }),
          );
          return;
        }
        await recordTimeline(s, outcome.request.incidentId, {
          at: new Date().toISOString(),
          kind: 'ttl_plan_approval_requested',
          actor: user,
          data: { request: outcome.request.id, toChange: outcome.request.toChange },
        });
        await options.events?.requested?.({
          incidentId: outcome.request.incidentId,
          cluster: ok.cluster.name,
          by: user,
          requestId: outcome.request.id,
        });
      } catch (err) {
        await ephemeral(respond, t('approval:request.failed', { code: slackErrorCode(err) }));
      }
    },
  );

  const decide = (runNow: boolean) =>
    (async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const user = body.user.id;
      const requestId = decodeRequestButton(action.value)?.request ?? '';
      const outcome = await plans.approve({
        requestId,
        user,
        origin: origin(body),
        groupMembers,
        lang,
        runNow,
        onClaimed: (request) =>
          updateRequest(s, client, t, lang, request, plans, {
            kind: 'closed',
            line: t('approval:decision.recounting', { user: userMention(user) }),
          }),
      });
      if (outcome.ok) {
        const { request } = outcome;
        const tz = channelTimeZone(s.config, request.channel);
        const at = formatDateTime(new Date(request.decidedAt ?? Date.now()), lang, tz);
        const recounted = formatInt(
          outcome.recounted.reduce((a, b) => a + b, 0),
          lang,
        );
        const line =
          outcome.scheduledFor !== undefined
            ? t('approval:plan.approved_scheduled', {
                user: userMention(user),
                at,
                recounted,
                start: formatDateTime(new Date(outcome.scheduledFor), lang, tz),
              })
            : t(outcome.override ? 'approval:plan.approved_override' : 'approval:plan.approved_now', {
                user: userMention(user),
                at,
                recounted,
                toChange: formatInt(request.toChange, lang),
              });
        await updateRequest(s, client, t, lang, request, plans, { kind: 'closed', line }, outcome.plan);
        if (outcome.scheduledFor !== undefined && request.threadTs) {
          await client.chat
            .postMessage({
              channel: request.channel,
              thread_ts: request.threadTs,
              ...planScheduledMessage(t, lang, {
                cluster: request.cluster,
                runId: outcome.runId,
                start: new Date(outcome.scheduledFor),
                timeZone: tz,
              }),
            })
            .catch((err: unknown) =>
              s.logger.warn({ code: slackErrorCode(err) }, 'plan schedule note failed'),
            );
        }
        await recordTimeline(s, request.incidentId, {
          at: new Date().toISOString(),
          kind: 'ttl_plan_approved',
          actor: user,
          data: {
            request: request.id,
            run: outcome.runId,
            ...(outcome.scheduledFor !== undefined
              ? { scheduledFor: new Date(outcome.scheduledFor).toISOString() }
              : {}),
            ...(outcome.override ? { override: true } : {}),
          },
        });
        await options.events?.approved?.({
          incidentId: request.incidentId,
          cluster: request.cluster,
          by: user,
          runId: outcome.runId,
          ...(outcome.scheduledFor !== undefined ? { scheduledFor: outcome.scheduledFor } : {}),
        });
        return;
      }
      if (outcome.reason === 'error') {
        await ephemeral(respond, t('approval:refused.error', { code: outcome.code }));
        const current = outcome.request
          ? await s.remediation.store.get(outcome.request.id).catch(() => undefined)
          : undefined;
        if (current?.state === 'pending')
          await updateRequest(s, client, t, lang, current, plans, openStatus(s, current));
        return;
      }
      const request = outcome.request;
      if (outcome.reason === 'recount_mismatch' && outcome.drift && request) {
        const line = t('approval:plan.drift', {
          rule: escapeMrkdwn(outcome.drift.rule),
          recounted: formatInt(outcome.drift.recounted, lang),
          toChange: formatInt(outcome.drift.toChange, lang),
          tolerance: plans.policy.recountTolerancePct,
        });
        await updateRequest(s, client, t, lang, request, plans, { kind: 'closed', line });
        await ephemeral(respond, line);
        return;
      }
      await ephemeral(respond, refusalText(s, t, lang, plans, outcome.reason, request));
    }) satisfies Parameters<typeof app.action<BlockButtonAction>>[1];

  app.action<BlockButtonAction>(ActionId.PlanApprove, decide(false));
  app.action<BlockButtonAction>(ActionId.PlanRunNow, decide(true));

  app.action<BlockButtonAction>(ActionId.PlanReject, async ({ body, action, client, respond, context }) => {
    const { t, lang } = context;
    const user = body.user.id;
    const outcome = await s.remediation.approvals.reject({
      requestId: decodeRequestButton(action.value)?.request ?? '',
      user,
      origin: origin(body),
      groupMembers,
    });
    if (!outcome.ok) {
      await ephemeral(
        respond,
        t(`approval:refused.${outcome.reason}`, { cluster: '', rule: '', at: '', minutes: 0, state: '' }),
      );
      return;
    }
    const { request } = outcome;
    const at = formatDateTime(
      new Date(request.decidedAt ?? Date.now()),
      lang,
      channelTimeZone(s.config, request.channel),
    );
    const key = user === request.requester ? 'approval:decision.withdrawn' : 'approval:decision.rejected';
    await updateRequest(s, client, t, lang, request, plans, {
      kind: 'closed',
      line: t(key, { user: userMention(user), at }),
    });
  });
}
