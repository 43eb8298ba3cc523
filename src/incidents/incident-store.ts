import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';

/** A Slack thread that collects everything done about one cluster's incident. */
export interface Incident {
  id: string;
  cluster: string;
  channel: string;
  threadTs: string;
  openedBy: string;
  openedAt: string;
}

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
    await this.redis
      .multi()
      .hset(key, { ...incident })
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
    };
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
  private clusterIndexKey(cluster: string): string {
    return `${this.options.prefix}:incidents-by-cluster:${cluster}`;
  }
  private pointerKey(cluster: string, channel: string): string {
    return `${this.options.prefix}:incident-open:${cluster}:${channel}`;
  }
}

/** `20260212-1435-k3f9`: sortable, readable aloud on a call, and free of ':' (BullMQ job ids). */
export function newIncidentId(now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  return `${stamp}-${randomBytes(3).toString('hex').slice(0, 4)}`;
}
