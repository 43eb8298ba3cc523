import type { CensusDiff } from '../census/diff.js';
import { formatBytes, formatDateTime, formatInt } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';

export interface CensusDiffRow {
  pattern: string;
  keys: string;
  keysWithoutTtl: string;
  bytes: string;
}

export interface CensusDiffView {
  title: string;
  totals: string;
  rows: CensusDiffRow[];
}

const signed = (n: number, fmt: (v: number) => string) =>
  `${n > 0 ? '+' : n < 0 ? '−' : '±'}${fmt(Math.abs(n))}`;

/** "What grew": patterns ranked by growth, as after (Δ) for keys, no-TTL keys and memory. */
export function buildCensusDiffView(
  diff: CensusDiff,
  options: { t: Translate; lang: Lang; esc?: (s: string) => string; top?: number },
): CensusDiffView {
  const { t, lang } = options;
  const esc = options.esc ?? ((s: string) => s);
  const int = (n: number) => formatInt(n, lang);
  const bytes = (n: number) => formatBytes(n, lang);
  // `2,326 (+326)` / `2,326（+326）`: the brackets are the language's, from the locale.
  const paren = (value: string, note: string) => t('common:paren', { value, note });
  const d = diff.totals.delta;
  return {
    title: t('census:diff.title', {
      cluster: diff.cluster,
      from: formatDateTime(new Date(diff.before.finishedAt), lang),
      to: formatDateTime(new Date(diff.after.finishedAt), lang),
    }),
    totals: t('census:diff.totals', {
      keys: signed(d.keys, int),
      withoutTtl: signed(d.keysWithoutTtl, int),
      bytes: signed(d.bytes, bytes),
    }),
    rows: diff.patterns.slice(0, options.top ?? 20).map((p) => ({
      pattern:
        p.change === 'new' || p.change === 'gone'
          ? paren(esc(p.pattern), t(`census:diff.${p.change}`))
          : esc(p.pattern),
      keys: paren(int(p.keysAfter), signed(p.keysDelta, int)),
      keysWithoutTtl: paren(int(p.keysWithoutTtlAfter), signed(p.keysWithoutTtlDelta, int)),
      bytes: paren(bytes(p.bytesAfter), signed(p.bytesDelta, bytes)),
    })),
  };
}
