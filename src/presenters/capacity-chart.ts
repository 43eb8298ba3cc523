import type { CapacityReport } from '../capacity/types.js';
import { renderProjectionChart } from '../charts/projection-chart.js';
import type { Translate } from '../i18n/types.js';
import { nodeName } from './capacity-view.js';

/** The 90-day projection as a PNG: each node's peak in percent of its maxmemory. */
export async function renderCapacityChart(r: CapacityReport, t: Translate): Promise<Buffer | undefined> {
  const current = r.sizing.projections[0];
  if (current === undefined || current.maxmemoryBytes <= 0) return undefined;
  const start = Date.parse(r.at);
  const days = current.withRules.map((p) => new Date(start + p.day * 86_400_000).toISOString().slice(5, 10));
  const pct = (bytes: number, max: number) => Math.round((bytes / max) * 1000) / 10;
  const lines = r.sizing.projections.map((p) => ({
    label: p.current ? t('capacity:chart.current', { node: nodeName(r, p.nodeType, t) }) : p.nodeType,
    pct: p.withRules.map((pt) => pct(pt.peakBytes, p.maxmemoryBytes)),
    current: p.current,
  }));
  return renderProjectionChart({
    days,
    lines,
    ...(r.releases.some((rel) => rel.bytes > 0)
      ? {
          withoutFixes: {
            label: t('capacity:chart.without_fixes'),
            pct: current.withoutRules.map((pt) => pct(pt.peakBytes, current.maxmemoryBytes)),
            current: true,
          },
        }
      : {}),
    limits: [{ label: t('capacity:chart.maxmemory'), pct: 100 }],
    labels: {
      title: t('capacity:chart.title', { cluster: r.cluster, days: r.horizonDays }),
      yAxis: t('capacity:chart.y_axis'),
    },
  });
}
