/** The burst timeline PNG of a report: memory curve and the top candidates on one minute grid. */
import type { BurstReport } from '../burst/types.js';
import { renderBurstTimelineChart } from '../charts/burst-timeline-chart.js';
import { formatTime } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';

const CHART_CANDIDATES = 4;

/** Undefined when there is nothing to draw (no memory curve and no candidate activity). */
export async function renderBurstChart(
  report: BurstReport,
  t: Translate,
  lang: Lang,
  opts: { timeZone?: string } = {},
): Promise<Buffer | undefined> {
  const top = report.candidates.filter((c) => c.activity.some((a) => a.count > 0)).slice(0, CHART_CANDIDATES);
  const grid =
    report.candidates[0]?.activity.map((a) => a.at) ?? minuteGrid(report.window.from, report.window.to);
  if (grid.length === 0 || (report.memory.length === 0 && top.length === 0)) return undefined;
  // Memory on the grid: the last point at or before each minute (CloudWatch and history are per minute).
  let j = -1;
  const memory = grid.map((at) => {
    while (j + 1 < report.memory.length && (report.memory[j + 1]?.at.getTime() ?? 0) <= at.getTime() + 59_999)
      j++;
    const p = report.memory[j];
    return p && at.getTime() - p.at.getTime() < 5 * 60_000 ? p.value : null;
  });
  return renderBurstTimelineChart({
    times: grid,
    memory,
    candidates: top.map((c) => ({
      label: t('common:paren', {
        value: t(`burst:candidates.kind.${c.kind}`, {}),
        note: c.name.slice(0, 40),
      }),
      values: c.activity.map((a) => a.count),
    })),
    labels: {
      title: t('burst:chart.title', { cluster: report.cluster }),
      memory: t('burst:chart.memory', {}),
      activity: t('burst:chart.activity', {}),
    },
    formatTime: (d) => formatTime(d, lang, opts.timeZone ?? 'UTC'),
  });
}

function minuteGrid(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (
    let t = Math.floor(from.getTime() / 60_000) * 60_000;
    t < to.getTime() && out.length < 1441;
    t += 60_000
  )
    out.push(new Date(t));
  return out;
}
