import type { Canvas } from '@napi-rs/canvas';
import type { Chart as ChartClass } from 'chart.js';

type ChartCtor = typeof ChartClass;
export interface Renderer {
  Chart: ChartCtor;
  createCanvas: (width: number, height: number) => Canvas;
  fontFamily: string;
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
    return {
      Chart,
      createCanvas: canvas.createCanvas,
      fontFamily: pickFontFamily(canvas.GlobalFonts.families),
    };
  })().catch((err: unknown) => {
    // Don't cache a failed load: a later call may succeed.
    renderer = undefined;
    throw err;
  });
  return renderer;
}

const CJK_FAMILY =
  /CJK|Source Han|WenQuanYi|Droid Sans Fallback|Noto Sans (SC|TC|HK|JP|KR)|PingFang|YaHei|SimHei/i;

/** Chart.js defaults to Helvetica/Arial, which a slim server image lacks; name fonts Skia really has. */
function pickFontFamily(families: { family: string }[]): string {
  const names = families.map((f) => f.family);
  const list: string[] = [];
  if (names.includes('DejaVu Sans')) list.push("'DejaVu Sans'");
  const cjk = names.find((n) => CJK_FAMILY.test(n));
  if (cjk) list.push(`'${cjk}'`);
  list.push('sans-serif');
  return list.join(', ');
}
