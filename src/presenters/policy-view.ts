/**
 * `/redis-policy` and the second half of `advise`: the current eviction policy, what `volatile-*`
 * and `allkeys-*` could each evict, the risk and hotness per pattern, both traps with figures and
 * the runbook §4 recommendation, as a MessageDoc.
 */
import type { PolicyAdvice } from '../capacity/policy-advice.js';
import { formatBytes, formatInt, formatList, formatPct } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { DocBlock, MessageDoc } from './message-doc.js';

export interface PolicyViewOptions {
  t: Translate;
  lang: Lang;
  esc?: (text: string) => string;
}

const share = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : 0);

function recommendationText(a: PolicyAdvice, t: Translate): string {
  const rec = a.recommendation;
  switch (rec.kind) {
    case 'keep_fix_ttls_first':
      return t('capacity:policy.rec.keep_fix_ttls_first', {
        policy: a.policy,
        alternative: rec.alternative,
        date: rec.revisitOn,
      });
    case 'keep_all_have_ttl':
      return t('capacity:policy.rec.keep_all_have_ttl', { policy: a.policy });
    case 'keep_queues_present':
      return t('capacity:policy.rec.keep_queues_present', { policy: a.policy, alternative: rec.alternative });
    case 'switch_to_volatile':
      return t('capacity:policy.rec.switch_to_volatile', { policy: a.policy, to: rec.to });
    case 'noeviction_consider_volatile':
      return t('capacity:policy.rec.noeviction_consider_volatile', { policy: a.policy, to: rec.to });
    case 'keep_noeviction_queues':
      return t('capacity:policy.rec.keep_noeviction_queues', { policy: a.policy });
    case 'keep':
      return t('capacity:policy.rec.keep', { policy: a.policy });
  }
}

export function policyDoc(a: PolicyAdvice, cluster: string, o: PolicyViewOptions): MessageDoc {
  const { t, lang } = o;
  const esc = o.esc ?? ((s: string) => s);
  const blocks: DocBlock[] = [];
  blocks.push({ kind: 'paragraph', text: t('capacity:policy.current', { policy: a.policy }) });
  if (a.scope !== undefined) {
    blocks.push({
      kind: 'paragraph',
      text: t('capacity:policy.scope', {
        count: a.scope.otherKeys,
        db: a.scope.db,
        keys: formatInt(a.scope.otherKeys, lang),
        without: formatInt(a.scope.otherKeysWithoutTtl, lang),
      }),
    });
  }
  blocks.push({
    kind: 'table',
    columns: [
      t('capacity:policy.family'),
      t('capacity:policy.evictable_keys'),
      t('capacity:policy.evictable_bytes'),
    ],
    rows: [
      [
        'volatile-*',
        t('common:paren', {
          value: formatInt(a.volatile.keys, lang),
          note: formatPct(share(a.volatile.keys, a.allkeys.keys), lang),
        }),
        formatBytes(a.volatile.bytes, lang),
      ],
      [
        'allkeys-*',
        t('common:paren', { value: formatInt(a.allkeys.keys, lang), note: formatPct(100, lang) }),
        formatBytes(a.allkeys.bytes, lang),
      ],
    ],
  });
  if (a.patterns.length > 0) {
    blocks.push({ kind: 'heading', text: t('capacity:policy.patterns') });
    blocks.push({
      kind: 'table',
      columns: [
        t('capacity:policy.pattern'),
        t('capacity:policy.keys'),
        t('capacity:policy.without_ttl'),
        t('capacity:policy.bytes'),
        t('capacity:policy.risk'),
        t('capacity:policy.hotness'),
      ],
      rows: a.patterns.map((p) => [
        esc(p.pattern),
        formatInt(p.keys, lang),
        formatInt(p.keysWithoutTtl, lang),
        formatBytes(p.bytes, lang),
        t(`remediation:risk.${p.risk}`),
        p.hotness === undefined
          ? '—'
          : t(`capacity:hot.${p.hotness.level}`, {
              value: p.hotness.median ?? '—',
              measure: t(`capacity:hot.${p.hotness.measure}`),
              sampled: p.hotness.sampled,
            }),
      ]),
    });
    const notes = a.patterns.flatMap((p) =>
      p.note !== undefined
        ? [t('capacity:policy.pattern_note', { pattern: p.pattern, note: esc(p.note) })]
        : p.family !== undefined
          ? [
              t('capacity:policy.pattern_note', {
                pattern: p.pattern,
                note: t(`capacity:family.${p.family}`),
              }),
            ]
          : [],
    );
    if (notes.length > 0) blocks.push({ kind: 'bullets', items: notes });
  }
  blocks.push({ kind: 'heading', text: t('capacity:policy.traps') });
  const traps: string[] = [];
  if (a.volatileTrap !== undefined && a.scope !== undefined) {
    traps.push(
      t('capacity:policy.volatile_trap_scoped', {
        count: a.volatileTrap.keysWithoutTtl,
        keys: formatInt(a.volatileTrap.keysWithoutTtl, lang),
        walked: formatInt(a.volatileTrap.keysWithoutTtl - a.scope.otherKeysWithoutTtl, lang),
        other: formatInt(a.scope.otherKeysWithoutTtl, lang),
        db: a.scope.db,
        bytes: formatBytes(a.volatileTrap.bytesWithoutTtl, lang),
        evictable: formatBytes(a.volatileTrap.evictableBytes, lang),
        maxmemory: formatBytes(a.volatileTrap.maxmemoryBytes, lang),
      }),
    );
  } else if (a.volatileTrap !== undefined) {
    traps.push(
      t('capacity:policy.volatile_trap', {
        count: a.volatileTrap.keysWithoutTtl,
        keys: formatInt(a.volatileTrap.keysWithoutTtl, lang),
        bytes: formatBytes(a.volatileTrap.bytesWithoutTtl, lang),
        evictable: formatBytes(a.volatileTrap.evictableBytes, lang),
        maxmemory: formatBytes(a.volatileTrap.maxmemoryBytes, lang),
      }),
    );
  } else {
    traps.push(t('capacity:policy.volatile_trap_none'));
  }
  if (a.allkeysTrap !== undefined) {
    traps.push(
      t('capacity:policy.allkeys_trap', {
        count: a.allkeysTrap.keys,
        keys: formatInt(a.allkeysTrap.keys, lang),
        bytes: formatBytes(a.allkeysTrap.bytes, lang),
        patterns: formatList(
          // In code spans: a `*` in a pattern would otherwise open bold in Slack.
          a.allkeysTrap.patterns.map((p) => `\`${esc(p.pattern)}\``),
          lang,
        ),
      }),
    );
  } else {
    traps.push(t('capacity:policy.allkeys_trap_none'));
  }
  blocks.push({ kind: 'bullets', items: traps });
  blocks.push({ kind: 'heading', text: t('capacity:section.recommendation') });
  blocks.push({ kind: 'paragraph', text: recommendationText(a, t) });
  if (!a.complete) blocks.push({ kind: 'context', text: t('capacity:policy.incomplete') });
  return { lang, title: t('capacity:policy.title', { cluster }), blocks };
}
