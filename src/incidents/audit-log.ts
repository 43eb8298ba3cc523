import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { truncate } from '../i18n/mrkdwn.js';
import { redact } from '../redis/errors.js';

/** Everything the audit log records: the TTL workflow from dry-run to the run's end, and stopped jobs. */
export const AUDIT_ACTIONS = [
  'dry_run',
  'approval_requested',
  'approved',
  'rejected',
  'refused',
  'run_started',
  'run_paused',
  'run_resumed',
  'run_cancelled',
  'run_finished',
  'run_failed',
  'notify_sent',
  'watch_cancelled',
  'census_cancelled',
  'run_scheduled',
  'run_now_override',
  'incident_opened',
  'incident_closed',
  'step_skipped',
  // Approve-gated cluster changes (scale, eviction policy): the call made, and how it ended.
  'change_applied',
  'change_finished',
  'change_failed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a caller records. Ids and counts only: no URLs, passwords, key values or free text from Redis. */
export interface AuditInput {
  /** Slack user id (`U…`), or `cli:<user>` for the terminal. */
  actor: string;
  action: AuditAction;
  cluster: string;
  rule?: string;
  /** Keys matched / to change / changed …: whatever figures the action has. */
  counts?: Record<string, number>;
  /** Refusal reason (`not_approver` …) or a short failure code. */
  reason?: string;
  incidentId?: string;
  requestId?: string;
  dryRunId?: string;
  runId?: string;
  /** Where: the channel an incident message went to (notify_sent), or a button was clicked in. */
  channel?: string;
  /** What was clicked, for a button: `watch_cancel`, `census_cancel`, `ttl_run_pause` … */
  control?: string;
  /** Where it happened. @defaultValue 'slack' */
  via?: 'slack' | 'cli' | 'job';
}

export interface AuditEntry extends AuditInput {
  /** Stream id: orders the entries (Redis server time, then a sequence number). */
  id: string;
  /** ISO time from the stream id. */
  at: string;
}

export interface AuditListOptions {
  cluster?: string;
  /** @defaultValue 50 */
  limit?: number;
  /** Only entries at or after this time. */
  since?: Date;
}

export interface AuditLogOptions {
  /** Key prefix on the queue Redis: the stream is `<prefix>:audit`. */
  prefix: string;
  logger?: Logger;
  /** Approximate bound on the stream (XADD MAXLEN ~). @defaultValue 100000 */
  maxLen?: number;
}

const TEXT_MAX = 200;
/** Optional one-line fields, stored and read back as they are. */
const OPTIONAL_FIELDS = [
  'rule',
  'reason',
  'incidentId',
  'requestId',
  'dryRunId',
  'runId',
  'channel',
  'control',
] as const;
const STRING_FIELDS = ['actor', 'cluster', ...OPTIONAL_FIELDS] as const;

/**
 * Append-only audit trail on the bot's queue Redis: one Redis Stream entry per event (the stream id
 * orders them and dates them), and the same entry as a structured log line so a log pipeline keeps
 * a copy even when the stream is trimmed. Nothing in this class updates or deletes an entry.
 */
export class AuditLog {
  readonly key: string;
  private readonly maxLen: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: AuditLogOptions,
  ) {
    this.key = `${options.prefix}:audit`;
    this.maxLen = options.maxLen ?? 100_000;
  }

  /** Records one event. Throws when the stream can't be written (the log line is written anyway). */
  async append(input: AuditInput): Promise<AuditEntry> {
    const clean = sanitize(input);
    const fields: string[] = ['action', clean.action, 'via', clean.via ?? 'slack'];
    for (const name of STRING_FIELDS) {
      const value = clean[name];
      if (value !== undefined) fields.push(name, value);
    }
    if (clean.counts && Object.keys(clean.counts).length > 0)
      fields.push('counts', JSON.stringify(clean.counts));
    let id: string;
    try {
      id = String(await this.redis.xadd(this.key, 'MAXLEN', '~', String(this.maxLen), '*', ...fields));
    } catch (err) {
      this.options.logger?.error(
        { audit: { ...clean, at: new Date().toISOString() }, err: redact(errorMessage(err)) },
        'audit stream write failed',
      );
      throw err;
    }
    const entry: AuditEntry = { ...clean, via: clean.via ?? 'slack', id, at: timeOf(id) };
    this.options.logger?.info({ audit: entry }, `audit ${entry.action}`);
    return entry;
  }

  /** The most recent entries, newest first, optionally for one cluster and since a time. */
  async list(options: AuditListOptions = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000));
    const start = options.since ? `${options.since.getTime()}-0` : '-';
    const out: AuditEntry[] = [];
    let end = '+';
    let walked = 0;
    const batch = options.cluster ? 500 : limit;
    // Filtering by cluster walks back in pages; the stream is bounded, so the walk is too.
    while (out.length < limit && walked <= this.maxLen * 2) {
      const page = await this.redis.xrevrange(this.key, end, start, 'COUNT', batch);
      if (page.length === 0) break;
      walked += page.length;
      for (const [id, raw] of page) {
        const entry = parseEntry(id, raw);
        if (!entry) continue;
        if (options.cluster && entry.cluster !== options.cluster) continue;
        out.push(entry);
        if (out.length >= limit) break;
      }
      const last = page[page.length - 1];
      if (!last || page.length < batch) break;
      end = `(${last[0]}`;
    }
    return out;
  }
}

function sanitize(input: AuditInput): AuditInput {
  const out: AuditInput = {
    actor: text(input.actor) || 'unknown',
    action: input.action,
    cluster: text(input.cluster),
  };
  for (const name of OPTIONAL_FIELDS) {
    const value = input[name];
    if (value !== undefined && value !== '') out[name] = text(value);
  }
  if (input.via) out.via = input.via;
  if (input.counts) {
    const counts: Record<string, number> = {};
    for (const [k, v] of Object.entries(input.counts).slice(0, 20)) {
      if (Number.isFinite(v)) counts[truncate(text(k), 40)] = v;
    }
    out.counts = counts;
  }
  return out;
}

/** Bounded, one line, and never a credential (a Redis URL with a password is cut down). */
function text(value: string): string {
  return truncate(redact(value).replace(/[\r\n\t]+/g, ' '), TEXT_MAX);
}

function parseEntry(id: string, raw: string[]): AuditEntry | undefined {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i] ?? '', raw[i + 1] ?? '');
  const action = fields.get('action');
  if (!action || !(AUDIT_ACTIONS as readonly string[]).includes(action)) return undefined;
  const via = fields.get('via');
  const entry: AuditEntry = {
    id,
    at: timeOf(id),
    actor: fields.get('actor') ?? 'unknown',
    action: action as AuditAction,
    cluster: fields.get('cluster') ?? '',
    via: via === 'cli' || via === 'job' ? via : 'slack',
  };
  for (const name of OPTIONAL_FIELDS) {
    const value = fields.get(name);
    if (value !== undefined) entry[name] = value;
  }
  const counts = fields.get('counts');
  if (counts) {
    try {
      const parsed = JSON.parse(counts) as unknown;
      if (parsed && typeof parsed === 'object') {
        entry.counts = Object.fromEntries(
          Object.entries(parsed as Record<string, unknown>).filter(
            (kv): kv is [string, number] => typeof kv[1] === 'number',
          ),
        );
      }
    } catch {
      // a hand-written entry with a broken counts field still lists, without counts
    }
  }
  return entry;
}

function timeOf(streamId: string): string {
  const ms = Number(streamId.split('-')[0]);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}
