import { renderMemoryTrendChart } from '../charts/memory-trend-chart.js';
import { formatTime } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { StatusReport } from '../status/types.js';

/** The trend PNG for a report, or undefined when there is no series to draw. */
export async function renderStatusChart(
  report: StatusReport,
  t: Translate,
  lang: Lang,
  options: { timeZone?: string; targetPct?: number } = {},
): Promise<Buffer | undefined> {
  const trend = report.trend;
  if (!trend || trend.series.memoryPct.length === 0) return undefined;
  const th = report.thresholds;
  const a = trend.analysis;
  return renderMemoryTrendChart({
    points: trend.series.memoryPct,
    thresholds: th,
    labels: {
      title: t('status:chart.title', { cluster: report.cluster, node: trend.node }),
      yAxis: t('status:chart.y_axis'),
      // The chart appends each line's value to its legend label ("Warning (60%)", "告警（60%）").
      warning: t('status:chart.warning'),
      critical: t('status:chart.critical'),
      emergency: t('status:chart.emergency'),
      ...(options.targetPct !== undefined ? { target: t('status:chart.target') } : {}),
    },
    legendWithValue: (label, value) => t('common:paren', { value: label, note: value }),
    formatTime: (d) => formatTime(d, lang, options.timeZone ?? 'UTC'),
    ...(a ? { markers: { peak: a.peak, ...(a.burstStart ? { burstStart: a.burstStart } : {}) } } : {}),
    ...(options.targetPct !== undefined ? { targetPct: options.targetPct } : {}),
  });
}
