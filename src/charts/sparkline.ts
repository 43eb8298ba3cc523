/**
 * A one-line trend for small places (App Home): memory % as block characters, one per time bucket
 * (the bucket's highest value, so a short peak still shows), scaled between the window's lowest and
 * highest values.
 */
import type { TrendPoint } from '../domain/types.js';

const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(points: readonly TrendPoint[], width = 24): string {
  if (points.length === 0) return '';
  const first = points[0]?.at.getTime() ?? 0;
  const last = points[points.length - 1]?.at.getTime() ?? first;
  const span = Math.max(1, last - first);
  const cells = Math.max(1, Math.min(width, points.length));
  const buckets: (number | undefined)[] = new Array(cells).fill(undefined);
  for (const p of points) {
    const i = Math.min(cells - 1, Math.floor(((p.at.getTime() - first) / span) * cells));
    buckets[i] = Math.max(buckets[i] ?? Number.NEGATIVE_INFINITY, p.value);
  }
  const values = buckets.filter((v): v is number => v !== undefined);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  let carry = values[0] ?? 0;
  return buckets
    .map((v) => {
      // An empty bucket (a missed sample) repeats its neighbour instead of dropping to the floor.
      carry = v ?? carry;
      const level = hi === lo ? 3 : Math.round(((carry - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}
