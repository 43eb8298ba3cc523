import type { types } from '@slack/bolt';
import type { Approvers } from '../../config/types.js';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatInt,
  formatList,
  formatListT,
  formatTtlWords,
} from '../../i18n/format.js';
import {
  channelMention,
  escapeMrkdwn,
  isSlackChannelId,
  subteamMention,
  truncate,
  truncateMrkdwn,
  userMention,
} from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { ApprovalRequest } from '../../incidents/approval-store.js';
import type { AuditEntry } from '../../incidents/audit-log.js';
import { auditCountsText, auditReasonText } from '../../presenters/audit-text.js';
import type { DryRun, TtlRule, TtlSpread } from '../../remediation/types.js';
import { ActionId } from '../action-ids.js';

type KnownBlock = types.KnownBlock;
type Message = { text: string; blocks: KnownBlock[] };

/** Section text limit (design notes: 3000), with room for the mrkdwn around it. */
const SECTION_MAX = 2900;
const SPREAD_ORDER: (keyof TtlSpread)[] = ['none', 'lt1h', 'lt1d', 'lt7d', 'lt30d', 'lt90d', 'ge90d'];

/** What the buttons carry: ids only. The server looks everything else up and re-checks it. */
export interface DryRunButtonValue {
  dryRun: string;
}
export interface RequestButtonValue {
  request: string;
}

export function decodeDryRunButton(raw: string | undefined): DryRunButtonValue | undefined {
  const v = parse(raw);
  return typeof v?.dryRun === 'string' && /^[A-Za-z0-9_-]{1,80}$/.test(v.dryRun)
    ? { dryRun: v.dryRun }
    : undefined;
}

export function decodeRequestButton(raw: string | undefined): RequestButtonValue | undefined {
  const v = parse(raw);
  return typeof v?.request === 'string' && /^[A-Za-z0-9_-]{1,80}$/.test(v.request)
    ? { request: v.request }
    : undefined;
}

function parse(raw: string | undefined): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(raw ?? '') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `<@U1>` for a Slack user id; anything else (a CLI actor) as escaped text. */
export const who = userMention;

/** Mentions of the configured approvers (ids validated by the config schema). */
export function approverMentions(approvers: Approvers | undefined, t: Translate): string {
  if (!approvers) return '—';
  const all = [...approvers.users.map(userMention), ...approvers.groups.map(subteamMention)];
  return all.length > 0 ? formatListT(all, t) : '—';
}

export function ruleLine(t: Translate, rule: TtlRule): string {
  const action =
    rule.action === 'set-missing'
      ? t('approval:rule.set_missing')
      : rule.includeMissing
        ? t('approval:rule.cap_missing')
        : t('approval:rule.cap');
  return t('approval:rule.line', {
    match: rule.match,
    action,
    ttl: formatTtlWords(rule.ttlSec, t),
    jitter: `${Math.round(rule.jitter * 100)}%`,
    risk: t(`approval:risk.${rule.risk}`),
  });
}

/** The dry-run's figures: counts, bytes, spread, samples. Shared by the result and the request. */
function dryRunBody(t: Translate, lang: Lang, d: DryRun): KnownBlock[] {
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` });
  const fields = [
    field(t('approval:field.matched'), formatInt(d.matched, lang)),
    field(t('approval:field.to_change'), formatInt(d.toChange, lang)),
    field(t('approval:field.without_ttl'), formatInt(d.keysWithoutTtl, lang)),
    ...(d.rule.action === 'cap'
      ? [field(t('approval:field.above_cap'), formatInt(d.keysAboveCap, lang))]
      : []),
    field(t('approval:field.bytes_to_free'), formatBytes(d.bytesToFree, lang)),
    field(t('approval:field.duration'), formatSeconds(d.estimatedDurationSec, t)),
    ...(d.dbs ? [field(t('approval:field.dbs'), `DB ${formatList(d.dbs.map(String), lang)}`)] : []),
  ];
  const spread = SPREAD_ORDER.filter((b) => (d.ttlSpread[b] ?? 0) > 0)
    .map((b) => `${t(`census:bucket.${b}`)} ${formatInt(d.ttlSpread[b], lang)}`)
    .join(' · ');
  const lines = [
    ruleLine(t, d.rule),
    t('approval:dry_run.spread', { spread: spread || '—' }),
    ...(d.rule.expected !== undefined && !closeTo(d.rule.expected, d.toChange)
      ? [
          `:warning: ${t('approval:dry_run.expected_mismatch', { expected: formatInt(d.rule.expected, lang), found: formatInt(d.toChange, lang) })}`,
        ]
      : []),
    ...(d.rule.note ? [t('approval:dry_run.note', { note: d.rule.note })] : []),
    ...(d.replicas ?? []).map((r) => `:warning: ${t('approval:dry_run.replica', r)}`),
  ];
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(lines.join('\n'), SECTION_MAX) } },
    { type: 'section', fields },
  ];
  if (d.samples.length > 0) {
    // Samples are key names for display (`\xNN` for bytes that aren't text), not escaped for
    // mrkdwn: each is shortened, then escaped; whole lines only are cut.
    const body: string[] = [];
    let size = 0;
    for (const key of d.samples.slice(0, 10)) {
      const line = escapeMrkdwn(truncate(key, 200));
      if (size + line.length + 1 > SECTION_MAX - 100) break;
      body.push(line);
      size += line.length + 1;
    }
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${t('approval:dry_run.samples')}\n\`\`\`${body.join('\n')}\`\`\`` },
    });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: t('approval:dry_run.no_samples') } });
  }
  return blocks;
}

/** The dry-run result, with "Request approval" when there is something to change. */
export function dryRunResultMessage(
  t: Translate,
  lang: Lang,
  d: DryRun,
  /** `timeZone`: the channel's (`channelTimeZone`), default UTC. */
  opts: { user: string; maxAgeMinutes: number; timeZone?: string },
): Message {
  const title = t('approval:dry_run.title', { rule: d.rule.name, cluster: d.cluster, user: who(opts.user) });
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    ...dryRunBody(t, lang, d),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: t('approval:dry_run.footer', {
            id: d.id,
            at: formatDateTime(new Date(d.at), lang, opts.timeZone),
            minutes: opts.maxAgeMinutes,
          }),
        },
      ],
    },
  ];
  if (d.toChange > 0 && d.complete !== false) {
    blocks.push({
      type: 'actions',
      block_id: 'ttl_dry_run',
      elements: [
        {
          type: 'button',
          action_id: ActionId.TtlRequestApproval,
          style: 'primary',
          text: { type: 'plain_text', text: t('approval:button.request') },
          value: JSON.stringify({ dryRun: d.id } satisfies DryRunButtonValue),
        },
      ],
    });
  }
  return {
    text: t('approval:dry_run.notification', { title, toChange: formatInt(d.toChange, lang) }),
    blocks,
  };
}

/** Where a request stands, shown under its figures once it is decided (and while it is open). */
export type RequestStatus =
  | { kind: 'open'; approvers: Approvers | undefined }
  | { kind: 'closed'; line: string };

/** The request in the thread: who asks, the figures, the approvers, Approve / Reject while open. */
export function approvalRequestMessage(
  t: Translate,
  lang: Lang,
  input: { request: ApprovalRequest; dryRun: DryRun | undefined; status: RequestStatus; timeZone?: string },
): Message {
  const { request, dryRun, status } = input;
  const head = t('approval:request.text', {
    requester: who(request.requester),
    rule: request.rule,
    cluster: request.cluster,
    toChange: formatInt(request.toChange, lang),
    matched: formatInt(request.matched, lang),
  });
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...(dryRun ? dryRunBody(t, lang, dryRun) : []),
  ];
  if (status.kind === 'open') {
    const lines = [
      t('approval:request.approvers', { approvers: approverMentions(status.approvers, t) }),
      t('approval:request.expires', {
        at: formatDateTime(new Date(request.expiresAt), lang, input.timeZone),
      }),
    ];
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] });
    blocks.push({
      type: 'actions',
      block_id: 'ttl_approval',
      elements: [
        {
          type: 'button',
          action_id: ActionId.TtlApprove,
          style: 'primary',
          text: { type: 'plain_text', text: t('approval:button.approve') },
          value: JSON.stringify({ request: request.id } satisfies RequestButtonValue),
        },
        {
          type: 'button',
          action_id: ActionId.TtlReject,
          style: 'danger',
          text: { type: 'plain_text', text: t('approval:button.reject') },
          value: JSON.stringify({ request: request.id } satisfies RequestButtonValue),
        },
      ],
    });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status.line } });
  }
  return { text: head, blocks };
}

/** `/redis-ttl` without a rule: the rules configured for the cluster, and how to dry-run one. */
export function ruleListMessage(
  t: Translate,
  input: { cluster: string; rules: TtlRule[]; problem?: string },
): Message {
  const lines = [
    ...(input.problem ? [`:warning: ${input.problem}`] : []),
    t('slack:help.usage.ttl'),
    input.rules.length > 0
      ? t('approval:rules.title', { cluster: input.cluster })
      : t('approval:rules.none', { cluster: input.cluster }),
    ...input.rules.map(
      (r) => `• ${t('common:label_value', { label: `*${escapeMrkdwn(r.name)}*`, value: ruleLine(t, r) })}`,
    ),
  ];
  const text = truncateMrkdwn(lines.join('\n'), SECTION_MAX);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** `/redis-audit`: the most recent entries, one line each, newest first. */
export function auditListMessage(
  t: Translate,
  lang: Lang,
  input: { entries: AuditEntry[]; cluster?: string; timeZone?: string },
): Message {
  const title = input.cluster
    ? t('approval:audit.title_cluster', { cluster: input.cluster, count: input.entries.length })
    : t('approval:audit.title_all', { count: input.entries.length });
  if (input.entries.length === 0) {
    const text = input.cluster
      ? t('approval:audit.empty_cluster', { cluster: input.cluster })
      : t('approval:audit.empty');
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = input.entries.map((e) => auditLine(t, lang, e, input.timeZone));
  // One section per ~2900 characters; at most 45 sections (the 50-block limit, with room).
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } }];
  let chunk: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > SECTION_MAX && chunk.length > 0) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
      chunk = [];
      size = 0;
    }
    chunk.push(truncateMrkdwn(line, SECTION_MAX));
    size += line.length + 1;
  }
  if (chunk.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
  return { text: title, blocks: blocks.slice(0, 46) };
}

export function auditLine(t: Translate, lang: Lang, e: AuditEntry, timeZone?: string): string {
  const counts = e.counts ? countsText(t, lang, e.counts) : '';
  return t('approval:audit.line', {
    at: formatDateTime(new Date(e.at), lang, timeZone),
    actor: who(e.actor),
    action: t(`approval:audit.action.${e.action}`),
    cluster: e.cluster || '—',
    // notify_sent names the channel the message went to (an id the bot checked) where rules name a rule.
    rule: e.rule
      ? ` · ${escapeMrkdwn(e.rule)}`
      : e.channel && isSlackChannelId(e.channel)
        ? ` · ${channelMention(e.channel)}`
        : '',
    counts: counts ? ` · ${counts}` : '',
    reason: e.reason ? ` · ${escapeMrkdwn(reasonText(t, e.reason))}` : '',
  });
}

/** `toChange 1,234, recounted 1,230`: the figures an entry has, labelled (shared with the CLI). */
export const countsText = auditCountsText;

/** A refusal reason in words; anything else (an error code) as it is (shared with the CLI). */
export const reasonText = auditReasonText;

function formatSeconds(sec: number, t: Translate): string {
  return formatDuration(Math.max(sec, 1) / 60, t);
}

function closeTo(expected: number, found: number): boolean {
  return Math.abs(expected - found) <= Math.max(10, expected * 0.2);
}
