import type { Translate } from '../../i18n/types.js';
import type { CensusDiffView } from '../../presenters/census-diff-view.js';
import { displayWidth, padEndDisplay } from '../../presenters/text-layout.js';

export function renderCensusDiffTable(view: CensusDiffView, t: Translate): string {
  const header = [
    t('census:col.pattern'),
    t('census:diff.col_keys'),
    t('census:diff.col_without_ttl'),
    t('census:diff.col_bytes'),
  ];
  const rows = view.rows.map((r) => [r.pattern, r.keys, r.keysWithoutTtl, r.bytes]);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0
          ? padEndDisplay(c, widths[i] ?? 0)
          : ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(c))) + c,
      )
      .join('  ')
      .trimEnd();
  return `${[view.title, view.totals, '', line(header), ...rows.map(line)].join('\n')}\n`;
}
