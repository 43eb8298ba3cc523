/**
 * The daily memory summary's text in one language: the heading and one line per cluster (memory
 * now and its 24-hour peak, keys, keys without TTL). Pure: `t` (a Slack translator) and lines in.
 */
import { formatInt, formatPct } from '../../i18n/format.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { SummaryLine } from '../../jobs/monitor-job.js';

export function summaryText(t: Translate, lang: Lang, lines: readonly SummaryLine[]): string {
  const rows = lines.map((l) =>
    l.latest
      ? t('slack:summary.line', {
          cluster: l.cluster,
          pct: l.latest.memoryPct === null ? '–' : formatPct(l.latest.memoryPct, lang),
          peak: l.peakPct === null ? '–' : formatPct(l.peakPct, lang),
          keys: formatInt(l.latest.keys, lang),
          noTtl: formatInt(l.latest.keys - l.latest.keysWithTtl, lang),
        })
      : t('slack:summary.no_data', { cluster: l.cluster }),
  );
  return [t('slack:summary.heading'), ...rows].join('\n');
}
