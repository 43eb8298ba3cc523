/**
 * `incident list` and `incident show` as text for a terminal: a table of incidents, and one
 * incident's record, checklist (state, who, when, why) and timeline. Slack user ids stay ids here:
 * the terminal can't resolve mentions.
 */
import { formatDateTime, formatPct } from '../../i18n/format.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { ChecklistStep } from '../../incidents/checklist/types.js';
import { openedVia } from '../../incidents/incident-store.js';
import type { IncidentDetail, IncidentSummary } from '../../incidents/incident-view.js';
import { timelineText } from '../../presenters/closing-report.js';
import { displayWidth, padEndDisplay } from '../../presenters/text-layout.js';

interface Words {
  t: Translate;
  lang: Lang;
  targetPct: number;
}

/** A Slack user id as it is, the bot's own actors in words. */
function actor(t: Translate, who: string): string {
  if (who === 'monitor') return t('incident:by_monitor');
  if (who === 'job' || who === '') return t('incident:by_job');
  return who;
}

function when(iso: string | undefined, lang: Lang): string {
  return iso && Number.isFinite(Date.parse(iso)) ? formatDateTime(new Date(iso), lang) : '—';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padEndDisplay(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function renderIncidentList(list: readonly IncidentSummary[], w: Words): string {
  const { t, lang } = w;
  if (list.length === 0) return `${t('cli:incident.empty')}\n`;
  const header = ['id', 'cluster', 'state', 'severity', 'opened_by', 'opened_at', 'checklist'].map((c) =>
    t(`cli:incident.col.${c}`),
  );
  const rows = list.map((s) => [
    s.incident.id,
    s.incident.cluster,
    t(`cli:incident.state.${s.state}`),
    s.incident.severity ? t(`incident:severity.${s.incident.severity}`) : '—',
    openedVia(s.incident) === 'alert' ? t('cli:incident.by_alert') : actor(t, s.incident.openedBy),
    when(s.incident.openedAt, lang),
    t('cli:incident.progress', { done: s.stepsDone, total: s.stepsTotal }),
  ]);
  return table(header, rows);
}

function stepTitle(step: ChecklistStep, w: Words): string {
  if (step.label) return step.label[w.lang];
  return w.t(`incident:step.${step.id}`, { target: formatPct(w.targetPct, w.lang, 0) });
}

function stepLine(step: ChecklistStep, w: Words): string {
  const { t, lang } = w;
  const r = step.record;
  const state = t(`cli:incident.step_state.${step.state}`);
  const parts = [state];
  if (r && step.state !== 'pending') parts.push(actor(t, r.by), when(r.at, lang));
  if (r?.reason) parts.push(t('cli:incident.reason', { reason: r.reason }));
  if (r?.detail) parts.push(r.detail);
  return `  ${t('cli:incident.step_line', { title: stepTitle(step, w), state: parts.join(' · ') })}`;
}

export function renderIncidentShow(d: IncidentDetail, w: Words): string {
  const { t, lang } = w;
  const i = d.incident;
  const lines = [
    t('cli:incident.show_title', { id: i.id, cluster: i.cluster }),
    `  ${t('cli:incident.show_state', { state: t(`cli:incident.state.${d.state}`), severity: i.severity ? t(`incident:severity.${i.severity}`) : '—' })}`,
    `  ${t('cli:incident.show_opened', {
      who: openedVia(i) === 'alert' ? t('cli:incident.by_alert') : actor(t, i.openedBy),
      when: when(i.openedAt, lang),
      channel: i.channel,
    })}`,
  ];
  if (i.permalink) lines.push(`  ${t('cli:incident.show_thread', { link: i.permalink })}`);
  if (i.closedAt)
    lines.push(
      `  ${t('cli:incident.show_closed', { who: actor(t, i.closedBy ?? ''), when: when(i.closedAt, lang) })}`,
      `  ${t('cli:incident.show_resolution', { resolution: i.resolution ?? '' })}`,
    );
  lines.push(
    '',
    t('cli:incident.steps_heading', { done: d.stepsDone, total: d.stepsTotal }),
    ...d.steps.map((s) => stepLine(s, w)),
    '',
    t('cli:incident.timeline_heading', { count: d.timeline.length }),
    ...d.timeline.map(
      (e) =>
        `  ${when(e.at, lang)} · ${timelineText(t, e, lang)}${typeof e.data?.rule === 'string' ? ` · ${e.data.rule}` : ''}${e.actor ? ` · ${actor(t, e.actor)}` : ''}`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
