/**
 * Progress on a stderr that is not a terminal (cron, CI, a pipe, a log collector): a redrawn line
 * (`\r`) is unreadable there and printing nothing leaves a long walk silent, so these gates let
 * through one plain, newline-ended line per step.
 */

/** True once per `step` of a 0–1 fraction (10 %, 20 % …), the first call included. */
export function fractionSteps(step = 0.1): (fraction: number) => boolean {
  let last = -1;
  return (fraction) => {
    const at = Math.floor(Math.min(1, Math.max(0, fraction)) / step + 1e-9);
    if (at <= last) return false;
    last = at;
    return true;
  };
}

/** True at most once per `everyMs` (for walks whose fraction is unknown), the first call included. */
export function intervalSteps(everyMs = 5_000, now: () => number = Date.now): () => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    if (t - last < everyMs) return false;
    last = t;
    return true;
  };
}
