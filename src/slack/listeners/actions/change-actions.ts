/**
 * Approve-gated cluster changes from Slack: "Request scale" (capacity report) and "Request change"
 * (policy report) plan the change from live facts and post the request with its exact API call;
 * Approve / Reject decide it through the same four-eyes rules as a TTL fix. Button values are
 * hostile input: the cluster must be configured, the value well-formed and allowed, the click in a
 * channel of that cluster by a member of it (or an approver). Every refusal is answered privately
 * and audited.
 */
import type { BlockButtonAction, RespondFn, webApi } from '@slack/bolt';
import type { ChangePlan } from '../../../changes/types.js';
import { channelTimeZone, clusterChannels } from '../../../config/load.js';
import { formatDateTime } from '../../../i18n/format.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import type { ApprovalRequest } from '../../../incidents/approval-store.js';
import { cachedGroupMembers, type GroupMembers, type RefusalReason } from '../../../incidents/approvals.js';
import { ActionId } from '../../action-ids.js';
import { changeRefusalText, changeRequestMessage } from '../../blocks/change-request.js';
import {
  approverMentions,
  decodeRequestButton,
  type RequestStatus,
  reasonText,
  who,
} from '../../blocks/remediation.js';
import { textMessage } from '../../blocks/simple.js';
import { type ClickGuard, clickOf, refusalText } from '../../click-auth.js';
import { postInIncidentThread } from '../../incident-thread.js';
import type { ChangeServices, SlackServices } from '../../services.js';
import { slackErrorCode } from '../../status-flow.js';
import type { MedicApp } from '../types.js';
import { type Clicker, updateRequestMessage } from './request-message-update.js';

type WebClient = webApi.WebClient;

/** What the report buttons carry; parsed defensively (a forged value is refused, never trusted). */
export function decodeChangeButton(
  raw: string | undefined,
  kind: 'scale' | 'policy',
): { cluster: string; value: unknown } | undefined {
  if (typeof raw !== 'string' || raw.length > 500) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.cluster !== 'string' || o.cluster === '' || o.cluster.length > 100) return undefined;
    return { cluster: o.cluster, value: kind === 'scale' ? o.node_type : o.policy };
  } catch {
    return undefined;
  }
}

export function registerChangeActions(app: MedicApp, s: SlackServices, clicks: ClickGuard): void {
  const changes = s.changes;
  if (!changes) return;
  const groupMembers: GroupMembers = cachedGroupMembers(
    async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
    { ttlMs: 60_000, timeoutMs: 2_000 },
  );

  for (const [actionId, kind] of [
    [ActionId.CapacityRequestScale, 'scale'],
    [ActionId.PolicyRequestChange, 'policy'],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const click = clickOf(body, actionId);
      const say = (text: string) => ephemeral(respond, text);
      const value = decodeChangeButton(action.value, kind);
      const cluster = value ? s.cluster(value.cluster) : undefined;
      if (!value || !cluster) {
        const name = value?.cluster ?? '';
        await clicks.refuse(
          click,
          { cluster: '', channel: '' },
          value ? 'unknown_cluster' : 'bad_value',
          say,
          value
            ? changeRefusalText(t, lang, { reason: 'unknown_cluster', values: { cluster: name } })
            : changeRefusalText(t, lang, { reason: 'bad_value', values: { value: '?' } }),
        );
        return;
      }
      // Where: a channel of this cluster (any channel when the config maps none to it).
      const mapped = clusterChannels(s.config, cluster.name);
      if (click.channel === '' || (mapped.length > 0 && !mapped.includes(click.channel))) {
        await clicks.refuse(
          click,
          { cluster: cluster.name, channel: mapped[0] ?? '' },
          'wrong_channel',
          say,
          changeRefusalText(t, lang, { reason: 'wrong_channel', values: { cluster: cluster.name } }),
        );
        return;
      }
      // Who: a member of that channel or an approver of the cluster (anyone on call there may ask).
      const notMember = await clicks.checkStop(click, { cluster: cluster.name, channel: click.channel });
      if (notMember) {
        await clicks.refuse(
          click,
          { cluster: cluster.name, channel: click.channel },
          notMember,
          say,
          refusalText(t, notMember, cluster.name),
        );
        return;
      }
      const planned = await changes.plan({
        cluster,
        channel: click.channel,
        requester: click.user,
        value: value.value,
        kind,
      });
      if (!planned.ok) {
        await clicks.refuse(
          click,
          { cluster: cluster.name, channel: click.channel },
          planned.refusal.reason === 'aws_failed'
            ? String(planned.refusal.values.code)
            : planned.refusal.reason,
          say,
          changeRefusalText(t, lang, planned.refusal),
        );
        return;
      }
      try {
        const outcome = await changes.approvals.request({
          plan: planned.plan,
          post: async (request, plan) => {
            const posted = await postInIncidentThread(s, client, {
              cluster: plan.cluster,
              channel: click.channel,
              user: click.user,
              message: () => requestMessage(s, t, lang, request, plan),
              broadcast: true,
            });
            return { incidentId: posted.incidentId, threadTs: posted.threadTs, messageTs: posted.ts };
          },
        });
        if (!outcome.created) {
          await say(
            outcome.request
              ? t('change:request.already', {
                  kind: t(`change:kind.${kind}`),
                  cluster: cluster.name,
                  state: t(`approval:state.${outcome.request.state}`),
                })
              : t('change:request.busy', { kind: t(`change:kind.${kind}`), cluster: cluster.name }),
          );
        }
      } catch (err) {
        const code = slackErrorCode(err);
        s.logger.warn({ code }, 'change request failed');
        await say(
          code === 'not_in_channel' || code === 'channel_not_found'
            ? t('slack:status.invite_me')
            : t('change:request.failed', { code }),
        );
      }
    });
  }

  app.action<BlockButtonAction>(
    ActionId.ChangeApprove,
    async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const user = body.user.id;
      const outcome = await changes.approvals.approve({
        requestId: decodeRequestButton(action.value)?.request ?? '',
        user,
        origin: origin(body),
        groupMembers,
        lang,
      });
      if (outcome.ok) {
        await update(s, client, t, lang, outcome.request, outcome.plan, {
          kind: 'closed',
          line: t('change:decision.approved', {
            user: who(user),
            at: formatDateTime(
              new Date(outcome.request.decidedAt ?? Date.now()),
              lang,
              channelTimeZone(s.config, outcome.request.channel),
            ),
          }),
        });
        return;
      }
      if (outcome.reason === 'error') {
        await ephemeral(respond, t('change:decision.failed', { code: outcome.code }));
        return;
      }
      if (outcome.reason === 'changed') {
        const why = changeRefusalText(t, lang, outcome.refusal);
        await ephemeral(respond, why);
        await update(s, client, t, lang, outcome.request, outcome.plan, {
          kind: 'closed',
          line: t('change:decision.changed', { why }),
        });
        return;
      }
      await explainRefusal(
        s,
        changes,
        { client, respond, t, lang, user, verb: 'approve' },
        outcome.reason,
        outcome.request,
      );
      // A request that can never be approved any more stops offering its buttons.
      const closed = outcome.request;
      if (closed && outcome.plan && (closed.state === 'expired' || closed.state === 'stale')) {
        await update(s, client, t, lang, closed, outcome.plan, {
          kind: 'closed',
          line:
            closed.state === 'expired'
              ? t('change:decision.expired', {
                  at: formatDateTime(
                    new Date(closed.expiresAt),
                    lang,
                    channelTimeZone(s.config, closed.channel),
                  ),
                })
              : t('change:decision.stale', { minutes: changes.approvals.policy.dryRunMaxAgeMinutes }),
        });
      }
    },
  );

  app.action<BlockButtonAction>(ActionId.ChangeReject, async ({ body, action, client, respond, context }) => {
    const { t, lang } = context;
    const user = body.user.id;
    const outcome = await changes.approvals.reject({
      requestId: decodeRequestButton(action.value)?.request ?? '',
      user,
      origin: origin(body),
      groupMembers,
    });
    if (!outcome.ok) {
      await explainRefusal(
        s,
        changes,
        { client, respond, t, lang, user, verb: 'reject' },
        outcome.reason,
        outcome.request,
      );
      return;
    }
    const { request } = outcome;
    const at = formatDateTime(
      new Date(request.decidedAt ?? Date.now()),
      lang,
      channelTimeZone(s.config, request.channel),
    );
    if (outcome.plan) {
      await update(s, client, t, lang, request, outcome.plan, {
        kind: 'closed',
        line: t(user === request.requester ? 'approval:decision.withdrawn' : 'approval:decision.rejected', {
          user: who(user),
          at,
        }),
      });
    }
  });
}

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
  plan: ChangePlan,
  status?: RequestStatus,
) {
  return changeRequestMessage(t, lang, {
    request,
    plan,
    timeZone: channelTimeZone(s.config, request.channel),
    warningPct: s.cluster(plan.cluster)?.thresholds.warning ?? 0,
    status: status ?? { kind: 'open', approvers: s.cluster(request.cluster)?.approvers },
  });
}

async function update(
  s: SlackServices,
  client: WebClient,
  t: Translate,
  lang: Lang,
  request: ApprovalRequest,
  plan: ChangePlan,
  status: RequestStatus,
): Promise<void> {
  await updateRequestMessage(
    s.logger,
    client,
    request,
    () => requestMessage(s, t, lang, request, plan, status),
    'change request update failed',
  );
}

/**
 * A refused Approve / Reject: the clicker is told why, the thread gets one line (not for an
 * unknown or forged request, which has no thread of its own), and an expired request is shown
 * closed. The audit entry is the service's.
 */
async function explainRefusal(
  s: SlackServices,
  changes: ChangeServices,
  c: Clicker,
  reason: RefusalReason,
  request: ApprovalRequest | undefined,
): Promise<void> {
  const { t, lang } = c;
  const at = request
    ? formatDateTime(new Date(request.expiresAt), lang, channelTimeZone(s.config, request.channel))
    : '';
  const text =
    reason === 'not_approver'
      ? t('approval:refused.not_approver', {
          cluster: request?.cluster ?? '',
          approvers: approverMentions(request ? s.cluster(request.cluster)?.approvers : undefined, t),
        })
      : t(`approval:refused.${reason}`, {
          cluster: request?.cluster ?? '',
          rule: request?.rule ?? '',
          at,
          minutes: changes.approvals.policy.dryRunMaxAgeMinutes,
          tolerance: changes.approvals.policy.recountTolerancePct,
          recounted: '',
          toChange: '',
          state: request ? t(`approval:state.${request.state}`) : '',
        });
  await ephemeral(c.respond, text);
  if (!request || reason === 'unknown_request' || reason === 'already_decided' || !request.threadTs) return;
  const kind = request.rule.startsWith('scale') ? 'scale' : 'policy';
  await c.client.chat
    .postMessage({
      channel: request.channel,
      thread_ts: request.threadTs,
      ...textMessage(
        t(`change:refused.thread_${c.verb}`, {
          user: who(c.user),
          kind: t(`change:kind.${kind}`),
          cluster: request.cluster,
          reason: reasonText(t, reason),
        }),
      ),
    })
    .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'refusal post failed'));
}

async function ephemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
}
