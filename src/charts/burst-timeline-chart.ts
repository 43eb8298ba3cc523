/**
 * The burst timeline: the memory % curve (left axis) and the top candidates' activity per minute,
 * each as a share of its own peak (right axis), on one minute grid, so what started with the rise
 * is seen at a glance. PNG, 900×420, white background, like the status chart.
 */
import type { ChartConfiguration, ChartItem, Plugin } from 'chart.js';
import { CHART_COLORS, CHART_HEIGHT, CHART_WIDTH } from './memory-trend-chart.js';
import { loadRenderer } from './renderer.js';

export interface TimelineSeries {
  label: string;
  /** Per-minute counts on the grid (`times`). */
  values: number[];
}

export interface BurstTimelineInput {
  /** Minute grid, oldest first. */
  times: Date[];
  /** Memory % per grid minute (null where none). */
  memory: (number | null)[];
  candidates: TimelineSeries[];
  labels: { title: string; memory: string; activity: string };
  formatTime: (d: Date) => string;
}

const PALETTE = ['#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2'];

export async function renderBurstTimelineChart(input: BurstTimelineInput): Promise<Buffer> {
  if (input.times.length === 0) throw new Error('renderBurstTimelineChart: empty grid');
  const { Chart, createCanvas, fontFamily } = await loadRenderer();
  const font = (size: number, weight?: 'bold') => ({
    family: fontFamily,
    size,
    ...(weight ? { weight } : {}),
  });
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [
    {
      label: input.labels.memory,
      data: input.memory,
      yAxisID: 'memory',
      borderColor: CHART_COLORS.memory,
      backgroundColor: CHART_COLORS.memoryFill,
      borderWidth: 2.5,
      fill: 'origin',
      pointRadius: 0,
      spanGaps: true,
      tension: 0,
    },
    ...input.candidates.slice(0, PALETTE.length).map((c, i) => {
      const peak = Math.max(...c.values, 0);
      const color = PALETTE[i] ?? CHART_COLORS.text;
      return {
        label: c.label,
        data: c.values.map((v) => (peak > 0 ? (v / peak) * 100 : 0)),
        yAxisID: 'activity',
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.5,
        borderDash: [6, 3],
        pointRadius: 0,
        fill: false,
        stepped: 'middle' as const,
      };
    }),
  ];
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d');
  const background: Plugin<'line'> = {
    id: 'redisMedicBurstBackground',
    beforeDraw: () => {
      ctx.save();
      ctx.fillStyle = CHART_COLORS.background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    },
  };
  const memoryMax = Math.max(100, ...input.memory.filter((v): v is number => v !== null));
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { labels: input.times.map(input.formatTime), datasets },
    options: {
      animation: false,
      responsive: false,
      maintainAspectRatio: false,
      devicePixelRatio: 1,
      events: [],
      plugins: {
        title: { display: true, text: input.labels.title, color: CHART_COLORS.text, font: font(16, 'bold') },
        legend: { position: 'bottom', labels: { color: CHART_COLORS.text, font: font(12) } },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          ticks: { color: CHART_COLORS.text, font: font(11), maxTicksLimit: 12 },
          grid: { color: CHART_COLORS.grid },
        },
        memory: {
          position: 'left',
          min: 0,
          max: Math.ceil(memoryMax / 10) * 10,
          title: { display: true, text: input.labels.memory, color: CHART_COLORS.text, font: font(12) },
          ticks: { color: CHART_COLORS.text, font: font(11) },
          grid: { color: CHART_COLORS.grid },
        },
        activity: {
          position: 'right',
          min: 0,
          max: 100,
          title: { display: true, text: input.labels.activity, color: CHART_COLORS.text, font: font(12) },
          ticks: { color: CHART_COLORS.text, font: font(11) },
          grid: { display: false },
        },
      },
    },
    plugins: [background],
  };
  // chart.js's types name DOM canvas classes; with no DOM, BasicPlatform only needs getContext('2d').
  const chart = new Chart(canvas as unknown as ChartItem, config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
