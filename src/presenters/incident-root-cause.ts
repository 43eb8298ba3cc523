/**
 * The root-cause section of the incident message (keys without TTL, the census and how it stands
 * against the TTL runs after it, the patterns at fault, the ones too small to list) and the small
 * wording helpers the other sections share.
 */

import { formatBytes, formatDateTime, formatDuration, formatInt, formatPct } from '../i18n/format.js';
import { BACKTICK_LOOKALIKE } from '../i18n/mrkdwn.js';
import type { Lang, Translate } from '../i18n/types.js';
import { AT_FAULT_MIN_SHARE, type IncidentFacts } from '../notify/incident-facts.js';
import type { DocBlock, DocFlavor } from './message-doc.js';

export interface Ctx {
  t: Translate;
  lang: Lang;
  zone: string;
  flavor: DocFlavor;
}

export /** "1 key" / "24,000 keys" / "24,000 个 Key", for sentences that hold another count too. */
function keyCount(n: number, { t, lang }: Ctx): string {
  return t('notify:keys', { count: n, n: formatInt(n, lang) });
}

export function rootCause(facts: IncidentFacts, ctx: Ctx): DocBlock[] {
  const { t, lang, zone } = ctx;
  const out: DocBlock[] = [];
  if (facts.keysWithoutTtl !== undefined) {
    out.push({
      kind: 'paragraph',
      text:
        facts.totalKeys !== undefined && facts.totalKeys > 0
          ? t('notify:root.no_ttl', {
              count: facts.totalKeys,
              keysWithoutTtl: formatInt(facts.keysWithoutTtl, lang),
              totalKeys: formatInt(facts.totalKeys, lang),
              pct: formatPct((facts.keysWithoutTtl / facts.totalKeys) * 100, lang),
            })
          : t('notify:root.no_ttl_count', {
              count: facts.keysWithoutTtl,
              keysWithoutTtl: formatInt(facts.keysWithoutTtl, lang),
            }),
    });
  }
  if (facts.census && facts.fixedAfterCensus.length > 0) out.push(...predates(facts, ctx));
  if (!facts.census || facts.patternsAtFault.length === 0) {
    if (!facts.census) out.push({ kind: 'paragraph', text: t('notify:root.no_census') });
    if (facts.census) out.push(...smallNote(facts, ctx, 'root'));
    return out;
  }
  out.push({
    kind: 'paragraph',
    text: t('notify:root.patterns', {
      at: formatDateTime(facts.census.at, lang, zone),
      sampled: facts.census.sampled ? t('notify:root.sampled') : '',
    }),
  });
  out.push({
    kind: 'bullets',
    items: facts.patternsAtFault.map((p) => {
      const line = t('notify:root.pattern', {
        count: p.keys,
        pattern: codeSafe(p.pattern),
        keysWithoutTtl: formatInt(p.keysWithoutTtl, lang),
        keys: formatInt(p.keys, lang),
        bytes: formatBytes(p.bytes, lang),
      });
      const fix = p.fixedAfterCensus;
      if (!fix) return line;
      return fix.remaining !== undefined
        ? t('notify:root.pattern_fixed', { line, rule: fix.rule, remaining: keyCount(fix.remaining, ctx) })
        : t('notify:root.pattern_rerun', { line, rule: fix.rule });
    }),
  });
  const more = facts.patternsAtFaultTotal - facts.patternsAtFault.length;
  if (more > 0) out.push({ kind: 'context', text: t('notify:root.more', { count: more }) });
  out.push(...smallNote(facts, ctx, 'root'));
  return out;
}

/** The census is older than TTL runs: say so, with each run's own re-count, so it is not read as today. */
function predates(facts: IncidentFacts, ctx: Ctx): DocBlock[] {
  const { t, lang, zone } = ctx;
  const census = facts.census;
  if (!census) return [];
  const items = facts.fixedAfterCensus.map((fix) => {
    const gap = formatDuration((fix.at.getTime() - census.at.getTime()) / 60_000, t);
    return fix.remaining !== undefined
      ? t('notify:root.predates_rule', { rule: fix.rule, gap, remaining: keyCount(fix.remaining, ctx) })
      : t('notify:root.predates_rule_unknown', { rule: fix.rule, gap });
  });
  const out: DocBlock[] = [
    { kind: 'paragraph', text: t('notify:root.predates', { at: formatDateTime(census.at, lang, zone) }) },
    { kind: 'bullets', items },
  ];
  if (facts.keysWithoutTtlNow !== undefined && facts.keysWithoutTtl !== undefined)
    out.push({
      kind: 'paragraph',
      text: t('notify:root.predates_now', {
        now: formatInt(facts.keysWithoutTtlNow, lang),
        before: formatInt(facts.keysWithoutTtl, lang),
      }),
    });
  return out;
}

/** The patterns below the size threshold, counted with the threshold named. */
export function smallNote(facts: IncidentFacts, ctx: Ctx, where: 'root' | 'changes'): DocBlock[] {
  const { t, lang } = ctx;
  const small = facts.smallPatterns;
  if (small.count === 0) return [];
  return [
    {
      kind: 'context',
      text: t(`notify:${where}.small`, {
        count: small.count,
        share: formatPct(AT_FAULT_MIN_SHARE * 100, lang),
        keys: keyCount(small.keysWithoutTtl, ctx),
        bytes: formatBytes(Math.round(small.bytes), lang),
      }),
    },
  ];
}

export /**
 * A backtick would end the code span a pattern is shown in. The Slack `t` escapes values (backticks
 * included); the plain `t` of the drafted summary does not, so patterns go through this first.
 */
function codeSafe(text: string): string {
  return text.replace(/`/g, BACKTICK_LOOKALIKE);
}
