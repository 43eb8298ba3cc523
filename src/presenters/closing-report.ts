/**
 * The closing report of an incident, per language: how long it lasted and who opened and closed
 * it, the resolution in the closer's words, memory when opened → now (and the peak), the bytes
 * freed so far, what a scale during the incident did to the monthly bill (or that none was done),
 * what each checklist step came to, the keys each TTL rule fixed, and the timeline (the latest
 * entries).
 * Built as a MessageDoc, so Slack and the terminal show the same words.
 */
import type { NodeCatalog } from '../capacity/node-catalog.js';
import { type ScaleCost, scaleCost } from '../capacity/scale-cost.js';
import { formatBytes, formatDateTime, formatDuration, formatInt, formatPct } from '../i18n/format.js';
import type { I18n } from '../i18n/index.js';
import { escapeMrkdwn } from '../i18n/mrkdwn.js';
import type { Lang, Translate } from '../i18n/types.js';
import { SCALE_FINISHED } from '../incidents/checklist/timeline-steps.js';
import type { ChecklistStep } from '../incidents/checklist/types.js';
import type { Incident, TimelineEntry } from '../incidents/incident-store.js';
import { stepStateLine, stepTitle, who } from './checklist-words.js';
import type { DocBlock, MessageDoc } from './message-doc.js';

export interface ClosingFacts {
  incident: Incident;
  steps: ChecklistStep[];
  timeline: readonly TimelineEntry[];
  /** Memory % of the first reading of the incident. */
  before?: number;
  /** Memory % now (the newest reading). */
  after?: number;
  peak?: number;
  /** Keys each rule's runs gave a TTL, summed. */
  fixedPerRule: { rule: string; changed: number }[];
  /** Used memory when opened minus now (bot's own samples), never negative. */
  freedBytes?: number;
  /** Scales that finished during the incident, priced when the node catalog knows both types. */
  scales?: ScaleFact[];
}

export interface ScaleFact {
  from: string;
  to: string;
  nodes?: number;
  cost?: ScaleCost;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
/** A delta with its sign: "+$146.00", "−$73.00". */
const signedUsd = (n: number) => `${n < 0 ? '−' : '+'}${usd.format(Math.abs(n))}`;

/** Timeline kinds with their own words (incident:timeline.*); `rule`, `count` from the entry. */
const TIMELINE_WORDS = new Set([
  'ttl_plan_dry_run',
  'ttl_plan_approval_requested',
  'ttl_plan_approved',
  'ttl_run_started',
  'ttl_run_finished',
  'ttl_run_cancelled',
  'ttl_run_failed',
]);

/** Timeline entries shown at most (the latest ones); the rest is counted. */
const TIMELINE_MAX = 15;

export function closingReport(
  facts: ClosingFacts,
  lang: Lang,
  i18n: I18n,
  opts: { timeZone: string; targetPct: number; intro?: boolean },
): MessageDoc {
  const t = i18n.slack(lang);
  const { incident } = facts;
  const when = (iso: string | undefined) => (iso ? formatDateTime(new Date(iso), lang, opts.timeZone) : '—');
  const pct = (n: number | undefined) => (n === undefined ? '—' : formatPct(n, lang));
  const minutes = Math.max(
    0,
    Math.round((Date.parse(incident.closedAt ?? '') - Date.parse(incident.openedAt)) / 60_000) || 0,
  );
  const blocks: DocBlock[] = [];
  if (opts.intro)
    blocks.push({ kind: 'paragraph', text: t('incident:report.dev_intro', { cluster: incident.cluster }) });
  blocks.push({
    kind: 'paragraph',
    text: t('incident:report.summary', {
      opened: when(incident.openedAt),
      openedBy: who(t, incident.openedBy),
      closed: when(incident.closedAt),
      closedBy: who(t, incident.closedBy ?? ''),
      duration: formatDuration(minutes, t),
    }),
  });
  blocks.push({
    kind: 'paragraph',
    text: t('incident:report.resolution', { resolution: incident.resolution ?? '' }),
  });
  blocks.push({
    kind: 'paragraph',
    text:
      facts.before === undefined && facts.after === undefined
        ? t('incident:report.memory_unknown')
        : t('incident:report.memory', {
            before: pct(facts.before),
            after: pct(facts.after),
            peak: pct(facts.peak),
          }),
  });
  if (facts.freedBytes !== undefined)
    blocks.push({
      kind: 'paragraph',
      text: t('incident:report.freed', { bytes: formatBytes(facts.freedBytes, lang) }),
    });
  blocks.push(...costLines(t, facts.scales ?? []));
  blocks.push({ kind: 'heading', text: t('incident:report.steps_heading') });
  blocks.push({
    kind: 'bullets',
    items: facts.steps.map((step) =>
      t('incident:report.step_line', {
        title: stepTitle(t, step, { lang, targetPct: opts.targetPct }),
        state: stepStateLine(t, step, when),
      }),
    ),
  });
  if (facts.fixedPerRule.length > 0) {
    blocks.push({ kind: 'heading', text: t('incident:report.runs_heading') });
    blocks.push({
      kind: 'bullets',
      items: facts.fixedPerRule.map((r) =>
        t('incident:report.run_line', {
          rule: r.rule,
          count: r.changed,
          changed: formatInt(r.changed, lang),
        }),
      ),
    });
  }
  const shown = facts.timeline.slice(-TIMELINE_MAX);
  blocks.push({ kind: 'heading', text: t('incident:report.timeline_heading') });
  // A step appears under its title (the checklist's words), not its id.
  const titles = new Map(
    facts.steps.map((s) => [s.id, stepTitle(t, s, { lang, targetPct: opts.targetPct })]),
  );
  const items = shown.map(
    (e) => `${when(e.at)} · ${timelineText(t, e, lang, titles)}${e.actor ? ` · ${who(t, e.actor)}` : ''}`,
  );
  if (facts.timeline.length > shown.length)
    items.unshift(t('incident:report.timeline_more', { count: facts.timeline.length - shown.length }));
  blocks.push({ kind: 'bullets', items });
  return { lang, title: i18n.plain(lang)('incident:report.title', { cluster: incident.cluster }), blocks };
}

/** One line per scale that finished (its monthly cost before → after), or one saying none was done. */
function costLines(t: Translate, scales: readonly ScaleFact[]): DocBlock[] {
  if (scales.length === 0) return [{ kind: 'paragraph', text: t('incident:report.cost_none') }];
  return scales.map((x) => {
    // The templates escape their values (i18n's mrkdwn escaper): node types go in as they are.
    const names = { from: x.from, to: x.to };
    if (!x.cost || x.nodes === undefined)
      return { kind: 'paragraph', text: t('incident:report.cost_unpriced', names) };
    return {
      kind: 'paragraph',
      text: t('incident:report.cost_scaled', {
        ...names,
        count: x.nodes,
        nodes: x.nodes,
        before: usd.format(x.cost.fromMonthlyUsd),
        after: usd.format(x.cost.toMonthlyUsd),
        delta: signedUsd(x.cost.deltaUsd),
      }),
    };
  });
}

/** One timeline entry in words (the kinds this report knows; others by their kind name); `stepTitles`: a step's title by its id. */
export function timelineText(
  t: Translate,
  e: TimelineEntry,
  lang: Lang,
  stepTitles: ReadonlyMap<string, string> = new Map(),
): string {
  const d = e.data ?? {};
  const pct = typeof d.memoryPct === 'number' ? formatPct(d.memoryPct, lang) : '—';
  // Already mrkdwn (a title from the locales or an escaped label), so the templates take it as is.
  const id = typeof d.step === 'string' ? d.step : '';
  const step = stepTitles.get(id) ?? escapeMrkdwn(id);
  if (e.kind === 'opened' || e.kind === 'closed' || e.kind === 'watch_started')
    return t(`incident:timeline.${e.kind}`);
  if (e.kind === 'status') return t('incident:timeline.status', { pct });
  if (e.kind.startsWith('alert_')) return t('incident:timeline.alert', { kind: e.kind.slice(6), pct });
  if (e.kind === 'watch_ended') return t('incident:timeline.watch_ended', { end: String(d.end ?? '') });
  if (e.kind === 'step_done' || e.kind === 'step_in_progress' || e.kind === 'step_skipped')
    return t(`incident:timeline.${e.kind}`, { step });
  if (e.kind === SCALE_FINISHED)
    return t('incident:timeline.scale_finished', {
      from: String(d.from ?? ''),
      to: String(d.to ?? ''),
    });
  const rule = typeof d.rule === 'string' ? d.rule : '';
  const count = typeof d.changed === 'number' ? d.changed : typeof d.rules === 'number' ? d.rules : 0;
  if (TIMELINE_WORDS.has(e.kind))
    return t(`incident:timeline.${e.kind}`, { rule, count, n: formatInt(count, lang) });
  return t('incident:timeline.other', { kind: escapeMrkdwn(e.kind) });
}

/** Memory readings of the timeline: the first, the highest and the latest. */
export function memoryOfTimeline(timeline: readonly TimelineEntry[]): {
  before?: number;
  peak?: number;
  last?: number;
} {
  const readings = timeline
    .map((e) => e.data?.memoryPct)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (readings.length === 0) return {};
  return {
    before: readings[0] as number,
    peak: Math.max(...readings),
    last: readings[readings.length - 1] as number,
  };
}

/** The timeline's finished scales, each priced from `catalog` in the group's region and engine. */
export function scalesOfTimeline(timeline: readonly TimelineEntry[], catalog?: NodeCatalog): ScaleFact[] {
  return timeline
    .filter((e) => e.kind === SCALE_FINISHED)
    .map((e) => {
      const d = e.data ?? {};
      const fact: ScaleFact = { from: String(d.from ?? '?'), to: String(d.to ?? '?') };
      if (typeof d.nodes === 'number') fact.nodes = d.nodes;
      const cost =
        catalog && fact.nodes !== undefined && typeof d.region === 'string'
          ? scaleCost(catalog, {
              from: fact.from,
              to: fact.to,
              nodes: fact.nodes,
              region: d.region,
              engine: d.engine === 'valkey' ? 'valkey' : 'redis',
            })
          : undefined;
      if (cost) fact.cost = cost;
      return fact;
    });
}
