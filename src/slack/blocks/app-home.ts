/**
 * The App Home tab: a header, then per cluster its memory %, verdict and a one-line trend, the
 * open incident with the checklist's progress and a link to its thread, what runs there, the
 * approvals waiting for the viewer, and the next reminder. Pure Block Kit (a home view holds 100
 * blocks: five per cluster leaves room for twenty clusters).
 */
import type { types } from '@slack/bolt';
import { sparkline } from '../../charts/sparkline.js';
import { formatDate, formatDateTime, formatInt, formatPct } from '../../i18n/format.js';
import { userMention } from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import { PLAN_RULE } from '../../incidents/approvals/plan-service.js';
import type { ClusterHome, RunningJob } from '../app-home/home-facts.js';

type KnownBlock = types.KnownBlock;
type HomeView = types.HomeView;

const MAX_BLOCKS = 100;

export function appHomeView(
  t: Translate,
  input: { lang: Lang; timeZone: string; now: Date; windowHours: number; clusters: ClusterHome[] },
): HomeView {
  const { lang } = input;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: t('incident:home.title') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: t('incident:home.updated', { time: formatDateTime(input.now, lang, input.timeZone) }),
        },
      ],
    },
  ];
  for (const c of input.clusters) {
    const lines: string[] = [];
    if (c.state === 'unreadable') lines.push(t('incident:home.unreadable', { cluster: c.cluster }));
    else if (!c.latest) lines.push(t('incident:home.no_data', { cluster: c.cluster }));
    else {
      lines.push(
        t('incident:home.cluster_line', {
          cluster: c.cluster,
          pct:
            c.latest.memoryPct === null
              ? t('status:memory.no_limit_short')
              : formatPct(c.latest.memoryPct, lang),
          verdict: c.verdict ? t(`status:verdict.${c.verdict}`) : '—',
        }),
      );
      if (c.trend.length > 1)
        lines.push(t('incident:home.trend', { hours: input.windowHours, spark: sparkline(c.trend) }));
    }
    if (c.incident) {
      const done = c.steps.filter((x) => x.state === 'done' || x.state === 'skipped').length;
      lines.push(
        t('incident:home.incident', {
          id: c.incident.id,
          severity: t(`incident:severity.${c.incident.severity ?? 'info'}`),
          done,
          total: c.steps.length,
          url:
            c.link ?? c.incident.permalink ?? `https://slack.com/app_redirect?channel=${c.incident.channel}`,
        }),
      );
    } else if (c.state !== 'unreadable') lines.push(t('incident:home.no_incident'));
    const running = [
      ...(c.watching && c.incident
        ? [t('incident:home.job_watch', { cluster: c.cluster, id: c.incident.id })]
        : []),
      ...c.runningJobs.flatMap((job) => jobLines(t, job, lang)),
    ];
    if (running.length > 0) lines.push(t('incident:home.jobs_heading'), ...running);
    if (c.approvals.length > 0) {
      lines.push(
        t('incident:home.approvals_heading'),
        ...c.approvals.map((a) =>
          // A whole plan's request names no one rule: it says it is the plan.
          t(a.rule === PLAN_RULE ? 'incident:home.approval_plan_line' : 'incident:home.approval_line', {
            cluster: a.cluster,
            rule: a.rule,
            who: userMention(a.requester),
            keys: formatInt(a.toChange, lang),
          }),
        ),
      );
    }
    if (c.nextReminderAt)
      lines.push(
        t('incident:home.next_reminder', {
          what: t('incident:step.watch_two_weeks'),
          date: formatDate(new Date(c.nextReminderAt), lang, input.timeZone),
        }),
      );
    if (blocks.length + 2 > MAX_BLOCKS) break;
    blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } });
  }
  return { type: 'home', blocks };
}

const SHOWN_STATUS = new Set(['queued', 'running', 'paused', 'cancelling']);

/** A TTL run: keys walked (of the keyspace, when its size is known) and changed; a plan's rules below it. */
function jobLines(t: Translate, job: RunningJob, lang: Lang): string[] {
  const what =
    job.rules.length > 0 ? t('incident:home.job_plan') : t('incident:home.job_rule', { rule: job.rule });
  const status = t(`incident:home.job_status.${SHOWN_STATUS.has(job.status ?? '') ? job.status : 'running'}`);
  const n = (v: number) => formatInt(v, lang);
  const head = !job.figures
    ? t('incident:home.job_unread', { what, status })
    : job.total > 0
      ? t('incident:home.job_progress', {
          what,
          status,
          walked: n(Math.round(job.fraction * job.total)),
          total: n(job.total),
          pct: formatPct(job.fraction * 100, lang),
          changed: n(job.changed),
        })
      : t('incident:home.job_progress_matched', {
          what,
          status,
          scanned: n(job.scanned),
          changed: n(job.changed),
        });
  return [
    head,
    ...job.rules.map((r) =>
      t('incident:home.job_plan_rule', { rule: r.name, scanned: n(r.scanned), changed: n(r.changed) }),
    ),
  ];
}
