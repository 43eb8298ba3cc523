import { renderTextBars } from '../charts/text-bars.js';
import type { Note } from '../domain/types.js';
import {
  formatBytes,
  formatClock,
  formatDateTime,
  formatDuration,
  formatInt,
  formatPct,
  formatTime,
} from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { MemoryLevel, StatusReport } from '../status/types.js';

export interface ViewRow {
  label: string;
  value: string;
}

/**
 * A status report worded for people, shared by the Slack blocks and the terminal table so both
 * say the same thing. `t` decides the escaping (Slack escapes interpolated values; CLI doesn't).
 */
export interface StatusView {
  title: string;
  takenAt: string;
  level: MemoryLevel;
  levelLabel: string;
  memoryPct: string;
  memoryLine: string;
  verdictKind: StatusReport['verdict']['kind'];
  verdictLabel: string;
  verdictReason: string;
  rows: ViewRow[];
  thresholdsLine: string;
  trend?: { heading: string; bars: string; summary: string };
  notes: string[];
}

export interface ViewOptions {
  t: Translate;
  lang: Lang;
  /** Applied to raw values from Redis or config that don't pass through `t` (mrkdwn escaping in Slack). */
  esc?: (text: string) => string;
  timeZone?: string;
}

export function buildStatusView(report: StatusReport, options: ViewOptions): StatusView {
  const { t, lang } = options;
  const esc = options.esc ?? ((s: string) => s);
  const timeZone = options.timeZone ?? 'UTC';
  const r = report.redis;
  const pct = (n: number, of: number) => formatPct(of > 0 ? (n / of) * 100 : 0, lang);
  const memoryPct = r.memoryPct === null ? t('status:memory.no_limit_short') : formatPct(r.memoryPct, lang);
  const memoryLine =
    r.maxmemoryBytes > 0
      ? t('status:memory.used_of_max', {
          used: formatBytes(r.usedMemoryBytes, lang),
          max: formatBytes(r.maxmemoryBytes, lang),
        })
      : t('status:memory.used_no_max', {
          used: formatBytes(r.usedMemoryBytes, lang),
          system: formatBytes(r.nodes[0]?.totalSystemMemoryBytes ?? 0, lang),
        });
  const rows: ViewRow[] = [
    { label: t('status:field.memory'), value: `${memoryPct} · ${memoryLine}` },
    { label: t('status:field.peak'), value: formatBytes(r.usedMemoryPeakBytes, lang) },
    { label: t('status:field.keys'), value: formatInt(r.keys, lang) },
    {
      label: t('status:field.keys_with_ttl'),
      value: t('common:paren', { value: formatInt(r.keysWithTtl, lang), note: pct(r.keysWithTtl, r.keys) }),
    },
    {
      label: t('status:field.keys_without_ttl'),
      value: t('common:paren', {
        value: formatInt(r.keysWithoutTtl, lang),
        note: pct(r.keysWithoutTtl, r.keys),
      }),
    },
    { label: t('status:field.evicted'), value: formatInt(r.evictedKeys, lang) },
    { label: t('status:field.expired'), value: formatInt(r.expiredKeys, lang) },
    { label: t('status:field.ops'), value: formatInt(r.opsPerSec, lang) },
    { label: t('status:field.policy'), value: esc(r.maxmemoryPolicy) },
    {
      label: t('status:field.fragmentation'),
      value: r.fragmentationRatio === null ? '—' : r.fragmentationRatio.toFixed(2),
    },
    { label: t('status:field.clients'), value: formatInt(r.connectedClients, lang) },
    {
      label: t('status:field.server'),
      value: t(`status:mode.${r.mode}`, { version: r.version, nodes: r.nodes.length }),
    },
  ];
  const th = report.thresholds;
  return {
    title: t('status:title', { cluster: report.cluster }),
    takenAt: formatDateTime(report.takenAt, lang, timeZone),
    level: report.level,
    levelLabel: t(`status:level.${report.level}`),
    memoryPct,
    memoryLine,
    verdictKind: report.verdict.kind,
    verdictLabel: t(`status:verdict.${report.verdict.kind}`),
    verdictReason: replayed(
      report,
      t,
      t(`status:${report.verdict.reason.key}`, localizeValues(report.verdict.reason.values, lang, timeZone)),
    ),
    rows,
    thresholdsLine: t('status:thresholds', {
      warning: formatPct(th.warning, lang, 0),
      critical: formatPct(th.critical, lang, 0),
      emergency: formatPct(th.emergency, lang, 0),
    }),
    ...(report.trend ? { trend: trendView(report, t, lang, timeZone) } : {}),
    notes: report.notes.map((note) => noteText(note, t, lang, timeZone)),
  };
}

function trendView(report: StatusReport, t: Translate, lang: Lang, timeZone: string): StatusView['trend'] {
  const trend = report.trend!;
  const a = trend.analysis;
  const annotations = [];
  if (a?.burstStart) annotations.push({ at: a.burstStart.at, text: t('status:trend.burst_start') });
  if (a) annotations.push({ at: a.peak.at, text: t('status:trend.peak') });
  const bars = renderTextBars(trend.series.memoryPct, {
    formatTime: (d) => formatTime(d, lang, timeZone),
    annotations,
    width: 32,
  });
  const summary = a
    ? t('status:trend.summary', {
        peak: formatPct(a.peak.value, lang),
        peakAt: formatTime(a.peak.at, lang, timeZone),
        slope: `${a.slopePctPerMin > 0 ? '+' : ''}${a.slopePctPerMin.toFixed(2)}`,
      })
    : t('status:trend.no_analysis');
  return {
    heading: t(`status:trend.heading_${trend.source}`, {
      node: trend.node,
      window: formatDuration(trendMinutes(report), t),
    }),
    bars,
    summary,
  };
}

function trendMinutes(report: StatusReport): number {
  const points = report.trend?.series.memoryPct ?? [];
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return 0;
  return (last.at.getTime() - first.at.getTime()) / 60_000;
}

export function noteText(note: Note, t: Translate, lang: Lang, timeZone = 'UTC'): string {
  return t(`status:${note.key}`, localizeValues(note.values ?? {}, lang, timeZone));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Core values are raw (numbers, ISO dates); the reader gets them in their locale. */
export function localizeValues(
  values: Record<string, string | number>,
  lang: Lang,
  timeZone: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number') {
      out[key] = Number.isInteger(value) && Math.abs(value) >= 1000 ? formatInt(value, lang) : String(value);
    } else if (ISO_DATE.test(value)) {
      out[key] = formatClock(new Date(value), lang, timeZone);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * A verdict read from the demo's replayed curve says so in its own sentence: beside the live
 * figures of a seconds-old server ("Expired keys 0") "burst keys are expiring" would otherwise read
 * as a contradiction. `reason` is already localized (and escaped), so it is passed through as is.
 */
function replayed(report: StatusReport, t: Translate, reason: string): string {
  return report.trend?.source === 'replay' ? t('status:verdict.reason_replayed', { reason }) : reason;
}
