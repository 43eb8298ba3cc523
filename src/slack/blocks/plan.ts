/**
 * Block Kit for a TTL plan: the plan's dry-run (a row per rule, in run order, and "Request
 * approval"), the one approval request for the whole plan (Approve, Run now outside the off-peak
 * window, Reject), its closed states, and the note of a run scheduled for the off-peak window with
 * its Cancel button. Pure: values in, blocks out; rule names and patterns are escaped here.
 */
import type { types } from '@slack/bolt';
import type { OffPeakWindow } from '../../config/off-peak.js';
import { formatBytes, formatDateTime, formatInt } from '../../i18n/format.js';
import { escapeMrkdwn, truncateMrkdwn, userMention } from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { ApprovalRequest } from '../../incidents/approval-store.js';
import type { DryRun } from '../../remediation/types.js';
import { ActionId } from '../action-ids.js';
import { approverMentions, type RequestButtonValue, ruleLine } from './remediation.js';
import type { TtlRunButtonValue } from './ttl-run.js';

type KnownBlock = types.KnownBlock;
type Message = { text: string; blocks: KnownBlock[] };

const SECTION_MAX = 2900;

/** What the plan buttons h18a's checklist renders carry: the cluster only. */
export interface PlanButtonValue {
  cluster: string;
}

export function decodePlanButton(raw: string | undefined): PlanButtonValue | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<PlanButtonValue>;
    return typeof v.cluster === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v.cluster)
      ? { cluster: v.cluster }
      : undefined;
  } catch {
    return undefined;
  }
}

function rows(t: Translate, lang: Lang, dryRuns: readonly DryRun[]): string {
  return dryRuns
    .map((d, i) =>
      t('approval:plan.row', {
        index: i + 1,
        rule: escapeMrkdwn(d.rule.name),
        line: ruleLine(t, d.rule),
        toChange: formatInt(d.toChange, lang),
        matched: formatInt(d.matched, lang),
        bytes: formatBytes(d.bytesToFree, lang),
      }),
    )
    .join('\n');
}

const total = (dryRuns: readonly DryRun[]) => dryRuns.reduce((s, d) => s + d.toChange, 0);

export function planDryRunMessage(
  t: Translate,
  lang: Lang,
  input: { cluster: string; user: string; dryRuns: readonly DryRun[] },
): Message {
  const head = t('approval:plan.title', {
    cluster: escapeMrkdwn(input.cluster),
    count: input.dryRuns.length,
    toChange: formatInt(total(input.dryRuns), lang),
    user: userMention(input.user),
  });
  return {
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncateMrkdwn(rows(t, lang, input.dryRuns), SECTION_MAX) },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: t('approval:plan.order') }] },
      {
        type: 'actions',
        block_id: 'plan_dry_run',
        elements: [
          {
            type: 'button',
            action_id: ActionId.PlanRequestApproval,
            style: 'primary',
            text: { type: 'plain_text', text: t('approval:button.request') },
            value: JSON.stringify({ cluster: input.cluster } satisfies PlanButtonValue),
          },
        ],
      },
    ],
  };
}

export function windowText(t: Translate, w: OffPeakWindow): string {
  const days =
    w.days.length === 7
      ? t('approval:plan.every_day')
      : w.days.map((d) => t(`approval:plan.day.${d}`)).join(', ');
  return t('approval:plan.window', { days, from: w.from, to: w.to, zone: w.timeZone });
}

export type PlanRequestStatus =
  | {
      kind: 'open';
      approvers: Parameters<typeof approverMentions>[0];
      offPeak?: { window: OffPeakWindow; nextStart?: Date };
    }
  | { kind: 'closed'; line: string };

export function planRequestMessage(
  t: Translate,
  lang: Lang,
  input: {
    request: ApprovalRequest;
    dryRuns: readonly DryRun[];
    status: PlanRequestStatus;
    timeZone?: string;
  },
): Message {
  const { request, status } = input;
  const head = t('approval:plan.request_text', {
    requester: userMention(request.requester),
    cluster: escapeMrkdwn(request.cluster),
    count: input.dryRuns.length,
    toChange: formatInt(request.toChange, lang),
  });
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: head } }];
  if (input.dryRuns.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncateMrkdwn(rows(t, lang, input.dryRuns), SECTION_MAX) },
    });
  }
  if (status.kind === 'closed') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status.line } });
    return { text: head, blocks };
  }
  const lines = [
    t('approval:request.approvers', { approvers: approverMentions(status.approvers, t) }),
    t('approval:request.expires', { at: formatDateTime(new Date(request.expiresAt), lang, input.timeZone) }),
  ];
  // Offered whenever there is a window: a request posted off-peak may be approved after it closes.
  const runNow = status.offPeak !== undefined;
  if (status.offPeak) {
    const window = windowText(t, status.offPeak.window);
    lines.push(
      status.offPeak.nextStart
        ? t('approval:plan.off_peak_outside', {
            window,
            at: formatDateTime(status.offPeak.nextStart, lang, input.timeZone),
          })
        : t('approval:plan.off_peak_inside', { window }),
    );
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] });
  const value = JSON.stringify({ request: request.id } satisfies RequestButtonValue);
  blocks.push({
    type: 'actions',
    block_id: 'plan_approval',
    elements: [
      {
        type: 'button',
        action_id: ActionId.PlanApprove,
        style: 'primary',
        text: { type: 'plain_text', text: t('approval:button.approve') },
        value,
      },
      ...(runNow
        ? [
            {
              type: 'button' as const,
              action_id: ActionId.PlanRunNow,
              text: { type: 'plain_text' as const, text: t('approval:plan.button.run_now') },
              value,
            },
          ]
        : []),
      {
        type: 'button',
        action_id: ActionId.PlanReject,
        style: 'danger',
        text: { type: 'plain_text', text: t('approval:button.reject') },
        value,
      },
    ],
  });
  return { text: head, blocks };
}

/** The thread note of a plan waiting for the off-peak window, with the run's own Cancel button. */
export function planScheduledMessage(
  t: Translate,
  lang: Lang,
  input: { cluster: string; runId: string; start: Date; timeZone?: string },
): Message {
  const text = t('approval:plan.scheduled_note', {
    cluster: escapeMrkdwn(input.cluster),
    start: formatDateTime(input.start, lang, input.timeZone),
  });
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'plan_scheduled',
        elements: [
          {
            type: 'button',
            action_id: ActionId.TtlRunCancel,
            style: 'danger',
            text: { type: 'plain_text', text: t('approval:plan.button.cancel_scheduled') },
            value: JSON.stringify({ run: input.runId } satisfies TtlRunButtonValue),
          },
        ],
      },
    ],
  };
}
