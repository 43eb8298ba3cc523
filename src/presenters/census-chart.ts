import type { CensusResult } from '../census/types.js';
import { renderPatternBarChart } from '../charts/pattern-bar-chart.js';
import { formatBytes } from '../i18n/format.js';
import { truncate } from '../i18n/mrkdwn.js';
import type { Lang, Translate } from '../i18n/types.js';

/** The top patterns by memory as a PNG, memory split by with/without TTL (proportional to key counts). */
export async function renderCensusChart(
  result: CensusResult,
  t: Translate,
  lang: Lang,
  top = 12,
): Promise<Buffer | undefined> {
  const patterns = result.patterns.slice(0, top);
  if (patterns.length === 0) return undefined;
  return renderPatternBarChart({
    bars: patterns.map((p) => {
      const noTtlShare = p.keys > 0 ? p.keysWithoutTtl / p.keys : 0;
      return {
        label: truncate(p.pattern, 48),
        bytesWithoutTtl: Math.round(p.bytes * noTtlShare),
        bytesWithTtl: Math.round(p.bytes * (1 - noTtlShare)),
      };
    }),
    labels: {
      title: t('census:slack.chart_title', { cluster: result.cluster }),
      withTtl: t('census:slack.chart_with_ttl'),
      withoutTtl: t('census:slack.chart_without_ttl'),
    },
    formatBytes: (n) => formatBytes(n, lang),
  });
}
