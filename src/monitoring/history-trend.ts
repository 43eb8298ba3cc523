/**
 * The bot's own history as a trend source beside CloudWatch: the samples of the window become the
 * same MetricSeries CloudWatch gives (memory %, evictions per interval, keys), so the trend
 * analysis, the verdict, the chart and watch mode work for any Redis. `withHistoryFallback` uses it
 * where CloudWatch is not configured or fails, and says so in a note.
 */
import type { MetricSeries, Note, TrendPoint } from '../domain/types.js';
import type { StatusTarget, TrendFetch, TrendProvider } from '../status/check-status.js';
import type { HistoryStore } from './history-store.js';
import type { MonitoringSample } from './sample.js';

/** Fewer points than this make no slope worth showing. */
const MIN_POINTS = 3;

export function historySeries(samples: readonly MonitoringSample[]): MetricSeries {
  const memoryPct: TrendPoint[] = [];
  const evictions: TrendPoint[] = [];
  const currItems: TrendPoint[] = [];
  let previous: MonitoringSample | undefined;
  for (const s of samples) {
    const at = new Date(s.at);
    if (s.memoryPct !== null) memoryPct.push({ at, value: s.memoryPct });
    currItems.push({ at, value: s.keys });
    if (previous) evictions.push({ at, value: evictedBetween(previous, s) });
    previous = s;
  }
  return { memoryPct, evictions, currItems, engineCpuPct: [] };
}

/**
 * Evictions between two points: from the per-primary running total where both have it (a primary
 * restarting or joining changes the sum of `evicted_keys` without evicting anything); for older
 * points from the sum, where a counter that went down is a restarted server whose new count is
 * what happened since.
 */
function evictedBetween(previous: MonitoringSample, s: MonitoringSample): number {
  if (previous.evictedTotal !== undefined && s.evictedTotal !== undefined)
    return Math.max(0, s.evictedTotal - previous.evictedTotal);
  return s.evicted >= previous.evicted ? s.evicted - previous.evicted : s.evicted;
}

/** Reads the window from the history; too few samples is a note, never an error. */
export function historyTrendProvider(history: HistoryStore): TrendProvider {
  return async (target, window): Promise<TrendFetch> => {
    const end = window.end.getTime();
    const samples = await history.range(target.name, end - window.hours * 3_600_000, end);
    const series = historySeries(samples);
    if (series.memoryPct.length < MIN_POINTS) {
      // No samples at all (monitoring off, or a new cluster), or none with a memory % (maxmemory 0,
      // which the report already notes): nothing worth a note. Otherwise count the usable ones.
      const usable = series.memoryPct.length;
      const notes = usable === 0 ? [] : [{ key: 'notes.history_too_short', values: { count: usable } }];
      return { ok: false, notes };
    }
    return { ok: true, source: 'history', node: target.name, series, notes: [] };
  };
}

/**
 * The primary source (CloudWatch, or the demo's replay) first; the bot's history where it has no
 * answer: not configured for the cluster, or failed. The notes say which source the report shows
 * and, after a CloudWatch failure, why.
 */
export function withHistoryFallback(primary: TrendProvider, history: TrendProvider): TrendProvider {
  return async (target: StatusTarget, window): Promise<TrendFetch> => {
    const first = await primary(target, window).catch(
      (): TrendFetch => ({
        ok: false,
        notes: [
          { key: 'notes.aws_error', values: { action: 'cloudwatch:GetMetricData', error: 'UnknownError' } },
        ],
      }),
    );
    if (first.ok) return first;
    const notConfigured = first.notes.every((n) => n.key === 'notes.aws_not_configured');
    const second = await history(target, window).catch(
      (): TrendFetch => ({ ok: false, notes: [{ key: 'notes.history_unavailable' }] }),
    );
    if (!second.ok) return { ok: false, notes: [...first.notes, ...second.notes] };
    const said: Note = { key: notConfigured ? 'notes.trend_history' : 'notes.trend_history_fallback' };
    return { ...second, notes: [...(notConfigured ? [] : first.notes), said, ...second.notes] };
  };
}
