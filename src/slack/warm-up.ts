/**
 * Work the first requests would otherwise pay for, done before the HTTP server listens: loading
 * chart.js and the native canvas (a few hundred ms of synchronous module compiling) and drawing a
 * first chart (fonts, code paths). Paid during a burst, it would hold up the acks of the requests
 * that arrive meanwhile past Slack's 3 s.
 */
import type { ChartFont } from '../charts/fonts.js';
import { renderMemoryTrendChart } from '../charts/memory-trend-chart.js';
import { loadRenderer } from '../charts/renderer.js';
import { formatTime } from '../i18n/format.js';
import { LANGS } from '../i18n/types.js';

/** Returns the chart font, so the server can warn when no font draws Chinese. */
export async function warmUp(): Promise<ChartFont> {
  const end = Date.now();
  const points = Array.from({ length: 30 }, (_, i) => ({
    at: new Date(end - (29 - i) * 60_000),
    value: 50 + i,
  }));
  for (const lang of LANGS) {
    await renderMemoryTrendChart({
      points,
      thresholds: { warning: 60, critical: 75, emergency: 90 },
      labels: { title: 'warm-up', yAxis: '%', warning: 'w', critical: 'c', emergency: 'e' },
      formatTime: (d) => formatTime(d, lang, 'UTC'),
      markers: { peak: points[points.length - 1] as (typeof points)[number] },
    });
  }
  return (await loadRenderer()).font;
}
