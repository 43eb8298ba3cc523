/**
 * Closing an incident from Slack: close it once (atomic), audit it, redraw and unpin its checklist,
 * price the scales that finished during it (node catalog), then post the closing report in the thread (the thread's language) and, when
 * `slack.devTeamChannel` is set, to the dev team in English and in Chinese.
 */
import type { webApi } from '@slack/bolt';
import { loadNodeCatalog, type NodeCatalog } from '../../capacity/node-catalog.js';
import { channelLang, channelTimeZone } from '../../config/load.js';
import { errorMessage } from '../../errors.js';
import type { Lang } from '../../i18n/types.js';
import type { ChecklistService } from '../../incidents/checklist/service.js';
import { SCALE_FINISHED } from '../../incidents/checklist/timeline-steps.js';
import type { Incident, TimelineEntry } from '../../incidents/incident-store.js';
import type { MonitoringSample } from '../../monitoring/sample.js';
import {
  type ClosingFacts,
  closingReport,
  memoryOfTimeline,
  type ScaleFact,
  scalesOfTimeline,
} from '../../presenters/closing-report.js';
import { redact } from '../../redis/errors.js';
import { docsToMessages } from '../blocks/message-doc-blocks.js';
import type { SlackServices } from '../services.js';
import { slackErrorCode } from '../status-flow.js';

type WebClient = webApi.WebClient;

/** The newest sample is read for "memory now"; a slow queue Redis must not hold the report. */
const HISTORY_WAIT_MS = 1_500;

export type CloseOutcome = 'closed' | 'closed_already';

export async function closeIncident(
  s: SlackServices & { checklist: ChecklistService },
  client: WebClient,
  input: { incident: Incident; by: string; resolution: string; lang: Lang; now?: Date },
): Promise<CloseOutcome> {
  const { incident, by } = input;
  const at = (input.now ?? new Date()).toISOString();
  if (!(await s.incidents.close(incident.id, { by, at, resolution: input.resolution })))
    return 'closed_already';
  await s.remediation.audit
    .append({
      actor: by,
      action: 'incident_closed',
      cluster: incident.cluster,
      incidentId: incident.id,
      channel: incident.channel,
    })
    .catch(() => {});
  s.checklist.changed(incident.id);
  const closed = (await s.incidents.get(incident.id)) ?? {
    ...incident,
    closedBy: by,
    closedAt: at,
    resolution: input.resolution,
  };
  if (closed.checklistTs) {
    // A closed incident's checklist stays in the thread but leaves the channel's pins.
    await client.pins
      .remove({ channel: closed.channel, timestamp: closed.checklistTs })
      .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'checklist unpin failed'));
  }
  const facts = await closingFacts(s, closed);
  const threadLang = channelLang(s.config, closed.channel) ?? input.lang;
  const post = async (channel: string, lang: Lang, extra: { thread_ts?: string; intro?: boolean }) => {
    const doc = closingReport(facts, lang, s.i18n, {
      timeZone: channelTimeZone(s.config, channel),
      targetPct: s.config.watch.targetPct,
      ...(extra.intro ? { intro: true } : {}),
    });
    for (const m of docsToMessages([doc], () => s.i18n.slack(lang))) {
      await client.chat.postMessage({
        channel,
        ...(extra.thread_ts ? { thread_ts: extra.thread_ts } : {}),
        text: m.text,
        blocks: m.blocks,
        unfurl_links: false,
      });
    }
  };
  await post(closed.channel, threadLang, { thread_ts: closed.threadTs }).catch((err: unknown) =>
    s.logger.warn({ code: slackErrorCode(err), incident: closed.id }, 'closing report failed'),
  );
  const devTeam = s.config.slack.devTeamChannel;
  if (devTeam) {
    try {
      // One message per language, English first, like the incident message.
      for (const lang of ['en', 'zh'] as const) await post(devTeam, lang, { intro: true });
    } catch (err) {
      s.logger.warn(
        { code: slackErrorCode(err), incident: closed.id },
        'closing report to the dev team failed',
      );
    }
  }
  return 'closed';
}

async function closingFacts(
  s: SlackServices & { checklist: ChecklistService },
  incident: Incident,
): Promise<ClosingFacts> {
  const [steps, timeline] = await Promise.all([
    s.checklist.steps(incident.id),
    s.incidents.timeline(incident.id).catch((): TimelineEntry[] => []),
  ]);
  const memory = memoryOfTimeline(timeline);
  const [latest, atOpen] = await Promise.all([
    latestSample(s, incident.cluster),
    sampleAtOpen(s, incident.cluster, Date.parse(incident.openedAt)),
  ]);
  const now = latest?.memoryPct ?? undefined;
  const after = now ?? memory.last;
  // Used memory when it opened minus now, from the bot's own samples: what has been freed so far
  // (TTLs free memory as keys expire, not when they are set). Never negative: growth frees nothing.
  const freedBytes =
    atOpen?.usedMemory !== undefined && latest?.usedMemory !== undefined
      ? Math.max(0, atOpen.usedMemory - latest.usedMemory)
      : undefined;
  const peak = [memory.peak, now].filter((v): v is number => v !== undefined);
  const fixed = new Map<string, number>();
  for (const e of timeline) {
    if (e.kind !== 'ttl_run_finished' && e.kind !== 'ttl_run_cancelled') continue;
    const rule = e.data?.rule;
    const changed = e.data?.changed;
    if (typeof rule === 'string' && typeof changed === 'number')
      fixed.set(rule, (fixed.get(rule) ?? 0) + changed);
  }
  return {
    incident,
    steps,
    timeline,
    ...(memory.before !== undefined ? { before: memory.before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(peak.length > 0 ? { peak: Math.max(...peak) } : {}),
    fixedPerRule: [...fixed].map(([rule, changed]) => ({ rule, changed })),
    ...(freedBytes !== undefined ? { freedBytes } : {}),
    scales: scalesOf(s, timeline),
  };
}

/** The timeline's finished scales, priced from the node catalog; none: no catalog read at all. */
function scalesOf(s: SlackServices, timeline: readonly TimelineEntry[]): ScaleFact[] {
  if (!timeline.some((e) => e.kind === SCALE_FINISHED)) return [];
  let catalog: NodeCatalog | undefined;
  try {
    catalog = loadNodeCatalog(s.config.capacity?.nodeCatalog);
  } catch (err) {
    // A bad catalog costs the report its figures, never the report.
    s.logger.warn({ err: redact(errorMessage(err)) }, 'closing report: node catalog unread');
  }
  return scalesOfTimeline(timeline, catalog);
}

/** How far from the opening a sample still tells the memory at the opening. */
const OPEN_SAMPLE_MS = 15 * 60_000;

/** The sample nearest the opening (the last one before it, else the first after), within 15 min. */
async function sampleAtOpen(
  s: SlackServices,
  cluster: string,
  openedAt: number,
): Promise<MonitoringSample | undefined> {
  if (!s.history || !Number.isFinite(openedAt)) return undefined;
  const history = s.history;
  const samples = await timeBoxed(
    s,
    cluster,
    history.range(cluster, openedAt - OPEN_SAMPLE_MS, openedAt + OPEN_SAMPLE_MS),
  );
  if (!samples) return undefined;
  return samples.filter((x) => x.at <= openedAt).at(-1) ?? samples.find((x) => x.at > openedAt);
}

/** The newest sample of the last hour, or undefined (none, or the history did not answer in time). */
async function latestSample(s: SlackServices, cluster: string): Promise<MonitoringSample | undefined> {
  if (!s.history) return undefined;
  const now = Date.now();
  const samples = await timeBoxed(s, cluster, s.history.range(cluster, now - 3_600_000, now));
  return samples?.[samples.length - 1];
}

/** A history read within HISTORY_WAIT_MS: a slow queue Redis must not hold the report. */
async function timeBoxed<T>(s: SlackServices, cluster: string, read: Promise<T>): Promise<T | undefined> {
  try {
    return await Promise.race([
      read,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('history timeout')), HISTORY_WAIT_MS).unref(),
      ),
    ]);
  } catch (err) {
    s.logger.warn({ err: redact(errorMessage(err)), cluster }, 'closing report: history unread');
    return undefined;
  }
}
