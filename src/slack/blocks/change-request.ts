// Block Kit for an approve-gated cluster change: the request (exact API call and CLI command), refusals, and the run's thread lines.
import type { types } from '@slack/bolt';
import type { ChangePlan, ChangeRefusal } from '../../changes/types.js';
import type { MedicError } from '../../errors.js';
import { MedicError as Err, ErrorCode } from '../../errors.js';
import { formatBytes, formatDateTime, formatList } from '../../i18n/format.js';
import { escapeMrkdwn, truncateMrkdwn } from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { ApprovalRequest } from '../../incidents/approval-store.js';
import { errorText } from '../../presenters/error-text.js';
import { ActionId } from '../action-ids.js';
import { approverMentions, type RequestStatus, who } from './remediation.js';

type KnownBlock = types.KnownBlock;
type Message = { text: string; blocks: KnownBlock[] };

const SECTION_MAX = 2900;

/** A code block whose content can't break out of it or mention anyone. */
function code(text: string): string {
  return `\`\`\`${escapeMrkdwn(text).replace(/```/g, "'''")}\`\`\``;
}

/** The API call as the SDK receives it: operation, then its parameters as JSON. */
export function apiCallText(plan: ChangePlan): string {
  return `${plan.call.operation} ${JSON.stringify(plan.call.params, null, 2)}`;
}

/** The request in the thread: who asks what, the exact call, the CLI command, approvers, buttons. */
export function changeRequestMessage(
  t: Translate,
  lang: Lang,
  input: {
    request: ApprovalRequest;
    plan: ChangePlan;
    status: RequestStatus;
    timeZone?: string;
    warningPct?: number;
  },
): Message {
  const { request, plan, status } = input;
  const head =
    plan.kind === 'scale'
      ? t('change:request.scale', {
          requester: who(request.requester),
          cluster: plan.cluster,
          from: plan.from,
          to: plan.to,
          direction: t(`change:request.${plan.direction}`),
        })
      : t('change:request.policy', {
          requester: who(request.requester),
          cluster: plan.cluster,
          from: plan.from || '?',
          to: plan.to,
        });
  const selfHosted = plan.kind === 'policy' && plan.where.kind === 'self_hosted';
  const notes: string[] = [];
  if (plan.kind === 'scale') {
    notes.push(t('change:request.scale_note'));
    if (plan.direction === 'down' && plan.usedBytes !== undefined && plan.targetMaxmemoryBytes) {
      notes.push(
        t('change:request.scale_down_note', {
          used: formatBytes(plan.usedBytes, lang),
          target: formatBytes(plan.targetMaxmemoryBytes, lang),
          pct: Math.round((plan.usedBytes / plan.targetMaxmemoryBytes) * 1000) / 10,
          warning: input.warningPct ?? 0,
        }),
      );
    }
  } else if (plan.where.kind === 'elasticache') {
    notes.push(t('change:request.group_note', { group: plan.where.parameterGroup }));
    const others = plan.where.sharedWith ?? [];
    if (others.length > 0) {
      notes.push(
        t('change:request.group_shared', {
          group: plan.where.parameterGroup,
          count: others.length,
          others: formatList(others, lang),
        }),
      );
    }
  } else {
    notes.push(t('change:request.self_hosted_note', { from: plan.from || '?', to: plan.to }));
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(`${t('change:request.api_call')}\n${code(apiCallText(plan))}`, SECTION_MAX),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(
          `${t(selfHosted ? 'change:request.redis_cli' : 'change:request.cli')}\n${code(plan.cli)}`,
          SECTION_MAX,
        ),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: notes.join('\n') }] },
  ];
  if (status.kind === 'open') {
    const lines = [
      t('approval:request.approvers', { approvers: approverMentions(status.approvers, t) }),
      t('approval:request.expires', {
        at: formatDateTime(new Date(request.expiresAt), lang, input.timeZone),
      }),
    ];
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] });
    const value = JSON.stringify({ request: request.id });
    blocks.push({
      type: 'actions',
      block_id: 'change_approval',
      elements: [
        {
          type: 'button',
          action_id: ActionId.ChangeApprove,
          style: 'primary',
          text: { type: 'plain_text', text: t('approval:button.approve') },
          value,
        },
        {
          type: 'button',
          action_id: ActionId.ChangeReject,
          style: 'danger',
          text: { type: 'plain_text', text: t('approval:button.reject') },
          value,
        },
      ],
    });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status.line } });
  }
  return { text: head, blocks };
}

/** A refusal of a change as one localized text (a default group's refusal carries its three commands). */
export function changeRefusalText(t: Translate, lang: Lang, refusal: ChangeRefusal): string {
  const v = refusal.values;
  if (refusal.reason === 'aws_failed') {
    return t('change:refused.aws_failed', { error: errorText(awsError(v), t, lang) });
  }
  const text = t(`change:refused.${refusal.reason}`, {
    cluster: '',
    status: '',
    node_type: '',
    allowed: '',
    pct: '',
    warning: '',
    policy: '',
    group: '',
    value: '',
    error: '',
    what: '',
    ...v,
  });
  return refusal.reason === 'default_parameter_group' ? `${text}\n${code(String(v.commands ?? ''))}` : text;
}

/** The AWS error carried by an `aws_failed` refusal, for the shared error sentences. */
function awsError(values: Record<string, string | number>): MedicError {
  const { code: c, ...rest } = values;
  const known = (Object.values(ErrorCode) as string[]).includes(String(c));
  return new Err(known ? (String(c) as ErrorCode) : ErrorCode.AwsCallFailed, {
    action: '',
    region: '',
    error: '',
    ...rest,
  });
}

/** `45 s` / `3 min 40 s`: exact enough to say how long a scale took. */
export function elapsedText(t: Translate, ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return total < 60
    ? t('change:elapsed.seconds', { seconds: total })
    : t('change:elapsed.minutes', { minutes: Math.floor(total / 60), seconds: total % 60 });
}
