import type { Canvas } from '@napi-rs/canvas';
import type { Chart as ChartClass } from 'chart.js';
import { type ChartFont, pickChartFont, registerBundledCjkFont } from './fonts.js';

type ChartCtor = typeof ChartClass;
export interface Renderer {
  Chart: ChartCtor;
  createCanvas: (width: number, height: number) => Canvas;
  fontFamily: string;
  /** Which font draws Chinese (for the demo and CLI to say, or to warn that none does). */
  font: ChartFont;
}

let renderer: Promise<Renderer> | undefined;

/** Loads chart.js and the native canvas lazily and registers once; commands that never draw pay nothing. */
export function loadRenderer(): Promise<Renderer> {
  renderer ??= (async (): Promise<Renderer> => {
    const [chartjs, canvas] = await Promise.all([import('chart.js'), import('@napi-rs/canvas')]);
    const {
      Chart,
      LineController,
      LineElement,
      PointElement,
      BarController,
      BarElement,
      CategoryScale,
      LinearScale,
      Filler,
      Legend,
      Title,
    } = chartjs;
    // Only what our charts draw (trend lines, pattern bars): a smaller, faster chart.js.
    Chart.register(
      LineController,
      LineElement,
      PointElement,
      BarController,
      BarElement,
      CategoryScale,
      LinearScale,
      Filler,
      Legend,
      Title,
    );
    const font = pickChartFont(canvas.GlobalFonts, registerBundledCjkFont(canvas.GlobalFonts));
    return { Chart, createCanvas: canvas.createCanvas, fontFamily: font.family, font };
  })().catch((err: unknown) => {
    // Don't cache a failed load: a later call may succeed.
    renderer = undefined;
    throw err;
  });
  return renderer;
}
