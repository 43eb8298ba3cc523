import type { Translate } from '../../i18n/types.js';
import type { CensusView } from '../../presenters/census-view.js';
import { displayWidth, padEndDisplay } from '../../presenters/text-layout.js';

/** Columns in a terminal: pattern, keys, without TTL, memory, share, TTL spread, types. */
export function renderCensusTable(view: CensusView, t: Translate): string {
  const header = [
    t('census:col.pattern'),
    t('census:col.keys'),
    t('census:col.without_ttl'),
    t('census:col.memory'),
    t('census:col.memory_share'),
    t('census:col.ttl_spread'),
    t('census:col.types'),
  ];
  const rows = view.rows.map((r) => [
    `${r.neverExpires ? '! ' : '  '}${r.pattern}`,
    r.keys,
    r.keysWithoutTtl,
    r.bytes,
    r.memoryShare,
    r.ttlSpread,
    r.types,
  ]);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  // Numbers right-aligned, text left-aligned.
  const numeric = new Set([1, 2, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return numeric.has(i) ? ' '.repeat(Math.max(0, w - displayWidth(c))) + c : padEndDisplay(c, w);
      })
      .join('  ')
      .trimEnd();
  const out = [
    view.title,
    view.summary,
    view.totals,
    view.neverExpiresLine,
    '',
    line(header),
    ...rows.map(line),
  ];
  if (rows.some((r) => r[0]?.startsWith('!'))) out.push('', t('census:legend_never_expires'));
  if (view.notes.length > 0) out.push('', ...view.notes.map((n) => `• ${n}`));
  return `${out.join('\n')}\n`;
}
