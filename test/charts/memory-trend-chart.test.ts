import { createCanvas, type Image, loadImage } from '@napi-rs/canvas';
import { Chart } from 'chart.js';
import { describe, expect, it } from 'vitest';
import type { TrendPoint } from '../../src/analysis/types.js';
import {
  CHART_COLORS,
  type ChartLayout,
  type MemoryTrendChartInput,
  renderMemoryTrendChart,
  renderMemoryTrendChartWithLayout,
} from '../../src/charts/memory-trend-chart.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const START = Date.UTC(2024, 4, 1, 12, 0);

function series(values: number[]): TrendPoint[] {
  return values.map((value, i) => ({ at: new Date(START + i * 60_000), value }));
}

/** Three hours of one-minute points: flat near 60 %, a burst to ~88 %, then recovery. */
function burstSeries(): TrendPoint[] {
  return series(
    Array.from({ length: 180 }, (_, i) => {
      if (i < 120) return 60 + Math.sin(i / 5);
      if (i < 128) return 60 + (i - 120) * 3.5;
      return Math.max(62, 88 - (i - 128) * 0.4);
    }),
  );
}

function input(points: TrendPoint[], extra: Partial<MemoryTrendChartInput> = {}): MemoryTrendChartInput {
  return {
    points,
    thresholds: { warning: 75, critical: 85, emergency: 95 },
    labels: {
      title: 'cache-01 memory',
      yAxis: 'Memory %',
      warning: 'Warning',
      critical: 'Critical',
      emergency: 'Emergency',
    },
    formatTime: (d) => d.toISOString().slice(11, 16),
    ...extra,
  };
}

type Rgb = [number, number, number];

function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

async function pixels(png: Buffer): Promise<{ image: Image; data: Uint8ClampedArray }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { image, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

function pixelAt(data: Uint8ClampedArray, width: number, x: number, y: number): Rgb {
  const o = (Math.round(y) * width + Math.round(x)) * 4;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

function close(a: Rgb, b: Rgb, tolerance = 40): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

function yFor(layout: ChartLayout, value: number): number {
  const { top, bottom } = layout.chartArea;
  return bottom - ((value - layout.yMin) / (layout.yMax - layout.yMin)) * (bottom - top);
}

/** Share of pixels across the plot, within ±1 px of `y`, that have colour `rgb` (any row of the three). */
function lineCoverage(data: Uint8ClampedArray, layout: ChartLayout, y: number, rgb: Rgb): number {
  const { left, right } = layout.chartArea;
  let hits = 0;
  let total = 0;
  for (let x = Math.ceil(left) + 2; x < Math.floor(right) - 2; x++) {
    total++;
    if ([-1, 0, 1].some((dy) => close(pixelAt(data, layout.width, x, y + dy), rgb))) hits++;
  }
  return hits / total;
}

describe('renderMemoryTrendChart', () => {
  it('returns a 900x420 PNG on a white background', async () => {
    const png = await renderMemoryTrendChart(input(burstSeries()));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);

    const { image, data } = await pixels(png);
    expect(image.width).toBe(900);
    expect(image.height).toBe(420);
    const white: Rgb = [255, 255, 255];
    expect(pixelAt(data, image.width, 1, 1)).toEqual(white);
    expect(pixelAt(data, image.width, image.width - 2, image.height - 2)).toEqual(white);
    // Alpha too: a transparent PNG would show Slack's dark background through it.
    expect(data[3]).toBe(255);
  });

  it('draws each threshold as a line in its own colour at its own height', async () => {
    const { png, layout } = await renderMemoryTrendChartWithLayout(input(series([40, 45, 50, 48, 52, 50])));
    const { data } = await pixels(png);
    const amber = hexToRgb(CHART_COLORS.warning);
    const red = hexToRgb(CHART_COLORS.critical);
    const darkRed = hexToRgb(CHART_COLORS.emergency);

    // Dashes cover a bit over half the width.
    expect(lineCoverage(data, layout, yFor(layout, 75), amber)).toBeGreaterThan(0.4);
    expect(lineCoverage(data, layout, yFor(layout, 85), red)).toBeGreaterThan(0.4);
    expect(lineCoverage(data, layout, yFor(layout, 95), darkRed)).toBeGreaterThan(0.4);
    // Not just anywhere: the warning colour is absent from the critical line and from empty plot space.
    expect(lineCoverage(data, layout, yFor(layout, 85), amber)).toBe(0);
    expect(lineCoverage(data, layout, yFor(layout, 80), amber)).toBe(0);
  });

  it('draws the optional target as a dotted line', async () => {
    const { png, layout } = await renderMemoryTrendChartWithLayout(
      input(series([40, 45, 50]), { targetPct: 65, labels: { ...input([]).labels, target: 'Target' } }),
    );
    const { data } = await pixels(png);
    const green = hexToRgb(CHART_COLORS.target);
    const coverage = lineCoverage(data, layout, yFor(layout, 65), green);
    expect(coverage).toBeGreaterThan(0.15);
    expect(coverage).toBeLessThan(0.8);
  });

  it('marks the peak with a dot that rises above the line', async () => {
    const points = series([50, 55, 60, 80, 70, 65, 60]);
    const peak = points[3]!;
    const render = async (markers: MemoryTrendChartInput['markers']) => {
      const { png, layout } = await renderMemoryTrendChartWithLayout(input(points, { markers }));
      const { data } = await pixels(png);
      const { left, right } = layout.chartArea;
      // Category axis without offset: points sit evenly from the left edge to the right edge.
      const x = left + (3 * (right - left)) / (points.length - 1);
      return pixelAt(data, layout.width, x, yFor(layout, peak.value) - 4);
    };
    const blue = hexToRgb(CHART_COLORS.memory);
    expect(close(await render({ peak }), blue)).toBe(true);
    expect(close(await render(undefined), blue)).toBe(false);
  });

  it('widens the y axis instead of clipping values above 100 %', async () => {
    const { layout } = await renderMemoryTrendChartWithLayout(input(series([90, 104.2, 99])));
    expect(layout.yMax).toBe(110);
    const { layout: normal } = await renderMemoryTrendChartWithLayout(input(series([90, 99])));
    expect(normal.yMax).toBe(100);
  });

  it('renders a single point and non-Latin labels', async () => {
    const png = await renderMemoryTrendChart(
      input(series([42]), {
        labels: {
          title: '内存使用率',
          yAxis: '内存 %',
          warning: '警告',
          critical: '严重',
          emergency: '紧急',
        },
      }),
    );
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('throws a clear error for an empty series', async () => {
    await expect(renderMemoryTrendChart(input([]))).rejects.toThrow(/points is empty/);
  });

  it('renders 180 points repeatedly without keeping charts alive or growing without bound', async () => {
    const points = burstSeries();
    const markers = { peak: points[128]!, burstStart: points[120]! };
    await renderMemoryTrendChart(input(points, { markers })); // warm-up: module load, fonts
    const rssBefore = process.memoryUsage().rss;
    const pngs = await Promise.all(
      Array.from({ length: 10 }, () => renderMemoryTrendChart(input(points, { markers }))),
    );
    for (const png of pngs) {
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      // A flat-colour 900x420 chart compresses well; a huge file would mean something odd got drawn.
      expect(png.length).toBeLessThan(200_000);
    }
    expect(Object.keys(Chart.instances)).toHaveLength(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
