import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';

/**
 * pending → approving (one approver claimed it, the re-count runs) → approved (job enqueued);
 * pending → rejected | expired | stale; approving → recount_mismatch | failed, or back to pending
 * when the re-count could not run at all. Every state but pending and approving is final.
 */
export type ApprovalState =
  | 'pending'
  | 'approving'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'stale'
  | 'recount_mismatch'
  | 'failed';

const STATES: readonly ApprovalState[] = [
  'pending',
  'approving',
  'approved',
  'rejected',
  'expired',
  'stale',
  'recount_mismatch',
  'failed',
];

/** One request to apply one dry-run, stored on the queue Redis; buttons carry only its id. */
export interface ApprovalRequest {
  id: string;
  dryRunId: string;
  cluster: string;
  rule: string;
  requester: string;
  /** ISO times. */
  createdAt: string;
  expiresAt: string;
  state: ApprovalState;
  incidentId: string;
  channel: string;
  threadTs: string;
  /** The message with the Approve / Reject buttons: a click on any other message is refused. */
  messageTs: string;
  /** The dry-run's figures, as the approver saw them. */
  toChange: number;
  matched: number;
  decidedBy?: string;
  decidedAt?: string;
  runId?: string;
  /** The figure the approval-time re-count found. */
  recounted?: number;
}

export type NewApprovalRequest = Omit<ApprovalRequest, 'id' | 'state' | 'messageTs'>;

export type TransitionResult =
  | { ok: true; request: ApprovalRequest }
  | { ok: false; state: ApprovalState | undefined };

export interface ApprovalStoreOptions {
  prefix: string;
  /** Requests are kept this long for the record (the audit log keeps the history). @defaultValue 30 */
  retentionDays?: number;
}

/**
 * Compare-and-set on the state field in one server-side step: of two approvers clicking at once (or
 * one clicking twice) exactly one moves the request on; the other sees the state it found.
 */
const TRANSITION = luaScript('approval-transition');

/** Approval requests on the bot's queue Redis (never on a Redis the bot remediates). */
export class ApprovalStore {
  private readonly retentionSec: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: ApprovalStoreOptions,
  ) {
    this.retentionSec = Math.round((options.retentionDays ?? 30) * 86_400);
  }

  /**
   * Stores a new pending request, unless this dry-run already has one that is pending, being
   * approved, or approved: then that one comes back with `created: false`.
   */
  async create(input: NewApprovalRequest): Promise<{ created: boolean; request: ApprovalRequest }> {
    const pointer = this.byDryRunKey(input.dryRunId);
    const existingId = await this.redis.get(pointer);
    if (existingId) {
      const existing = await this.get(existingId);
      if (existing && ['pending', 'approving', 'approved'].includes(existing.state)) {
        return { created: false, request: existing };
      }
    }
    const request: ApprovalRequest = { ...input, id: newRequestId(), state: 'pending', messageTs: '' };
    const key = this.key(request.id);
    // The record first, then the pointer: whoever reads the pointer finds a complete request.
    await this.redis.multi().hset(key, toHash(request)).expire(key, this.retentionSec).exec();
    const won = await this.redis.eval(
      // The pointer moves only if nobody else replaced it meanwhile (two clicks on Request approval).
      luaScript('pointer-swap'),
      1,
      pointer,
      existingId ?? '',
      request.id,
      this.retentionSec,
    );
    if (won !== 1) {
      await this.redis.del(key);
      const winner = await this.redis.get(pointer);
      const other = winner ? await this.get(winner) : undefined;
      if (other) return { created: false, request: other };
      throw new Error('approval request raced and lost');
    }
    return { created: true, request };
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!isRequestId(id)) return undefined;
    return fromHash(await this.redis.hgetall(this.key(id)));
  }

  /** Binds the request to the message that shows its buttons (set once, right after posting). */
  async attachMessage(
    id: string,
    where: Pick<ApprovalRequest, 'messageTs' | 'threadTs' | 'incidentId'>,
  ): Promise<ApprovalRequest | undefined> {
    if (!isRequestId(id)) return undefined;
    await this.redis.hset(this.key(id), { ...where });
    return this.get(id);
  }

  /** Moves the request from one of `from` to `to` atomically, setting `fields` in the same step. */
  async transition(
    id: string,
    from: readonly ApprovalState[],
    to: ApprovalState,
    fields: Partial<Pick<ApprovalRequest, 'decidedBy' | 'decidedAt' | 'runId' | 'recounted'>> = {},
  ): Promise<TransitionResult> {
    if (!isRequestId(id)) return { ok: false, state: undefined };
    const args: string[] = [];
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) args.push(k, String(v));
    const result = String(await this.redis.eval(TRANSITION, 1, this.key(id), from.join(','), to, ...args));
    if (result !== 'OK') return { ok: false, state: toState(result) };
    const request = await this.get(id);
    return request ? { ok: true, request } : { ok: false, state: undefined };
  }

  /** A short lock (one dry-run of a rule at a time per cluster); false when someone holds it. */
  async lock(name: string, ttlSec: number): Promise<boolean> {
    return (await this.redis.set(this.lockKey(name), '1', 'EX', ttlSec, 'NX')) === 'OK';
  }

  async unlock(name: string): Promise<void> {
    await this.redis.del(this.lockKey(name));
  }

  private key(id: string): string {
    return `${this.options.prefix}:approval:${id}`;
  }
  private byDryRunKey(dryRunId: string): string {
    return `${this.options.prefix}:approval-for:${dryRunId}`;
  }
  private lockKey(name: string): string {
    return `${this.options.prefix}:approval-lock:${name}`;
  }
}

/** `apr-` and 16 hex digits: unguessable, and safe in keys and job ids. */
export function newRequestId(): string {
  return `apr-${randomBytes(8).toString('hex')}`;
}

export function isRequestId(id: string): boolean {
  return /^apr-[0-9a-f]{16}$/.test(id);
}

function toHash(r: ApprovalRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = String(v);
  return out;
}

function fromHash(h: Record<string, string>): ApprovalRequest | undefined {
  const state = toState(h.state ?? '');
  if (!h.id || !state || !h.dryRunId || !h.cluster || !h.requester || !h.expiresAt) return undefined;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const request: ApprovalRequest = {
    id: h.id,
    dryRunId: h.dryRunId,
    cluster: h.cluster,
    rule: h.rule ?? '',
    requester: h.requester,
    createdAt: h.createdAt ?? '',
    expiresAt: h.expiresAt,
    state,
    incidentId: h.incidentId ?? '',
    channel: h.channel ?? '',
    threadTs: h.threadTs ?? '',
    messageTs: h.messageTs ?? '',
    toChange: num(h.toChange) ?? 0,
    matched: num(h.matched) ?? 0,
  };
  if (h.decidedBy) request.decidedBy = h.decidedBy;
  if (h.decidedAt) request.decidedAt = h.decidedAt;
  if (h.runId) request.runId = h.runId;
  const recounted = num(h.recounted);
  if (recounted !== undefined) request.recounted = recounted;
  return request;
}

function toState(value: string): ApprovalState | undefined {
  return (STATES as readonly string[]).includes(value) ? (value as ApprovalState) : undefined;
}
