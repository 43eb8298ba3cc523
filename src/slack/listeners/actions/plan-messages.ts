/**
 * What the plan's buttons say and redraw: the refusal wording, the open request's status (approvers,
 * off-peak window), the request message re-rendered in place, and the click's origin.
 */
import type { BlockButtonAction, RespondFn, webApi } from '@slack/bolt';
import { channelTimeZone } from '../../../config/load.js';
import { formatDateTime, formatInt } from '../../../i18n/format.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import type { ApprovalRequest } from '../../../incidents/approval-store.js';
import type { LoadedPlan, PlanApprovalService } from '../../../incidents/approvals/plan-service.js';
import type { RefusalReason } from '../../../incidents/approvals.js';
import { windowPosition } from '../../../remediation/plan/off-peak.js';
import { type PlanRequestStatus, planRequestMessage } from '../../blocks/plan.js';
import { approverMentions } from '../../blocks/remediation.js';
import type { SlackServices } from '../../services.js';
import { slackErrorCode } from '../../status-flow.js';

type WebClient = webApi.WebClient;

/** Why a plan decision was refused, in the clicker's language (the audit entry is the service's). */
export function refusalText(
  s: SlackServices,
  t: Translate,
  lang: Lang,
  plans: PlanApprovalService,
  reason: RefusalReason,
  request: ApprovalRequest | undefined,
): string {
  if (reason === 'not_approver') {
    return t('approval:refused.not_approver', {
      cluster: request?.cluster ?? '',
      approvers: approverMentions(request ? s.cluster(request.cluster)?.approvers : undefined, t),
    });
  }
  if (reason === 'stale_dry_run')
    return t('approval:plan.stale', { minutes: plans.policy.dryRunMaxAgeMinutes });
  return t(`approval:refused.${reason}`, {
    cluster: request?.cluster ?? '',
    rule: request?.rule ?? '',
    at: request
      ? formatDateTime(new Date(request.expiresAt), lang, channelTimeZone(s.config, request.channel))
      : '',
    minutes: plans.policy.dryRunMaxAgeMinutes,
    tolerance: plans.policy.recountTolerancePct,
    recounted: '',
    toChange: formatInt(request?.toChange ?? 0, lang),
    state: request ? t(`approval:state.${request.state}`) : '',
  });
}

export function openStatus(s: SlackServices, request: ApprovalRequest): PlanRequestStatus {
  const cluster = s.cluster(request.cluster);
  const window = cluster?.offPeak;
  if (!window) return { kind: 'open', approvers: cluster?.approvers };
  const pos = windowPosition(window, Date.now());
  return {
    kind: 'open',
    approvers: cluster?.approvers,
    offPeak: { window, ...(pos.inWindow ? {} : { nextStart: pos.nextStart }) },
  };
}

export function requestMessage(
  s: SlackServices,
  t: Translate,
  lang: Lang,
  request: ApprovalRequest,
  plan: LoadedPlan | undefined,
  status: PlanRequestStatus,
) {
  return planRequestMessage(t, lang, {
    request,
    dryRuns: plan?.dryRuns ?? [],
    status,
    timeZone: channelTimeZone(s.config, request.channel),
  });
}

export async function updateRequest(
  s: SlackServices,
  client: WebClient,
  t: Translate,
  lang: Lang,
  request: ApprovalRequest,
  plans: PlanApprovalService,
  status: PlanRequestStatus,
  loaded?: LoadedPlan,
): Promise<void> {
  if (!request.channel || !request.messageTs) return;
  const plan = loaded ?? (await plans.load(request.dryRunId).catch(() => undefined));
  await client.chat
    .update({
      channel: request.channel,
      ts: request.messageTs,
      ...requestMessage(s, t, lang, request, plan, status),
    })
    .catch((err: unknown) =>
      s.logger.warn({ code: slackErrorCode(err), request: request.id }, 'plan request update failed'),
    );
}

export function origin(body: BlockButtonAction): { channel: string; messageTs: string } {
  return { channel: body.channel?.id ?? '', messageTs: body.message?.ts ?? body.container?.message_ts ?? '' };
}

export async function ephemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
}
