import type { ChartConfiguration, ChartItem } from 'chart.js';
import { loadRenderer } from './renderer.js';

export interface PatternBar {
  /** Pattern as shown (already shortened by the caller if needed). */
  label: string;
  bytesWithTtl: number;
  bytesWithoutTtl: number;
}

export interface PatternBarChartInput {
  bars: PatternBar[];
  /** Already translated. */
  labels: { title: string; withTtl: string; withoutTtl: string };
  /** Formats an axis tick (bytes) for the reader's locale. */
  formatBytes: (bytes: number) => string;
}

const COLORS = {
  background: '#ffffff',
  withTtl: '#2563eb',
  withoutTtl: '#dc2626',
  text: '#1f2937',
  grid: '#e5e7eb',
};
const WIDTH = 900;

/** Horizontal stacked bars, one per pattern: memory with TTL (blue) and without (red). PNG. */
export async function renderPatternBarChart(input: PatternBarChartInput): Promise<Buffer> {
  if (input.bars.length === 0) throw new Error('renderPatternBarChart: no bars to draw');
  const { Chart, createCanvas, fontFamily } = await loadRenderer();
  const height = 120 + input.bars.length * 34;
  const canvas = createCanvas(WIDTH, height);
  const font = { family: fontFamily };
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: input.bars.map((b) => b.label),
      datasets: [
        {
          label: input.labels.withoutTtl,
          data: input.bars.map((b) => b.bytesWithoutTtl),
          backgroundColor: COLORS.withoutTtl,
        },
        {
          label: input.labels.withTtl,
          data: input.bars.map((b) => b.bytesWithTtl),
          backgroundColor: COLORS.withTtl,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: {
          display: true,
          text: input.labels.title,
          color: COLORS.text,
          font: { ...font, size: 16, weight: 'bold' },
        },
        legend: { position: 'bottom', labels: { color: COLORS.text, font } },
      },
      scales: {
        x: {
          stacked: true,
          ticks: { color: COLORS.text, font, callback: (v) => input.formatBytes(Number(v)) },
          grid: { color: COLORS.grid },
        },
        y: { stacked: true, ticks: { color: COLORS.text, font }, grid: { display: false } },
      },
    },
    plugins: [
      {
        // PNGs are transparent by default; Slack's dark mode would swallow the axis text.
        id: 'white-background',
        beforeDraw: (chart) => {
          const ctx = chart.ctx;
          ctx.save();
          ctx.fillStyle = COLORS.background;
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
