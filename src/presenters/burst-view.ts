/**
 * The burst hunt worded for people, as a MessageDoc: the window and the memory burst, the ranked
 * candidates (one table), then each source's evidence and every source's state. The same document
 * is Slack mrkdwn in the incident thread and text in the terminal; `esc` escapes data put into
 * table cells (Slack: mrkdwn escaping; terminal: none), values passed to `t` are escaped by `t`.
 */
import type { BurstReport, Candidate, RuleFinding } from '../burst/types.js';
import {
  formatBytes,
  formatDateTime,
  formatInt,
  formatListT,
  formatPct,
  formatTime,
  formatTtlMeasured,
} from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { DocBlock, MessageDoc } from './message-doc.js';

export interface BurstViewOptions {
  t: Translate;
  lang: Lang;
  timeZone?: string;
  esc?: (text: string) => string;
  /** Candidates shown in the table. @defaultValue 8 */
  top?: number;
}

const MAX_TIMES = 6;

export function buildBurstDoc(report: BurstReport, opts: BurstViewOptions): MessageDoc {
  const { t, lang } = opts;
  const tz = opts.timeZone ?? 'UTC';
  const esc = opts.esc ?? ((s: string) => s);
  const time = (d: Date) => formatTime(d, lang, tz);
  const when = (d: Date) => formatDateTime(d, lang, tz);
  const blocks: DocBlock[] = [];
  const w = report.window;
  const hours = Math.round((w.to.getTime() - w.from.getTime()) / 3_600_000);
  blocks.push({
    kind: 'paragraph',
    text: t('burst:window.line', {
      from: when(w.from),
      to: time(w.to),
      source: t(`burst:window.source.${w.source}`, { hours }),
    }),
  });
  if (w.start && w.peak && w.peakPct !== undefined && w.baselinePct !== undefined) {
    blocks.push({
      kind: 'paragraph',
      text: t('burst:window.burst', {
        baseline: formatPct(w.baselinePct, lang),
        start: time(w.start),
        peak: formatPct(w.peakPct, lang),
        peakAt: time(w.peak),
        recovery: w.recovery
          ? t('burst:window.recovered', { at: time(w.recovery) })
          : t('burst:window.not_recovered', {}),
      }),
    });
  }
  if (report.redisBurstStart) {
    // The pattern the hunt dated the start from (its first-ranked dated pattern), and how it was
    // dated: the sentence that gives the time says what it rests on and its error.
    const dated = report.candidates.find((c) => c.kind === 'pattern' && c.start !== undefined);
    const young = dated && report.youngKeys?.patterns.find((p) => p.pattern === dated.name);
    blocks.push({
      kind: 'paragraph',
      text:
        young && young.dating !== 'lower_bound'
          ? t('burst:window.redis_start_from', {
              at: time(report.redisBurstStart),
              pattern: young.pattern,
              how: t(`burst:window.how.${young.dating}`, {
                ttl: ttlText(young.typicalTtlMs, t),
                count: formatInt(young.idleSampled, lang),
              }),
            })
          : t('burst:window.redis_start', { at: time(report.redisBurstStart) }),
    });
  } else if (report.youngKeys && !report.youngKeys.idleTime && report.youngKeys.patterns.length > 0) {
    blocks.push({ kind: 'paragraph', text: t('burst:window.redis_undated', {}) });
  }

  blocks.push({ kind: 'heading', text: t('burst:candidates.heading', {}) });
  const top = report.candidates.slice(0, opts.top ?? 8);
  if (top.length === 0) blocks.push({ kind: 'paragraph', text: t('burst:candidates.none', {}) });
  else {
    const col = (k: string) => t(`burst:candidates.columns.${k}`, {});
    blocks.push({
      kind: 'table',
      columns: ['rank', 'kind', 'name', 'start', 'fit', 'evidence'].map(col),
      rows: top.map((c, i) => [
        String(i + 1),
        t(`burst:candidates.kind.${c.kind}`, {}),
        esc(c.name.length > 48 ? `${c.name.slice(0, 47)}…` : c.name),
        c.start ? time(c.start) : '—',
        formatPct(c.score * 100, lang, 0),
        evidenceOf(c, opts),
      ]),
    });
    blocks.push({ kind: 'context', text: t(`burst:candidates.reference.${report.reference}`, {}) });
  }

  if (report.census) {
    const c = report.census;
    const grown = c.diff.patterns
      .filter((p) => (p.change === 'new' || p.change === 'grew') && p.bytesDelta > 0)
      .slice(0, 5);
    blocks.push({
      kind: 'heading',
      text: t('burst:census.heading', {
        before: c.beforeId,
        after: c.afterId === 'fresh' ? t('burst:census.fresh', {}) : c.afterId,
      }),
    });
    blocks.push(
      grown.length === 0
        ? { kind: 'paragraph', text: t('burst:census.none_grew', {}) }
        : {
            kind: 'bullets',
            items: grown.map((p) =>
              t('burst:census.line', {
                pattern: p.pattern,
                keys: signed(p.keysDelta, lang),
                bytes: `+${formatBytes(p.bytesDelta, lang)}`,
                change: t(`burst:census.change.${p.change}`, {}),
              }),
            ),
          },
    );
  }

  const young = report.youngKeys;
  if (young && young.patterns.length > 0) {
    blocks.push({
      kind: 'heading',
      text: t('burst:young.heading', { sampled: formatInt(young.sampledKeys, lang) }),
    });
    const col = (k: string, v: Record<string, string> = {}) => t(`burst:young.columns.${k}`, v);
    const ttl = (ms: number) => ttlText(ms, t);
    const shown = young.patterns.slice(0, 8);
    blocks.push({
      kind: 'table',
      columns: [
        col('pattern'),
        col('short', { horizon: ttl(young.horizonMs) }),
        col('spread'),
        col('typical'),
        col('start'),
      ],
      rows: shown.map((p) => [
        esc(p.pattern),
        formatInt(p.shortTtlKeys, lang),
        `${ttl(p.ttl.minMs)} / ${ttl(p.ttl.medianMs)} / ${ttl(p.ttl.maxMs)}`,
        p.dating === 'fixed_ttl'
          ? ttl(p.typicalTtlMs)
          : t(p.dating === 'idle' ? 'burst:young.ttl_varies' : 'burst:young.ttl_at_least', {
              ttl: ttl(p.typicalTtlMs),
            }),
        !p.burstStart
          ? '—'
          : p.dating === 'lower_bound'
            ? t('burst:young.no_later', { at: time(p.burstStart) })
            : time(p.burstStart),
      ]),
    });
    // One note per way of dating present: the assumption each rests on and its error. The names
    // are escaped by `t` inside their code spans, so the list goes in unescaped.
    for (const dating of ['fixed_ttl', 'idle', 'lower_bound'] as const) {
      const names = shown
        .filter((p) => p.dating === dating)
        .map((p) => t('burst:young.pattern_code', { pattern: p.pattern }));
      if (names.length > 0) {
        blocks.push({
          kind: 'context',
          text: t(`burst:young.dating.${dating}`, { patterns: formatListT(names, t) }),
        });
      }
    }
  }

  if (report.logs && report.logs.perMinute.length > 0) {
    const l = report.logs;
    blocks.push({ kind: 'heading', text: t('burst:logs.heading', { groups: formatListT(l.logGroups, t) }) });
    const minutes = l.busiest.map((b) =>
      t('burst:logs.minute', { at: time(b.at), count: formatInt(b.count, lang) }),
    );
    blocks.push({
      kind: 'bullets',
      items: [
        t('burst:logs.busiest', { minutes: formatListT(minutes, t) }),
        ...l.samples.map((s) =>
          t('burst:logs.sample', { at: time(s.at), line: s.message.replace(/`/g, "'") }),
        ),
      ],
    });
  }

  if (report.rules) {
    const r = report.rules;
    blocks.push({ kind: 'heading', text: t('burst:rules.heading', { filters: formatListT(r.filters, t) }) });
    blocks.push(
      r.rules.length === 0
        ? { kind: 'paragraph', text: t('burst:rules.none', {}) }
        : { kind: 'bullets', items: r.rules.map((rule) => ruleLine(rule, t, time)) },
    );
  }

  if (report.ecs) {
    const e = report.ecs;
    blocks.push({
      kind: 'heading',
      text: t('burst:ecs.heading', { services: formatListT(e.services, t), cluster: e.cluster }),
    });
    blocks.push(
      e.tasks.length === 0
        ? { kind: 'paragraph', text: t(e.stoppedHidden ? 'burst:ecs.none_visible' : 'burst:ecs.none', {}) }
        : {
            kind: 'bullets',
            items: e.tasks.slice(0, 10).map((task) =>
              task.stoppedAt
                ? t('burst:ecs.stopped', {
                    service: task.service,
                    task: task.taskId,
                    started: task.startedAt ? time(task.startedAt) : '—',
                    stopped: time(task.stoppedAt),
                  })
                : t('burst:ecs.running', {
                    service: task.service,
                    task: task.taskId,
                    started: task.startedAt ? time(task.startedAt) : '—',
                    status: task.lastStatus,
                  }),
            ),
          },
    );
  }

  blocks.push({ kind: 'heading', text: t('burst:sources.heading', {}) });
  blocks.push({
    kind: 'bullets',
    items: report.sources.map((s) => {
      const line = t('burst:sources.line', {
        source: t(`burst:sources.name.${s.source}`, {}),
        state: t(`burst:sources.state.${s.state}`, {}),
      });
      const notes = s.notes.map((n) => t(n.key, n.values ?? {}));
      return notes.length > 0 ? t('common:paren', { value: line, note: formatListT(notes, t) }) : line;
    }),
  });
  return { lang, title: t('burst:title', { cluster: report.cluster }), blocks };
}

function signed(n: number, lang: Lang): string {
  return n >= 0 ? `+${formatInt(n, lang)}` : formatInt(n, lang);
}

function evidenceOf(c: Candidate, opts: BurstViewOptions): string {
  const { t, lang } = opts;
  const parts: string[] = [];
  if (c.bytesDelta !== undefined && c.bytesDelta > 0) {
    parts.push(
      t('burst:candidates.grew', {
        keys: formatInt(c.keysDelta ?? 0, lang),
        bytes: formatBytes(c.bytesDelta, lang),
      }),
    );
  }
  const total = c.activity.reduce((n, a) => n + a.count, 0);
  if (total > 0) parts.push(t('burst:candidates.events', { count: formatInt(Math.round(total), lang) }));
  if (c.leadMinutes !== undefined && c.leadMinutes > 0)
    parts.push(t('burst:candidates.lead', { minutes: c.leadMinutes }));
  return parts.length > 0 ? formatListT(parts, t) : '—';
}

function ruleLine(rule: RuleFinding, t: Translate, time: (d: Date) => string): string {
  const base = { name: rule.name, state: rule.state, schedule: rule.schedule ?? '' };
  if (rule.disabled)
    return t(rule.schedule ? 'burst:rules.disabled' : 'burst:rules.disabled_unscheduled', base);
  if (!rule.schedule) return t('burst:rules.unscheduled', base);
  if (rule.unreadable) return t('burst:rules.unreadable', base);
  if (rule.firings.length === 0) return t('burst:rules.quiet', base);
  const shown = rule.firings.slice(0, MAX_TIMES).map(time);
  const times = formatListT(rule.firings.length > MAX_TIMES ? [...shown, '…'] : shown, t);
  return t(rule.approximate ? 'burst:rules.approximate' : 'burst:rules.fired', { ...base, times });
}

/** A TTL measured from Redis, to the second while seconds matter (`29 min 48 s`). */
function ttlText(ms: number, t: Translate): string {
  return formatTtlMeasured(ms / 1000, t);
}
