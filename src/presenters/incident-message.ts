import {
  formatBytes,
  formatClock,
  formatDate,
  formatDateTime,
  formatInt,
  formatList,
  formatPct,
  formatTtlWords,
} from '../i18n/format.js';
import type { I18n } from '../i18n/index.js';
import { escapeMrkdwn, isSlackChannelId, isSlackUserId } from '../i18n/mrkdwn.js';
import type { Lang } from '../i18n/types.js';
import type { IncidentFacts, MemoryReading, RuleOutcome, TimelineFact } from '../notify/incident-facts.js';
import { auditReasonText } from './audit-text.js';
import { type Ctx, codeSafe, keyCount, rootCause, smallNote } from './incident-root-cause.js';
import type { DocBlock, DocFlavor, MessageDoc } from './message-doc.js';

/** Languages of one message: `both` is English, then Chinese. */
export type MessageLangMode = Lang | 'both';

export function langsOf(mode: MessageLangMode): Lang[] {
  return mode === 'both' ? ['en', 'zh'] : [mode];
}

/** What a person adds or changes before sending. Free text is escaped; ids become mentions. */
export interface MessageEdits {
  /** Replaces the drafted summary for this language (user text: shown literally). */
  summary?: Partial<Record<Lang, string>>;
  /** The owner as a Slack user id (`U…`, from the form's user picker): shown as a mention. */
  owner?: string;
  /** The owner as typed (CLI `--owner`): shown as text, never as a mention. */
  ownerText?: string;
  /** YYYY-MM-DD. */
  deadline?: string;
  /** Who prepares the message: Slack user id or `cli:<user>`. */
  author: string;
  /** Memory % to stay below (the watch target). */
  targetPct: number;
}

export interface MessageOptions {
  flavor: DocFlavor;
  timeZone?: string;
  now?: Date;
}

/**
 * The runbook's message to the application team, from the incident's own facts: summary, root
 * cause, code changes per pattern, the TTL policy table, the timeline, next steps and owners.
 */
export function incidentMessage(
  facts: IncidentFacts,
  lang: Lang,
  i18n: I18n,
  edits: MessageEdits,
  options: MessageOptions,
): MessageDoc {
  // Interpolated values are escaped for Slack (& < >); Markdown reads those entities the same way.
  const t = i18n.slack(lang);
  const zone = options.timeZone ?? 'UTC';
  const ctx: Ctx = { t, lang, zone, flavor: options.flavor };
  const when = (d: Date) => formatDateTime(d, lang, zone);
  const blocks: DocBlock[] = [];

  blocks.push({
    kind: 'context',
    text:
      facts.incidentId && facts.openedAt
        ? t('notify:meta', {
            id: facts.incidentId,
            openedAt: when(facts.openedAt),
            author: who(ctx, edits.author),
          })
        : t('notify:meta_no_incident', {
            at: when(options.now ?? new Date()),
            author: who(ctx, edits.author),
          }),
  });

  blocks.push({ kind: 'heading', text: t('notify:section.summary') });
  const userSummary = edits.summary?.[lang]?.trim();
  blocks.push({
    kind: 'paragraph',
    text: userSummary ? userText(userSummary) : draftSummary(facts, ctx),
  });

  blocks.push({ kind: 'heading', text: t('notify:section.root_cause') }, ...rootCause(facts, ctx));
  blocks.push({ kind: 'heading', text: t('notify:section.code_changes') }, ...codeChanges(facts, ctx));
  blocks.push({ kind: 'heading', text: t('notify:section.policy') }, ...policy(facts, ctx));
  blocks.push({ kind: 'heading', text: t('notify:section.timeline') }, timeline(facts, ctx, when));
  blocks.push({ kind: 'heading', text: t('notify:section.next_steps') }, nextSteps(facts, ctx, edits));

  return { lang, title: i18n.plain(lang)('notify:title', { cluster: facts.cluster }), blocks };
}

/** The drafted summary alone: what the Slack modal pre-fills for a person to edit. */
export function draftSummaryText(facts: IncidentFacts, lang: Lang, i18n: I18n, timeZone = 'UTC'): string {
  // Plain: the modal shows it in an input, and whatever comes back is escaped as user text.
  return draftSummary(facts, { t: i18n.plain(lang), lang, zone: timeZone, flavor: 'markdown' });
}

function draftSummary(facts: IncidentFacts, ctx: Ctx): string {
  const { t, lang, zone } = ctx;
  const parts: string[] = [];
  // The opening follows what was measured: the incident's peak, else a reading taken now.
  parts.push(
    facts.peak
      ? t('notify:summary.peak', {
          date: formatDateTime(facts.peak.at, lang, zone).slice(0, 10),
          cluster: facts.cluster,
          peak: formatPct(facts.peak.pct, lang),
          time: formatClock(facts.peak.at, lang, zone),
        })
      : facts.reading
        ? readingSentence(facts.cluster, facts.reading, ctx)
        : t('notify:summary.no_reading', { cluster: facts.cluster }),
  );
  if (facts.keysWithoutTtl !== undefined && facts.keysWithoutTtl > 0)
    parts.push(
      t('notify:summary.no_ttl', {
        count: facts.keysWithoutTtl,
        keys: formatInt(facts.keysWithoutTtl, lang),
      }),
    );
  // A cap rule lowers TTLs that were too long: its keys had a TTL already, so it is told apart.
  const ran = facts.rules.filter((r) => r.changed !== undefined && r.changed > 0);
  for (const [kind, rules] of [
    ['fixed', ran.filter((r) => r.action !== 'cap')],
    ['capped', ran.filter((r) => r.action === 'cap')],
  ] as const) {
    if (rules.length === 0) continue;
    const changed = rules.reduce((s, r) => s + (r.changed ?? 0), 0);
    parts.push(t(`notify:summary.${kind}`, { count: rules.length, changed: keyCount(changed, ctx) }));
  }
  if (facts.latest && facts.peak && facts.latest.at > facts.peak.at)
    parts.push(
      t('notify:summary.latest', {
        pct: formatPct(facts.latest.pct, lang),
        time: formatDateTime(facts.latest.at, lang, zone),
      }),
    );
  return parts.join(lang === 'zh' ? '' : ' ');
}

/** "uses 16.2% … below the 70% warning line", or the level it is at, or no limit at all. */
function readingSentence(cluster: string, r: MemoryReading, { t, lang, zone }: Ctx): string {
  const time = formatDateTime(r.at, lang, zone);
  if (r.pct === null) return t('notify:summary.reading_no_limit', { cluster, time });
  const pct = formatPct(r.pct, lang);
  if (r.level === 'ok')
    return t('notify:summary.reading_ok', { cluster, pct, time, warning: formatPct(r.warningPct, lang, 0) });
  return t('notify:summary.reading_high', { cluster, pct, time, level: t(`status:level.${r.level}`) });
}

function codeChanges(facts: IncidentFacts, ctx: Ctx): DocBlock[] {
  const { t, lang } = ctx;
  // Rules whose keys all expire already (a cap such as 364 d → 90 d) still need the code to agree.
  const covered = new Set(facts.patternsAtFault.map((p) => p.rule));
  const otherRules = facts.rules.filter((r) => !covered.has(r.name));
  if (facts.patternsAtFault.length === 0 && otherRules.length === 0)
    return [{ kind: 'paragraph', text: t('notify:changes.none') }];
  const ruleItems = otherRules.map((rule) =>
    t(rule.action === 'cap' ? 'notify:changes.cap' : 'notify:changes.set', {
      pattern: codeSafe(rule.match),
      ttl: formatTtlWords(rule.ttlSec, t),
      seconds: String(rule.ttlSec),
      why: rule.note
        ? userText(rule.note)
        : t(rule.status === 'done' ? 'notify:changes.why_rule_done' : 'notify:changes.why_rule_planned', {
            rule: rule.name,
          }),
    }),
  );
  const censusAt = facts.census ? formatDateTime(facts.census.at, lang, ctx.zone) : '—';
  const items = facts.patternsAtFault.map((p) => {
    const rule = facts.rules.find((r) => r.name === p.rule);
    const pattern = codeSafe(p.pattern);
    const bytes = formatBytes(p.bytes, lang);
    const keysWithoutTtl = formatInt(p.keysWithoutTtl, lang);
    const count = p.keysWithoutTtl;
    if (!rule) return t('notify:changes.no_rule', { pattern, keysWithoutTtl, bytes, count, at: censusAt });
    // A rule that ran says what it did; the census's count would be from before it.
    const why = rule.note
      ? userText(rule.note)
      : rule.status === 'done' || p.fixedAfterCensus
        ? t('notify:changes.why_rule_done', { rule: rule.name })
        : t('notify:changes.why_default', { keysWithoutTtl, bytes, count, at: censusAt });
    // Keys at fault have no TTL at all: the code must set one, whatever the rule does to old keys.
    return t('notify:changes.set', {
      pattern,
      ttl: formatTtlWords(rule.ttlSec, t),
      seconds: String(rule.ttlSec),
      why,
    });
  });
  return [
    { kind: 'paragraph', text: t('notify:changes.intro') },
    { kind: 'bullets', items: [...items, ...ruleItems] },
    ...smallNote(facts, ctx, 'changes'),
  ];
}

function policy(facts: IncidentFacts, { t, lang, flavor }: Ctx): DocBlock[] {
  if (facts.rules.length === 0) {
    // Rules ran (the timeline says so) but none is configured here: "none configured" would be false.
    const ran = [...new Set(facts.timeline.flatMap((f) => (f.rule ? [f.rule] : [])))];
    if (ran.length > 0)
      return [
        {
          kind: 'paragraph',
          text: t('notify:policy.unknown_rules', {
            rules: ran.map((r) => `\`${escapeMrkdwn(codeSafe(r))}\``).join(t('notify:list_separator')),
          }),
        },
      ];
    return [{ kind: 'paragraph', text: t('notify:policy.empty') }];
  }
  const cols = ['pattern', 'ttl', 'action', 'risk', 'changed', 'status'] as const;
  const esc = escapeMrkdwn;
  const rows = facts.rules.map((r) => [
    flavor === 'markdown' ? `\`${esc(r.match)}\`` : esc(r.match),
    formatTtlWords(r.ttlSec, t),
    t(`notify:policy.action.${actionKey(r)}`),
    t(`approval:risk.${r.risk}`),
    r.changed !== undefined ? formatInt(r.changed, lang) : '—',
    t(`notify:policy.status.${r.status}`),
  ]);
  const out: DocBlock[] = [{ kind: 'table', columns: cols.map((c) => t(`notify:policy.col.${c}`)), rows }];
  const jitter = Math.max(...facts.rules.map((r) => r.jitter));
  if (jitter > 0)
    out.push({
      kind: 'context',
      text: t('notify:policy.jitter', { jitter: formatPct(jitter * 100, lang, 0) }),
    });
  return out;
}

function actionKey(r: RuleOutcome): string {
  return r.action === 'cap' ? (r.includeMissing ? 'cap_missing' : 'cap') : 'set-missing';
}

function timeline(facts: IncidentFacts, ctx: Ctx, when: (d: Date) => string): DocBlock {
  const { t } = ctx;
  if (facts.timeline.length === 0) return { kind: 'paragraph', text: t('notify:timeline.empty') };
  const items = facts.timeline.map((f) => `${when(f.at)} · ${timelineLine(f, ctx)}`);
  if (facts.timelineFolded > 0) items.push(t('notify:timeline.folded', { count: facts.timelineFolded }));
  return { kind: 'bullets', items };
}

function timelineLine(f: TimelineFact, ctx: Ctx): string {
  const { t, lang } = ctx;
  const pct = f.memoryPct !== undefined ? formatPct(f.memoryPct, lang) : '—';
  const keys = f.keys !== undefined ? formatInt(f.keys, lang) : '—';
  const values: Record<string, string | number> = {
    // Plural form of the sentences with a key count (no count: the plural reads right with "—").
    count: f.keys ?? 0,
    who: who(ctx, f.actor),
    pct,
    keys,
    rule: codeSafe(f.rule ?? '—'),
    channel: channelRef(ctx, f.channel),
  };
  if (f.kind === 'watch_ended') values.end = t(`notify:timeline.end.${endKey(f.reason)}`);
  if (f.kind === 'ttl_refused') values.reason = f.reason ? auditReasonText(t, f.reason) : '—';
  if (f.kind.endsWith('_failed')) values.reason = codeSafe(f.reason ?? '—');
  if (f.kind === 'ttl_run_finished' && f.remaining !== undefined)
    return t('notify:timeline.ttl_run_finished_verified', {
      ...values,
      remaining: formatInt(f.remaining, lang),
    });
  return t(`notify:timeline.${f.kind}`, values);
}

function endKey(reason: string | undefined): string {
  return reason && ['reached', 'timeout', 'failing', 'no_limit', 'cancelled'].includes(reason)
    ? reason
    : 'cancelled';
}

function nextSteps(facts: IncidentFacts, ctx: Ctx, edits: MessageEdits): DocBlock {
  const { t, lang } = ctx;
  const owner = edits.owner
    ? who(ctx, edits.owner)
    : edits.ownerText
      ? userText(edits.ownerText)
      : t('notify:next.app_team');
  const items = [
    edits.deadline
      ? t('notify:next.app', { owner, deadline: formatDeadline(edits.deadline, lang) })
      : t('notify:next.app_no_deadline', { owner }),
  ];
  const open = facts.rules.filter((r) =>
    ['proposed', 'dry_run', 'approved', 'failed', 'cancelled'].includes(r.status),
  );
  if (open.length > 0)
    items.push(
      t('notify:next.sre_rules', {
        rules: formatList(
          open.map((r) => r.name),
          lang,
        ),
      }),
    );
  const target = formatPct(edits.targetPct, lang, 0);
  items.push(t('notify:next.sre_watch', { target }), t('notify:next.sre_review', { target }));
  return { kind: 'bullets', items };
}

/** 2026-12-03 → "Dec 3, 2026" / "2026年12月3日"; anything else is shown as typed (escaped). */
export function formatDeadline(date: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return escapeMrkdwn(date);
  return formatDate(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))), lang);
}

/**
 * A person: Slack ids become mentions in Slack (`@U…` in Markdown), the bot's jobs a word, and
 * anything else (`cli:alice`, an owner typed on the command line) escaped text.
 */
function who(ctx: Ctx, actor: string | undefined): string {
  if (!actor) return ctx.t('notify:timeline.someone');
  if (actor === 'job' || actor === 'worker') return ctx.t('notify:timeline.job');
  if (isSlackUserId(actor)) return ctx.flavor === 'slack' ? `<@${actor}>` : `@${actor}`;
  return escapeMrkdwn(actor.replace(/^cli:/, ''));
}

function channelRef(ctx: Ctx, channel: string | undefined): string {
  if (!channel || !isSlackChannelId(channel)) return '—';
  return ctx.flavor === 'slack' ? `<#${channel}>` : `#${channel}`;
}

/**
 * Text a person wrote (summary, owner, rule note): escaped, which also neutralises its backticks,
 * so in Markdown too it can't open a code span (whose contents are shown unescaped).
 */
function userText(text: string): string {
  return escapeMrkdwn(text);
}
