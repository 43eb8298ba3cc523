import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';
import type { StepRecord } from './checklist/types.js';

/** How bad it was when opened: the alert level, or the memory reading against the thresholds. */
export type Severity = 'info' | 'warning' | 'critical' | 'emergency';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical', 'emergency'];

/** A Slack thread that collects everything done about one cluster's incident. */
export interface Incident {
  id: string;
  cluster: string;
  channel: string;
  threadTs: string;
  /** A Slack user id, or `monitor` when an alert opened it. */
  openedBy: string;
  openedAt: string;
  severity?: Severity;
  /** The checklist message in the thread (posted and pinned once). */
  checklistTs?: string;
  /** A link to the thread, for App Home and the dev team. */
  permalink?: string;
  closedBy?: string;
  closedAt?: string;
  /** The closer's words: what fixed it. */
  resolution?: string;
}

/** Who opened it: a person, or the bot's monitoring. */
export function openedVia(incident: Pick<Incident, 'openedBy'>): 'alert' | 'person' {
  return incident.openedBy === 'monitor' ? 'alert' : 'person';
}

/** Called after every timeline entry is stored (the checklist ticks steps from them). */
export type TimelineListener = (incident: Incident, entry: TimelineEntry) => Promise<void> | void;

/** A step move as the store answers it: whether it changed anything, and the checklist's version. */
export type StepMove = { changed: true; version: number } | { changed: false; current?: StepRecord };

export interface TimelineEntry {
  at: string;
  kind: string;
  actor?: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface IncidentStoreOptions {
  /** Key prefix on the queue Redis. */
  prefix: string;
  /** No activity for this long closes the incident; the next status opens a new thread. */
  idleHours: number;
  /** Records are kept this long after the last write, for the audit trail. @defaultValue 90 days */
  retentionDays?: number;
}

/** How long an opener may take to post the thread's first message (Slack retries included). */
const PENDING_TTL_SEC = 20;

/** Outcome of {@link IncidentStore.claim}: either we open the thread, or someone already has. */
export type Claim =
  | { kind: 'open'; incident: Incident }
  | { kind: 'new'; id: string; release: () => Promise<void> };

/**
 * Incidents live on the bot's own queue Redis. The open-incident pointer per (cluster, channel) is
 * claimed with SET NX first, so two people typing /redis-status at once get one thread, not two.
 */
export class IncidentStore {
  private readonly retentionSec: number;
  private readonly listeners: TimelineListener[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly options: IncidentStoreOptions,
  ) {
    this.retentionSec = Math.round((options.retentionDays ?? 90) * 86_400);
  }

  /** Finds the open incident, or reserves the right to open one (call {@link open} next). */
  async claim(cluster: string, channel: string, waitMs = PENDING_TTL_SEC * 1000): Promise<Claim> {
    const pointer = this.pointerKey(cluster, channel);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const id = newIncidentId();
      const won = await this.redis.set(pointer, `pending:${id}`, 'EX', PENDING_TTL_SEC, 'NX');
      if (won === 'OK') {
        return {
          kind: 'new',
          id,
          release: () => this.deleteIfEquals(pointer, `pending:${id}`),
        };
      }
      const current = await this.redis.get(pointer);
      if (current && !current.startsWith('pending:')) {
        const incident = await this.get(current);
        if (incident) return { kind: 'open', incident };
        await this.deleteIfEquals(pointer, current); // pointer to an expired record: start over
        continue;
      }
      if (current && Date.now() > deadline) {
        // The other opener died between claim and open: take over its claim, and only that one.
        await this.deleteIfEquals(pointer, current);
        continue;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The open incident for (cluster, channel), without claiming anything. */
  async findOpen(cluster: string, channel: string): Promise<Incident | undefined> {
    const current = await this.redis.get(this.pointerKey(cluster, channel));
    return current && !current.startsWith('pending:') ? this.get(current) : undefined;
  }

  async open(incident: Incident): Promise<void> {
    const key = this.incidentKey(incident.id);
    const fields = Object.fromEntries(Object.entries(incident).filter(([, v]) => v !== undefined));
    await this.redis
      .multi()
      .hset(key, fields)
      .expire(key, this.retentionSec)
      .set(this.pointerKey(incident.cluster, incident.channel), incident.id, 'EX', this.idleSec())
      .zadd(this.clusterIndexKey(incident.cluster), Date.parse(incident.openedAt) || Date.now(), incident.id)
      .expire(this.clusterIndexKey(incident.cluster), this.retentionSec)
      .exec();
    await this.append(incident.id, { at: incident.openedAt, kind: 'opened', actor: incident.openedBy });
  }

  /** The cluster's most recently opened incident (any channel), open or not, within retention. */
  async latest(cluster: string): Promise<Incident | undefined> {
    const ids = await this.redis.zrevrange(this.clusterIndexKey(cluster), 0, 9);
    for (const id of ids) {
      const incident = await this.get(id);
      if (incident) return incident;
    }
    return undefined;
  }

  /** The cluster's incidents within retention (open or not), newest first, at most `limit`. */
  async recent(cluster: string, limit: number): Promise<Incident[]> {
    const ids = await this.redis.zrevrange(this.clusterIndexKey(cluster), 0, Math.max(0, limit - 1));
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((i): i is Incident => i !== undefined);
  }

  /** Whether `incident` is still its channel's open one (not closed, not lapsed after the idle period). */
  async isOpen(incident: Incident): Promise<boolean> {
    if (incident.closedAt) return false;
    return (await this.redis.get(this.pointerKey(incident.cluster, incident.channel))) === incident.id;
  }

  async get(id: string): Promise<Incident | undefined> {
    const fields = await this.redis.hgetall(this.incidentKey(id));
    if (!fields.id || !fields.cluster || !fields.channel || !fields.threadTs) return undefined;
    return {
      id: fields.id,
      cluster: fields.cluster,
      channel: fields.channel,
      threadTs: fields.threadTs,
      openedBy: fields.openedBy ?? '',
      openedAt: fields.openedAt ?? '',
      ...(isSeverity(fields.severity) ? { severity: fields.severity } : {}),
      ...(fields.checklistTs && fields.checklistTs !== CLAIMED ? { checklistTs: fields.checklistTs } : {}),
      ...(fields.permalink ? { permalink: fields.permalink } : {}),
      ...(fields.closedBy ? { closedBy: fields.closedBy } : {}),
      ...(fields.closedAt ? { closedAt: fields.closedAt } : {}),
      ...(fields.resolution !== undefined && fields.closedAt ? { resolution: fields.resolution } : {}),
    };
  }

  /** Every entry appended from now on is also handed to `listener` (errors are the listener's). */
  onAppend(listener: TimelineListener): void {
    this.listeners.push(listener);
  }

  /** Reserves the right to post the checklist message: true for exactly one caller per incident. */
  async claimChecklist(id: string): Promise<boolean> {
    return (await this.redis.hsetnx(this.incidentKey(id), 'checklistTs', CLAIMED)) === 1;
  }

  /** Records the checklist message (or gives the claim back with `undefined` when posting failed). */
  async setChecklistTs(id: string, ts: string | undefined): Promise<void> {
    if (ts) await this.redis.hset(this.incidentKey(id), 'checklistTs', ts);
    else await this.redis.hdel(this.incidentKey(id), 'checklistTs');
  }

  /**
   * Raises the recorded severity to `severity` when that is worse (a worse reading later in the
   * incident counts; a better one never lowers it).
   */
  async raiseSeverity(id: string, severity: Severity): Promise<boolean> {
    const current = await this.redis.hget(this.incidentKey(id), 'severity');
    const rank = (s: string | null | undefined) => SEVERITIES.indexOf(s as Severity);
    if (rank(current) >= rank(severity)) return false;
    await this.redis.hset(this.incidentKey(id), 'severity', severity);
    return true;
  }

  /** The severity a memory reading means against the cluster's thresholds. */
  static severityOf(
    pct: number,
    thresholds: { warning: number; critical: number; emergency: number },
  ): Severity {
    if (pct >= thresholds.emergency) return 'emergency';
    if (pct >= thresholds.critical) return 'critical';
    if (pct >= thresholds.warning) return 'warning';
    return 'info';
  }

  async setPermalink(id: string, permalink: string): Promise<void> {
    await this.redis.hset(this.incidentKey(id), 'permalink', permalink);
  }

  /**
   * Closes the incident once (atomic: two people closing at once close it once) and frees its
   * channel for the next one. False when it was closed already or is gone.
   */
  async close(id: string, input: { by: string; at: string; resolution: string }): Promise<boolean> {
    const incident = await this.get(id);
    if (!incident) return false;
    const closed = await this.redis.eval(
      luaScript('incident-close'),
      3,
      this.incidentKey(id),
      this.pointerKey(incident.cluster, incident.channel),
      this.versionKey(id),
      id,
      input.by,
      input.at,
      input.resolution,
    );
    if (closed !== 1) return false;
    await this.append(id, { at: input.at, kind: 'closed', actor: input.by });
    return true;
  }

  /** The stored steps (pending ones are absent). */
  async steps(id: string): Promise<Map<string, StepRecord>> {
    const raw = await this.redis.hgetall(this.stepsKey(id));
    const out = new Map<string, StepRecord>();
    for (const [step, json] of Object.entries(raw)) {
      try {
        out.set(step, JSON.parse(json) as StepRecord);
      } catch {
        // a hand-edited field: the step reads as pending
      }
    }
    return out;
  }

  /** Moves one step (atomic; see checklist-step.lua for which moves are allowed). */
  async moveStep(id: string, step: string, record: StepRecord): Promise<StepMove> {
    const reply = (await this.redis.eval(
      luaScript('checklist-step'),
      2,
      this.stepsKey(id),
      this.versionKey(id),
      step,
      record.state,
      JSON.stringify(record),
      this.retentionSec,
    )) as [number, number | string];
    if (reply[0] === 1) return { changed: true, version: Number(reply[1]) };
    const previous = typeof reply[1] === 'string' && reply[1] !== '' ? reply[1] : undefined;
    return previous ? { changed: false, current: JSON.parse(previous) as StepRecord } : { changed: false };
  }

  /** Bumped by every step move and the close: what the checklist message was last drawn from. */
  async checklistVersion(id: string): Promise<number> {
    return Number((await this.redis.get(this.versionKey(id))) ?? 0);
  }

  /** Bumps the version without a step move (a timeline entry the message shows). */
  async touchChecklist(id: string): Promise<number> {
    const version = await this.redis.incr(this.versionKey(id));
    await this.redis.expire(this.versionKey(id), this.retentionSec);
    return version;
  }

  /** Keys of the checklist message's cross-replica update lock and last drawn version. */
  lockKey(id: string): string {
    return `${this.options.prefix}:incident:${id}:checklist-lock`;
  }
  renderedKey(id: string): string {
    return `${this.options.prefix}:incident:${id}:checklist-rendered`;
  }
  get connection(): Redis {
    return this.redis;
  }

  /** Adds to the timeline and keeps the incident open for another idle period. */
  async append(id: string, entry: TimelineEntry): Promise<void> {
    const incident = await this.get(id);
    const timeline = this.timelineKey(id);
    await this.redis
      .multi()
      .rpush(timeline, JSON.stringify(entry))
      .expire(timeline, this.retentionSec)
      .expire(this.incidentKey(id), this.retentionSec)
      .exec();
    if (incident) {
      // A listener's failure must not fail the action being recorded.
      for (const listener of this.listeners) await Promise.resolve(listener(incident, entry)).catch(() => {});
    }
    // Activity keeps the incident open, but only while it is still the channel's open one: a click
    // on an old thread's button must not pull the channel back to that thread.
    if (incident) {
      await this.redis.eval(
        luaScript('expire-if-equals'),
        1,
        this.pointerKey(incident.cluster, incident.channel),
        id,
        this.idleSec(),
      );
    }
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.timelineKey(id), 0, -1);
    return raw.map((line) => JSON.parse(line) as TimelineEntry);
  }

  /** Compare-and-delete in one step, so a slow caller never deletes a pointer someone else just set. */
  private async deleteIfEquals(key: string, value: string): Promise<void> {
    await this.redis.eval(luaScript('delete-if-equals'), 1, key, value);
  }

  private idleSec(): number {
    return Math.max(1, Math.round(this.options.idleHours * 3600));
  }
  private incidentKey(id: string): string {
    return `${this.options.prefix}:incident:${id}`;
  }
  private timelineKey(id: string): string {
    return `${this.options.prefix}:incident:${id}:timeline`;
  }
  private stepsKey(id: string): string {
    return `${this.options.prefix}:incident:${id}:steps`;
  }
  private versionKey(id: string): string {
    return `${this.options.prefix}:incident:${id}:checklist-version`;
  }
  private clusterIndexKey(cluster: string): string {
    return `${this.options.prefix}:incidents-by-cluster:${cluster}`;
  }
  private pointerKey(cluster: string, channel: string): string {
    return `${this.options.prefix}:incident-open:${cluster}:${channel}`;
  }
}

/** The checklist message is being posted by someone (its ts follows). */
const CLAIMED = 'claimed';

function isSeverity(value: string | undefined): value is Severity {
  return (SEVERITIES as readonly (string | undefined)[]).includes(value);
}

/** `20260212-1435-k3f9`: sortable, readable aloud on a call, and free of ':' (BullMQ job ids). */
export function newIncidentId(now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  return `${stamp}-${randomBytes(3).toString('hex').slice(0, 4)}`;
}
