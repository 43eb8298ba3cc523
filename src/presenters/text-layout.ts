/**
 * East Asian wide characters (CJK, Hangul, full-width forms) take two terminal columns, so zh
 * labels and tables still line up. One definition for the CLI tables, commander's help and the
 * preformatted tables of the incident message.
 */
export const WIDE_RANGES =
  '\\u1100-\\u115f\\u2e80-\\ua4cf\\uac00-\\ud7a3\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uff60\\uffe0-\\uffe6';
const WIDE_CHAR = new RegExp(`[${WIDE_RANGES}]`, 'gu');

/** How many wide characters `text` has (each takes one column more than its length says). */
export function wideCount(text: string): number {
  return text.match(WIDE_CHAR)?.length ?? 0;
}

/** Terminal columns a string takes. */
export function displayWidth(text: string): number {
  return [...text].length + wideCount(text);
}

/** Pads to `width` columns; `measure` says how wide the text shows (default: as a terminal does). */
export function padEndDisplay(text: string, width: number, measure = displayWidth): string {
  return text + ' '.repeat(Math.max(0, width - measure(text)));
}
