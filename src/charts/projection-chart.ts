import type { ChartConfiguration, ChartItem } from 'chart.js';
import { loadRenderer } from './renderer.js';

/** One node type's projected memory peak, as a percent of its maxmemory, per day. */
export interface ProjectionLine {
  label: string;
  pct: number[];
  current: boolean;
}

export interface ProjectionChartInput {
  /** Day labels (dates), one per point. */
  days: string[];
  lines: ProjectionLine[];
  /** The current node without the TTL fixes, dashed: what the fixes change. */
  withoutFixes?: ProjectionLine;
  /** Horizontal lines (critical, maxmemory) at these percents. */
  limits: { label: string; pct: number }[];
  labels: { title: string; yAxis: string };
}

const COLORS = ['#dc2626', '#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
const TEXT = '#1f2937';
const GRID = '#e5e7eb';

/**
 * The projected memory peak for the next days on the current node (red, solid; dashed without
 * the TTL fixes) and on each larger node, with the critical line and maxmemory (100 %). PNG.
 */
export async function renderProjectionChart(input: ProjectionChartInput): Promise<Buffer> {
  const { Chart, createCanvas, fontFamily } = await loadRenderer();
  const canvas = createCanvas(900, 480);
  const font = { family: fontFamily };
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = input.lines.map((line, i) => ({
    label: line.label,
    data: line.pct,
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: COLORS[i % COLORS.length],
    borderWidth: line.current ? 3 : 2,
    pointRadius: 0,
  }));
  if (input.withoutFixes) {
    datasets.push({
      label: input.withoutFixes.label,
      data: input.withoutFixes.pct,
      borderColor: COLORS[0],
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
    });
  }
  for (const limit of input.limits) {
    datasets.push({
      label: limit.label,
      data: input.days.map(() => limit.pct),
      borderColor: '#6b7280',
      borderDash: [2, 3],
      borderWidth: 1,
      pointRadius: 0,
    });
  }
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { labels: input.days, datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: {
          display: true,
          text: input.labels.title,
          color: TEXT,
          font: { ...font, size: 16, weight: 'bold' },
        },
        legend: { position: 'bottom', labels: { color: TEXT, font } },
      },
      scales: {
        x: { ticks: { color: TEXT, font, maxTicksLimit: 10 }, grid: { color: GRID } },
        y: {
          min: 0,
          title: { display: true, text: input.labels.yAxis, color: TEXT, font },
          ticks: { color: TEXT, font, callback: (v) => `${v}%` },
          grid: { color: GRID },
        },
      },
    },
    plugins: [
      {
        // PNGs are transparent by default; Slack's dark mode would swallow the axis text.
        id: 'white-background',
        beforeDraw: (chart) => {
          const ctx = chart.ctx;
          ctx.save();
          ctx.fillStyle = '#ffffff';
          ctx.fillRect(0, 0, chart.width, chart.height);
          ctx.restore();
        },
      },
    ],
  };
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, config);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
