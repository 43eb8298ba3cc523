import { HEADLINE_MIN_SHARE, MIN_RELIABLE_SEEN } from '../census/sampling.js';
import type { CensusResult, PatternStats, TtlBucket } from '../census/types.js';
import { TTL_BUCKETS } from '../census/types.js';
import { formatBytes, formatDateTime, formatInt, formatList, formatPct } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';

export interface CensusRowView {
  pattern: string;
  keys: string;
  keysWithoutTtl: string;
  /** Every key of the pattern lacks a TTL: the runbook's "never expires" list. */
  neverExpires: boolean;
  bytes: string;
  memoryShare: string;
  noTtlShare: string;
  ttlSpread: string;
  types: string;
}

export interface CensusView {
  title: string;
  summary: string;
  totals: string;
  neverExpiresLine: string;
  rows: CensusRowView[];
  notes: string[];
}

export interface CensusViewOptions {
  t: Translate;
  lang: Lang;
  /** Escapes raw key patterns for Slack mrkdwn; identity in a terminal. */
  esc?: (text: string) => string;
  top?: number;
  timeZone?: string;
}

/** Rare patterns named one by one in the "estimate unreliable" note; the rest are counted. */
const RARE_LISTED = 5;

/** A census worded for people; the Slack blocks and the terminal table both render this. */
export function buildCensusView(result: CensusResult, options: CensusViewOptions): CensusView {
  const { t, lang } = options;
  const esc = options.esc ?? ((s: string) => s);
  const top = options.top ?? 20;
  const approx = result.sampled ? '≈' : '';
  const share = (n: number, of: number) => formatPct(of > 0 ? (n / of) * 100 : 0, lang);
  const rows = result.patterns.slice(0, top).map((p) => ({
    pattern: esc(p.pattern),
    keys: approx + formatInt(p.keys, lang),
    keysWithoutTtl: approx + formatInt(p.keysWithoutTtl, lang),
    neverExpires: p.keys > 0 && p.keysWithoutTtl === p.keys,
    bytes: (result.bytesEstimated ? '≈' : '') + formatBytes(p.bytes, lang),
    memoryShare: share(p.bytes, result.totalBytes),
    noTtlShare: share(p.keysWithoutTtl, result.totalKeysWithoutTtl),
    // Bucket labels say "<1 h": a raw < in mrkdwn could start a control sequence.
    ttlSpread: esc(ttlSpread(p, t, lang)),
    types: typeList(p, lang),
  }));
  const never = result.patterns.filter((p) => p.keys > 0 && p.keysWithoutTtl === p.keys);
  const neverBytes = never.reduce((sum, p) => sum + p.bytes, 0);
  const notes: string[] = [];
  if (result.sampled) {
    notes.push(
      t('census:note.sampled', {
        scanned: formatInt(result.scannedKeys, lang),
        pct: formatPct(result.fraction * 100, lang),
        bound: formatPct((result.errorBound ?? 0) * 100, lang),
        share: formatPct(HEADLINE_MIN_SHARE * 100, lang, 0),
      }),
    );
    const rare = result.patterns.slice(0, top).filter((p) => p.errorBound?.reliable === false);
    if (rare.length > 0) {
      const listed = rare
        .slice(0, RARE_LISTED)
        .map((p) => t('census:note.seen', { pattern: esc(p.pattern), count: p.errorBound?.seen ?? 0 }));
      if (rare.length > RARE_LISTED)
        listed.push(t('census:note.seen_more', { count: rare.length - RARE_LISTED }));
      notes.push(
        t('census:note.unreliable', {
          min: MIN_RELIABLE_SEEN,
          patterns: listed.join(t('census:note.separator')),
        }),
      );
    }
  }
  if (result.overflowFolded > 0) {
    notes.push(t('census:note.overflow', { count: formatInt(result.overflowFolded, lang) }));
  }
  if (result.vanished > 0) notes.push(t('census:note.vanished', { count: formatInt(result.vanished, lang) }));
  if (result.match) notes.push(t('census:note.match', { match: result.match }));
  if (result.dbs) notes.push(t('census:note.dbs', { dbs: formatList(result.dbs.map(String), lang) }));
  if (result.patterns.length > top) {
    notes.push(
      t('census:note.more_patterns', { shown: top, total: formatInt(result.patterns.length, lang) }),
    );
  }
  return {
    title: t('census:title', {
      cluster: result.cluster,
      at: formatDateTime(new Date(result.finishedAt), lang, options.timeZone),
    }),
    summary: t('census:summary', {
      scanned: formatInt(result.scannedKeys, lang),
      seconds: (result.durationMs / 1000).toFixed(1),
      rate: formatInt(result.keysPerSec, lang),
      patterns: formatInt(result.patterns.length, lang),
    }),
    totals: t('census:totals', {
      keys: approx + formatInt(result.totalKeys, lang),
      withoutTtl: approx + formatInt(result.totalKeysWithoutTtl, lang),
      pct: share(result.totalKeysWithoutTtl, result.totalKeys),
      bytes: formatBytes(result.totalBytes, lang),
    }),
    neverExpiresLine: t('census:never_expires', {
      count: never.length,
      bytes: formatBytes(neverBytes, lang),
      pct: share(neverBytes, result.totalBytes),
    }),
    rows,
    notes,
  };
}

const BUCKET_ORDER: readonly TtlBucket[] = TTL_BUCKETS;

/** The two biggest TTL buckets of a pattern, e.g. "none 100%" or "<1 d 61% · <90 d 39%". */
function ttlSpread(p: PatternStats, t: Translate, lang: Lang): string {
  const parts = BUCKET_ORDER.map((b) => ({ b, n: p.ttlBuckets[b] ?? 0 }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)
    .slice(0, 2)
    .map((x) => `${t(`census:bucket.${x.b}`)} ${formatPct((x.n / Math.max(1, p.keys)) * 100, lang, 0)}`);
  return parts.join(' · ');
}

function typeList(p: PatternStats, lang: Lang): string {
  const types = Object.entries(p.types)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([type]) => type);
  return formatList(types, lang);
}
