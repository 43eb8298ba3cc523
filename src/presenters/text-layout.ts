/**
 * Terminal columns a string takes, from `string-width` (Unicode East Asian Width, emoji sequences,
 * zero-width combining marks), so zh labels and tables still line up. One definition for the CLI
 * tables, commander's help and the preformatted tables of the incident message.
 */
import stringWidth from 'string-width';

/**
 * Ranges of East Asian wide characters (CJK, Hangul, full-width forms): not a width measure but where
 * commander's help may break a line of Chinese text, which has no spaces.
 */
export const WIDE_RANGES =
  '\\u1100-\\u115f\\u2e80-\\ua4cf\\uac00-\\ud7a3\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uff60\\uffe0-\\uffe6';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** How many characters (grapheme clusters) of `text` take two columns. */
export function wideCount(text: string): number {
  let wide = 0;
  for (const { segment } of graphemes.segment(text)) if (stringWidth(segment) === 2) wide++;
  return wide;
}

/** Terminal columns a string takes (ANSI escapes take none; ambiguous-width characters one). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** Pads to `width` columns; `measure` says how wide the text shows (default: as a terminal does). */
export function padEndDisplay(text: string, width: number, measure = displayWidth): string {
  return text + ' '.repeat(Math.max(0, width - measure(text)));
}
