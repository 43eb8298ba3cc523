import type { BlockButtonAction, RespondFn, webApi } from '@slack/bolt';
import { channelTimeZone } from '../../../config/load.js';
import { formatDateTime, formatInt } from '../../../i18n/format.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import type { ApprovalRequest } from '../../../incidents/approval-store.js';
import { cachedGroupMembers, type GroupMembers, type RefusalReason } from '../../../incidents/approvals.js';
import type { DryRun } from '../../../remediation/types.js';
import { ActionId } from '../../action-ids.js';
import {
  approvalRequestMessage,
  approverMentions,
  decodeDryRunButton,
  decodeRequestButton,
  type RequestStatus,
  reasonText,
  who,
} from '../../blocks/remediation.js';
import { textMessage } from '../../blocks/simple.js';
import { postInIncidentThread } from '../../incident-thread.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import type { MedicApp } from '../types.js';
import { type Clicker, updateRequestMessage } from './request-message-update.js';

type WebClient = webApi.WebClient;

/**
 * Request approval / Approve / Reject. Button values are only ids: every decision is taken by the
 * ApprovalService from the stored request, the click's own channel and message, and the config.
 */
export function registerRemediationActions(app: MedicApp, s: SlackServices): void {
  // usergroups.users.list, cached a minute and bounded to 2 s: a slow or failing Slack makes
  // nobody an approver by group (fail closed), it never makes someone one.
  const groupMembers: GroupMembers = cachedGroupMembers(
    async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
    { ttlMs: 60_000, timeoutMs: 2_000 },
  );

  app.action<BlockButtonAction>(
    ActionId.TtlRequestApproval,
    async ({ body, action, client, respond, context }) => {
      const user = body.user.id;
      const { lang, t } = context;
      const channel = body.channel?.id ?? '';
      const value = decodeDryRunButton(action.value);
      const r = s.remediation;
      try {
        const outcome = await r.approvals.request({
          dryRunId: value?.dryRun ?? '',
          requester: user,
          channel,
          post: async (request, dryRun) => {
            const posted = await postInIncidentThread(s, client, {
              cluster: request.cluster,
              channel,
              user,
              message: () => requestMessage(s, t, lang, request, dryRun),
              broadcast: true,
            });
            return { incidentId: posted.incidentId, threadTs: posted.threadTs, messageTs: posted.ts };
          },
        });
        if (!outcome.ok) {
          const text =
            outcome.reason === 'stale_dry_run'
              ? t('approval:refused.stale_dry_run', {
                  minutes: r.approvals.policy.dryRunMaxAgeMinutes,
                  cluster: outcome.dryRun?.cluster ?? '',
                  rule: outcome.dryRun?.rule.name ?? '',
                })
              : outcome.reason === 'wrong_channel'
                ? t('slack:action.wrong_channel')
                : t('approval:refused.unknown_request');
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
          kind: 'ttl_approval_requested',
          actor: user,
          data: {
            rule: outcome.request.rule,
            request: outcome.request.id,
            toChange: outcome.request.toChange,
          },
        });
      } catch (err) {
        const code = slackErrorCode(err);
        s.logger.warn({ code }, 'approval request failed');
        await ephemeral(
          respond,
          code === 'not_in_channel' || code === 'channel_not_found'
            ? t('slack:status.invite_me')
            : t('approval:request.failed', { code }),
        );
      }
    },
  );

  app.action<BlockButtonAction>(ActionId.TtlApprove, async ({ body, action, client, respond, context }) => {
    const user = body.user.id;
    const { lang, t } = context;
    const r = s.remediation;
    const outcome = await r.approvals.approve({
      requestId: decodeRequestButton(action.value)?.request ?? '',
      user,
      origin: origin(body),
      groupMembers,
      lang,
      // The re-count walks the target (throttled): show it is under way, and take the buttons away.
      onClaimed: (request) =>
        updateRequest(s, client, t, lang, request, {
          kind: 'closed',
          line: t('approval:decision.recounting', { user: who(user) }),
        }),
    });
    if (outcome.ok) {
      const { request } = outcome;
      await updateRequest(s, client, t, lang, request, {
        kind: 'closed',
        line: t('approval:decision.approved', {
          user: who(user),
          at: formatDateTime(
            new Date(request.decidedAt ?? Date.now()),
            lang,
            channelTimeZone(s.config, request.channel),
          ),
          recounted: formatInt(outcome.recounted, lang),
          toChange: formatInt(request.toChange, lang),
        }),
      });
      await recordTimeline(s, request.incidentId, {
        at: new Date().toISOString(),
        kind: 'ttl_approved',
        actor: user,
        data: { rule: request.rule, request: request.id, run: outcome.runId, recounted: outcome.recounted },
      });
      return;
    }
    if (outcome.reason === 'error') {
      s.logger.warn({ code: outcome.code, request: outcome.request?.id }, 'approval could not complete');
      await ephemeral(respond, t('approval:refused.error', { code: outcome.code }));
      const current = outcome.request
        ? await r.store.get(outcome.request.id).catch(() => undefined)
        : undefined;
      if (current?.state === 'failed') {
        await updateRequest(s, client, t, lang, current, {
          kind: 'closed',
          line: t('approval:decision.failed', { code: outcome.code }),
        });
      } else if (current?.state === 'pending') {
        // The re-count could not run: the request is open again, buttons and all.
        await updateRequest(s, client, t, lang, current, {
          kind: 'open',
          approvers: s.cluster(current.cluster)?.approvers,
        });
      }
      return;
    }
    await explainRefusal(
      s,
      { client, respond, t, lang, user, verb: 'approve' },
      outcome.reason,
      outcome.request,
      {
        ...(outcome.recounted !== undefined ? { recounted: outcome.recounted } : {}),
      },
    );
  });

  app.action<BlockButtonAction>(ActionId.TtlReject, async ({ body, action, client, respond, context }) => {
    const user = body.user.id;
    const { lang, t } = context;
    const outcome = await s.remediation.approvals.reject({
      requestId: decodeRequestButton(action.value)?.request ?? '',
      user,
      origin: origin(body),
      groupMembers,
    });
    if (!outcome.ok) {
      await explainRefusal(
        s,
        { client, respond, t, lang, user, verb: 'reject' },
        outcome.reason,
        outcome.request,
      );
      return;
    }
    const { request } = outcome;
    const withdrawn = user === request.requester;
    await updateRequest(s, client, t, lang, request, {
      kind: 'closed',
      line: t(withdrawn ? 'approval:decision.withdrawn' : 'approval:decision.rejected', {
        user: who(user),
        at: formatDateTime(
          new Date(request.decidedAt ?? Date.now()),
          lang,
          channelTimeZone(s.config, request.channel),
        ),
      }),
    });
    await recordTimeline(s, request.incidentId, {
      at: new Date().toISOString(),
      kind: 'ttl_rejected',
      actor: user,
      data: { rule: request.rule, request: request.id },
    });
  });
}

/** The click's own channel and message: a request can only be decided from the message that shows it. */
function origin(body: BlockButtonAction): { channel: string; messageTs: string } {
  return {
    channel: body.channel?.id ?? '',
    messageTs: body.message?.ts ?? body.container?.message_ts ?? '',
  };
}

function requestMessage(
  s: SlackServices,
  t: Translate,
  lang: Lang,
  request: ApprovalRequest,
  dryRun: DryRun | undefined,
  status?: RequestStatus,
) {
  return approvalRequestMessage(t, lang, {
    request,
    dryRun,
    timeZone: channelTimeZone(s.config, request.channel),
    status: status ?? {
      kind: 'open',
      approvers: s.cluster(request.cluster)?.approvers,
    },
  });
}

/** Re-renders the request message: closed (no buttons left to press) or open again. */
async function updateRequest(
  s: SlackServices,
  client: WebClient,
  t: Translate,
  lang: Lang,
  request: ApprovalRequest,
  status: RequestStatus,
): Promise<void> {
  await updateRequestMessage(
    s.logger,
    client,
    request,
    () => requestMessage(s, t, lang, request, undefined, status),
    'approval message update failed',
  );
}

/**
 * A refusal: the clicker is told why (ephemeral), the thread gets one line (except for an unknown
 * or misplaced request, which has no thread of its own to speak in), the timeline an entry, and a
 * request that can never succeed any more is shown closed. The audit entry is the service's.
 */
async function explainRefusal(
  s: SlackServices,
  c: Clicker,
  reason: RefusalReason,
  request: ApprovalRequest | undefined,
  extra: { recounted?: number } = {},
): Promise<void> {
  const { t, lang } = c;
  const policy = s.remediation.approvals.policy;
  const values: Record<string, string | number> = {
    cluster: request?.cluster ?? '',
    rule: request?.rule ?? '',
    at: request
      ? formatDateTime(new Date(request.expiresAt), lang, channelTimeZone(s.config, request.channel))
      : '',
    minutes: policy.dryRunMaxAgeMinutes,
    tolerance: policy.recountTolerancePct,
    recounted: formatInt(extra.recounted ?? 0, lang),
    toChange: formatInt(request?.toChange ?? 0, lang),
    state: request ? t(`approval:state.${request.state}`) : '',
  };
  const text =
    reason === 'not_approver'
      ? t('approval:refused.not_approver', {
          cluster: values.cluster,
          approvers: approverMentions(request ? s.cluster(request.cluster)?.approvers : undefined, t),
        })
      : t(`approval:refused.${reason}`, values);
  await ephemeral(c.respond, text);
  s.logger.info({ reason, user: c.user, request: request?.id, verb: c.verb }, 'approval refused');
  if (!request || reason === 'unknown_request') return;
  const closing: Partial<Record<RefusalReason, string>> = {
    expired: t('approval:decision.expired', { at: values.at }),
    stale_dry_run: t('approval:decision.stale', {
      minutes: values.minutes,
      cluster: values.cluster,
      rule: values.rule,
    }),
    recount_mismatch: t('approval:decision.recount_mismatch', {
      recounted: values.recounted,
      toChange: values.toChange,
      tolerance: values.tolerance,
    }),
  };
  const closedLine = closing[reason];
  if (closedLine && ['expired', 'stale', 'recount_mismatch'].includes(request.state)) {
    await updateRequest(s, c.client, t, lang, request, { kind: 'closed', line: closedLine });
  }
  if (request.threadTs && reason !== 'already_decided') {
    await c.client.chat
      .postMessage({
        channel: request.channel,
        thread_ts: request.threadTs,
        ...textMessage(
          t(`approval:refused.thread_${c.verb}`, {
            user: who(c.user),
            rule: request.rule,
            cluster: request.cluster,
            reason: reasonText(t, reason),
          }),
        ),
      })
      .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'refusal post failed'));
  }
  await recordTimeline(s, request.incidentId, {
    at: new Date().toISOString(),
    kind: 'ttl_refused',
    actor: c.user,
    data: { rule: request.rule, request: request.id, reason },
  });
}

async function ephemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
}
