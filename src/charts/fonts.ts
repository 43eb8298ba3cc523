/**
 * The fonts charts are drawn in. Chinese titles, axes and legends need a font with CJK glyphs, which
 * a slim server or a laptop often lacks (every character would be an empty box): the npm dependency
 * @fontsource-variable/noto-sans-sc (Noto Sans SC, SIL OFL 1.1, ~5 MB of WOFF2 subsets) is
 * registered with the canvas, so every `npm ci` install has one; a system CJK font is the fallback,
 * and with neither the callers say so (`ChartFont.cjk` is null).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What the canvas module offers for fonts (a subset of @napi-rs/canvas's `GlobalFonts`). */
export interface FontRegistry {
  families: { family: string }[];
  registerFromPath(path: string, alias?: string): unknown;
}

export interface ChartFont {
  /** The CSS font-family list charts use. */
  family: string;
  /** The font that draws Chinese, and where it came from; null when none was found. */
  cjk: { name: string; source: 'bundled' | 'system' } | null;
}

export const BUNDLED_CJK_PACKAGE = '@fontsource-variable/noto-sans-sc';
export const BUNDLED_CJK_FAMILY = 'Noto Sans SC';

const CJK_FAMILY =
  /CJK|Source Han|WenQuanYi|Droid Sans Fallback|Noto Sans (SC|TC|HK|JP|KR)|PingFang|YaHei|SimHei/i;

/**
 * Registers the bundled Noto Sans SC (each Unicode-range subset under one family name). Resolved
 * through node's module lookup, so it is found from `src/` under tsx and from `dist/` alike. False
 * when the package is not installed or the canvas took none of its files.
 */
export function registerBundledCjkFont(fonts: FontRegistry): boolean {
  let dir: string;
  try {
    const require = createRequire(import.meta.url);
    dir = join(dirname(require.resolve(`${BUNDLED_CJK_PACKAGE}/package.json`)), 'files');
  } catch {
    return false;
  }
  let registered = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.woff2'))) {
    if (fonts.registerFromPath(join(dir, file), BUNDLED_CJK_FAMILY)) registered += 1;
  }
  return registered > 0;
}

/** Chart.js defaults to Helvetica/Arial, which a slim server image lacks; name fonts Skia really has. */
export function pickChartFont(fonts: FontRegistry, bundled: boolean): ChartFont {
  const names = fonts.families.map((f) => f.family);
  const list: string[] = [];
  if (names.includes('DejaVu Sans')) list.push("'DejaVu Sans'");
  const system = names.find((n) => CJK_FAMILY.test(n) && n !== BUNDLED_CJK_FAMILY);
  const cjk: ChartFont['cjk'] = bundled
    ? { name: BUNDLED_CJK_FAMILY, source: 'bundled' }
    : system
      ? { name: system, source: 'system' }
      : null;
  if (cjk) list.push(`'${cjk.name}'`);
  list.push('sans-serif');
  return { family: list.join(', '), cjk };
}
