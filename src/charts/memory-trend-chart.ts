import type { ChartConfiguration, ChartItem, Plugin } from 'chart.js';
import type { Thresholds, TrendPoint } from '../domain/types.js';
import { loadRenderer } from './renderer.js';

export interface MemoryTrendChartLabels {
  title: string;
  yAxis: string;
  warning: string;
  critical: string;
  emergency: string;
  /** Legend text for the target line; without it the line is drawn but left out of the legend. */
  target?: string;
}

export interface MemoryTrendChartInput {
  /** Memory %, oldest first. */
  points: TrendPoint[];
  thresholds: Thresholds;
  /** Already translated by the caller. */
  labels: MemoryTrendChartLabels;
  /** Formats x labels (the caller owns locale and timezone). */
  formatTime: (d: Date) => string;
  /** Drawn as bigger dots; matched to the series point nearest in time. */
  markers?: { peak?: TrendPoint; burstStart?: TrendPoint };
  /** Optional dotted line, e.g. a watch target. */
  targetPct?: number;
  /** A threshold's legend with its value: `Warning (60%)` unless the caller words it (`告警（60%）`). */
  legendWithValue?: (label: string, value: string) => string;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** Plot area in pixels, as chart.js laid it out. */
  chartArea: { left: number; top: number; right: number; bottom: number };
  /** Y axis range actually used (0–100 unless a value went above 100). */
  yMin: number;
  yMax: number;
}

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 420;

export const CHART_COLORS = {
  background: '#ffffff',
  memory: '#2563eb',
  memoryFill: 'rgba(37, 99, 235, 0.08)',
  warning: '#f59e0b',
  critical: '#dc2626',
  emergency: '#7f1d1d',
  target: '#16a34a',
  text: '#1f2937',
  grid: '#e5e7eb',
} as const;

/** Index of the series point nearest in time to `at`. */
function nearestIndex(points: TrendPoint[], at: Date): number {
  const t = at.getTime();
  let best = 0;
  let bestDiff = Number.POSITIVE_INFINITY;
  points.forEach((p, i) => {
    const diff = Math.abs(p.at.getTime() - t);
    if (diff < bestDiff) {
      best = i;
      bestDiff = diff;
    }
  });
  return best;
}

function formatPct(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

/** Renders the memory % trend to a PNG (900x420, white background). Throws on an empty series. */
export async function renderMemoryTrendChart(input: MemoryTrendChartInput): Promise<Buffer> {
  return (await renderMemoryTrendChartWithLayout(input)).png;
}

/** Same as renderMemoryTrendChart, plus where chart.js put the plot area (tests sample pixels with it). */
export async function renderMemoryTrendChartWithLayout(
  input: MemoryTrendChartInput,
): Promise<{ png: Buffer; layout: ChartLayout }> {
  const { points, thresholds, labels, formatTime, markers, targetPct } = input;
  if (points.length === 0) {
    throw new Error('renderMemoryTrendChart: points is empty; there is nothing to draw');
  }
  const { Chart, createCanvas, fontFamily } = await loadRenderer();

  const n = points.length;
  const values = points.map((p) => p.value);
  const dataMax = Math.max(...values.filter(Number.isFinite));
  // Above 100 % would be clipped at the top edge; widen the axis rather than hide it.
  const yMax = dataMax > 100 ? Math.ceil(dataMax / 10) * 10 : 100;

  const radius = new Array<number>(n).fill(0);
  if (markers?.burstStart) radius[nearestIndex(points, markers.burstStart.at)] = 5;
  if (markers?.peak) radius[nearestIndex(points, markers.peak.at)] = 6;
  // A lone point draws no line segment, so show it as a dot.
  if (n === 1) radius[0] = Math.max(radius[0] ?? 0, 4);

  const withValue = input.legendWithValue ?? ((label: string, value: string) => `${label} (${value})`);
  const font = (size: number, weight?: 'bold') => ({
    family: fontFamily,
    size,
    ...(weight ? { weight } : {}),
  });

  // Constant-value lines stand in for annotations, so no annotation plugin is needed.
  const levels: { label: string; value: number; color: string; dash: number[] }[] = [
    { label: labels.warning, value: thresholds.warning, color: CHART_COLORS.warning, dash: [8, 5] },
    { label: labels.critical, value: thresholds.critical, color: CHART_COLORS.critical, dash: [8, 5] },
    { label: labels.emergency, value: thresholds.emergency, color: CHART_COLORS.emergency, dash: [8, 5] },
  ];
  if (targetPct !== undefined) {
    const label = labels.target ?? '';
    levels.push({ label, value: targetPct, color: CHART_COLORS.target, dash: [2, 4] });
  }

  const memoryLine = { color: CHART_COLORS.memory, width: 2.5, dash: [] as number[] };
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [
    {
      label: labels.yAxis,
      data: values,
      borderColor: memoryLine.color,
      backgroundColor: CHART_COLORS.memoryFill,
      borderWidth: memoryLine.width,
      fill: 'origin',
      tension: 0,
      pointRadius: radius,
      pointHoverRadius: radius,
      pointBackgroundColor: CHART_COLORS.memory,
      pointBorderColor: CHART_COLORS.background,
      pointBorderWidth: 2,
    },
    ...levels.map((l) => ({
      label: l.label === '' ? '' : withValue(l.label, formatPct(l.value)),
      data: new Array<number>(n).fill(l.value),
      borderColor: l.color,
      backgroundColor: l.color,
      borderWidth: 2,
      borderDash: l.dash,
      pointRadius: 0,
      fill: false,
    })),
  ];
  // Legend samples use point styling, which would lose the dashes and show the markers' white border.
  const legendStyles = [memoryLine, ...levels.map((l) => ({ color: l.color, width: 2, dash: l.dash }))];

  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d');
  // PNGs are transparent by default, which looks broken in Slack's dark mode.
  const whiteBackground: Plugin<'line'> = {
    id: 'redisMedicBackground',
    beforeDraw: () => {
      ctx.save();
      ctx.fillStyle = CHART_COLORS.background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    },
  };

  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { labels: points.map((p) => formatTime(p.at)), datasets },
    options: {
      animation: false,
      responsive: false,
      maintainAspectRatio: false,
      devicePixelRatio: 1,
      events: [],
      layout: { padding: { top: 4, right: 16, bottom: 8, left: 8 } },
      plugins: {
        title: { display: true, text: labels.title, color: CHART_COLORS.text, font: font(16, 'bold') },
        legend: {
          position: 'bottom',
          labels: {
            color: CHART_COLORS.text,
            font: font(12),
            // A short line sample per series, dashed like the line it stands for.
            usePointStyle: true,
            pointStyle: 'line',
            pointStyleWidth: 32,
            generateLabels: (chart) =>
              Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
                const style = legendStyles[item.datasetIndex ?? -1];
                return style
                  ? { ...item, strokeStyle: style.color, lineWidth: style.width, lineDash: style.dash }
                  : item;
              }),
            filter: (item) => item.text !== '',
          },
        },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          type: 'category',
          grid: { display: false },
          ticks: {
            color: CHART_COLORS.text,
            font: font(11),
            autoSkip: true,
            maxTicksLimit: 10,
            maxRotation: 0,
          },
        },
        y: {
          type: 'linear',
          min: 0,
          max: yMax,
          grid: { color: CHART_COLORS.grid },
          ticks: { color: CHART_COLORS.text, font: font(11), stepSize: 10, callback: (v) => `${v}%` },
          title: { display: true, text: labels.yAxis, color: CHART_COLORS.text, font: font(12) },
        },
      },
    },
    plugins: [whiteBackground],
  };

  // chart.js's types name DOM canvas classes; with no DOM, BasicPlatform only needs getContext('2d').
  const chart = new Chart(canvas as unknown as ChartItem, config);
  try {
    const area = chart.chartArea;
    const layout: ChartLayout = {
      width: canvas.width,
      height: canvas.height,
      chartArea: { left: area.left, top: area.top, right: area.right, bottom: area.bottom },
      yMin: 0,
      yMax,
    };
    return { png: await canvas.encode('png'), layout };
  } finally {
    // Chart.instances keeps every chart alive until destroyed.
    chart.destroy();
  }
}
