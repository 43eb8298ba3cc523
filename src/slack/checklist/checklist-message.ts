/**
 * The checklist message of an incident thread: posted (and pinned) once when the incident opens,
 * then redrawn in place with chat.update whenever a step moves. Redraws are serialized across
 * replicas by a short lock on the queue Redis and a version counter: whoever moves a step bumps the
 * version, then tries the lock; whoever holds it draws the newest version it can read and, after
 * releasing, looks again. So two replicas ticking at once never leave an older drawing on top.
 */
import { randomBytes } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { channelLang, channelTimeZone } from '../../config/load.js';
import type { MedicConfig } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import type { I18n } from '../../i18n/index.js';
import type { ChecklistService } from '../../incidents/checklist/service.js';
import {
  type Incident,
  IncidentStore,
  SEVERITIES,
  type TimelineEntry,
} from '../../incidents/incident-store.js';
import { luaScript } from '../../keyspace/lua.js';
import type { Logger } from '../../observability/logger.js';
import { checklistMessage } from '../blocks/checklist.js';
import { slackErrorCode } from '../status-flow.js';

type WebClient = webApi.WebClient;

/** Longer than a chat.update that waits out a 429: a stuck holder frees it by itself. */
const LOCK_MS = 60_000;
/** Passes one holder makes before leaving the rest to the next change. */
const MAX_PASSES = 10;

export interface ChecklistMessageDeps {
  client: WebClient;
  incidents: IncidentStore;
  checklist: ChecklistService;
  config: MedicConfig;
  i18n: I18n;
  logger: Logger;
}

export class ChecklistMessages {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deps: ChecklistMessageDeps) {}

  /** Posts the checklist of every newly opened incident, keeps severity, redraws on every change. */
  follow(): void {
    this.deps.incidents.onAppend((incident, entry) => this.onTimeline(incident, entry));
    this.deps.checklist.onChange((id) => {
      this.track(this.redraw(id));
    });
  }

  /** Resolves when every post / redraw started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The message language: the channel's configured one, else English (it is everyone's message). */
  lang(channel: string) {
    return channelLang(this.deps.config, channel) ?? 'en';
  }

  /** Posts and pins the checklist in the incident's thread, once per incident (claimed first). */
  async post(incident: Incident): Promise<void> {
    const { incidents, client, logger } = this.deps;
    if (!(await incidents.claimChecklist(incident.id))) return;
    let ts: string | undefined;
    const version = await incidents.checklistVersion(incident.id);
    try {
      const posted = await client.chat.postMessage({
        channel: incident.channel,
        thread_ts: incident.threadTs,
        ...(await this.render(incident.id)),
      });
      ts = posted.ts;
    } catch (err) {
      logger.warn({ code: slackErrorCode(err), incident: incident.id }, 'checklist post failed');
    }
    await incidents.setChecklistTs(incident.id, ts);
    if (!ts) return;
    await incidents.connection.set(incidents.renderedKey(incident.id), String(version), 'EX', 90 * 86_400);
    await client.pins.add({ channel: incident.channel, timestamp: ts }).catch((err: unknown) => {
      logger.warn({ code: slackErrorCode(err), incident: incident.id }, 'checklist pin failed');
    });
    // Steps may have moved while the message was being posted: draw what they are now.
    await this.redraw(incident.id);
  }

  /** Redraws the checklist in place until the drawing is at least as new as the stored steps. */
  async redraw(incidentId: string): Promise<void> {
    const { incidents } = this.deps;
    const redis = incidents.connection;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const token = randomBytes(8).toString('hex');
      const locked = await redis.set(incidents.lockKey(incidentId), token, 'PX', LOCK_MS, 'NX');
      // Someone else is drawing: they look at the version again after they release.
      if (locked !== 'OK') return;
      let drewOrNothingToDo = true;
      try {
        drewOrNothingToDo = await this.drawOnce(incidentId);
      } finally {
        await redis
          .eval(luaScript('delete-if-equals'), 1, incidents.lockKey(incidentId), token)
          .catch(() => {});
      }
      if (!drewOrNothingToDo) return;
      const [version, rendered] = await Promise.all([
        incidents.checklistVersion(incidentId),
        redis.get(incidents.renderedKey(incidentId)),
      ]);
      if (version <= Number(rendered ?? 0)) return;
    }
  }

  /** One drawing under the lock; false when there is no message to draw into (or Slack failed). */
  private async drawOnce(incidentId: string): Promise<boolean> {
    const { incidents, client, logger } = this.deps;
    const redis = incidents.connection;
    // The version first: whatever moves after this read bumps it past what we draw.
    const version = await incidents.checklistVersion(incidentId);
    const rendered = Number((await redis.get(incidents.renderedKey(incidentId))) ?? 0);
    if (version <= rendered) return true;
    const incident = await incidents.get(incidentId);
    if (!incident?.checklistTs) return false;
    try {
      await client.chat.update({
        channel: incident.channel,
        ts: incident.checklistTs,
        ...(await this.render(incidentId, incident)),
      });
    } catch (err) {
      logger.warn({ code: slackErrorCode(err), incident: incidentId }, 'checklist update failed');
      return false;
    }
    await redis.set(incidents.renderedKey(incidentId), String(version), 'EX', 90 * 86_400);
    return true;
  }

  async render(incidentId: string, known?: Incident) {
    const incident = known ?? (await this.deps.incidents.get(incidentId));
    if (!incident) throw new Error(`incident ${incidentId} is gone`);
    const lang = this.lang(incident.channel);
    return checklistMessage(this.deps.i18n.slack(lang), {
      incident,
      steps: await this.deps.checklist.steps(incidentId),
      lang,
      timeZone: channelTimeZone(this.deps.config, incident.channel),
      targetPct: this.deps.config.watch.targetPct,
    });
  }

  private async onTimeline(incident: Incident, entry: TimelineEntry): Promise<void> {
    if (entry.kind === 'opened') {
      this.track(this.post(incident));
      return;
    }
    const pct = entry.data?.memoryPct;
    if (typeof pct !== 'number' || !(entry.kind === 'status' || entry.kind.startsWith('alert_'))) return;
    const cluster = this.deps.config.clusters.find((c) => c.name === incident.cluster);
    if (!cluster) return;
    const severity = IncidentStore.severityOf(pct, cluster.thresholds);
    // The record was just read by the append: most readings change nothing, and cost no call.
    if (SEVERITIES.indexOf(incident.severity ?? 'info') >= SEVERITIES.indexOf(severity)) return;
    if (await this.deps.incidents.raiseSeverity(incident.id, severity).catch(() => false)) {
      await this.deps.incidents.touchChecklist(incident.id).catch(() => 0);
      this.deps.checklist.changed(incident.id);
    }
  }

  private track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) =>
      this.deps.logger.warn({ err: errorMessage(err) }, 'checklist message failed'),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
