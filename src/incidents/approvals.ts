import type { Approvers } from '../config/types.js';
import type { Lang } from '../i18n/types.js';
import { redact } from '../redis/errors.js';
import { withinTolerance } from '../remediation/dry-run.js';
import type { DryRun } from '../remediation/types.js';
import type { ApprovalRequest, ApprovalStore } from './approval-store.js';
import type { AuditInput, AuditLog } from './audit-log.js';

/**
 * Four-eyes approval of a TTL fix: who may approve (policy, pure functions), and the workflow that
 * applies it to requests stored on the queue Redis (`ApprovalService`). The front end renders the
 * outcomes; it never decides anything itself, and button values are only ever request ids.
 */

/** The `approvals:` config section. */
export interface ApprovalPolicy {
  expiresMinutes: number;
  dryRunMaxAgeMinutes: number;
  recountTolerancePct: number;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  expiresMinutes: 60,
  dryRunMaxAgeMinutes: 30,
  recountTolerancePct: 5,
};

export const REFUSAL_REASONS = [
  'not_approver',
  'self_approval',
  'expired',
  'stale_dry_run',
  'recount_mismatch',
  'already_decided',
  'unknown_request',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Decision = { ok: true } | { ok: false; reason: RefusalReason };

/** Members of a Slack user group (`S…`). Rejects when they can't be read. */
export type GroupMembers = (groupId: string) => Promise<readonly string[]>;

// ---------------------------------------------------------------------------------------------
// Policy: pure functions

/**
 * Listed by id, or a member of a listed group. A group whose members can't be read (Slack error,
 * timeout, missing scope) makes nobody an approver by that group: fail closed.
 */
export async function isApprover(
  user: string,
  approvers: Approvers | undefined,
  members: GroupMembers | undefined,
): Promise<boolean> {
  if (!approvers) return false;
  if (approvers.users.includes(user)) return true;
  if (!members) return false;
  for (const group of approvers.groups) {
    try {
      if ((await members(group)).includes(user)) return true;
    } catch {
      // fail closed: try the next group, never assume membership
    }
  }
  return false;
}

/** Where a click came from: it must be the request's own message, in its own channel. */
export interface ClickOrigin {
  channel: string;
  messageTs: string;
}

export interface ApprovalCheck {
  request: ApprovalRequest | undefined;
  origin: ClickOrigin;
  user: string;
  userIsApprover: boolean;
  now: number;
  policy: ApprovalPolicy;
  /** The dry-run's time; undefined when it is gone from the store. */
  dryRunAt: string | undefined;
}

/**
 * Every check an Approve click must pass before the re-count, in order: the request exists and the
 * click came from its message, the user is an approver and not the requester, nobody decided it
 * yet, it has not expired, and its dry-run is still fresh.
 */
export function decideApproval(c: ApprovalCheck): Decision {
  const { request } = c;
  if (!request || !sameOrigin(request, c.origin)) return refuse('unknown_request');
  if (!c.userIsApprover) return refuse('not_approver');
  // Four-eyes, always: no setting lets a requester approve their own run.
  if (c.user === request.requester) return refuse('self_approval');
  if (request.state !== 'pending') return refuse('already_decided');
  if (isExpired(request, c.now)) return refuse('expired');
  if (!c.dryRunAt || !dryRunFresh(c.dryRunAt, c.now, c.policy)) return refuse('stale_dry_run');
  return { ok: true };
}

/** Reject: an approver, or the requester withdrawing their own request, while it is still open. */
export function decideRejection(c: Omit<ApprovalCheck, 'dryRunAt' | 'policy'>): Decision {
  const { request } = c;
  if (!request || !sameOrigin(request, c.origin)) return refuse('unknown_request');
  if (!c.userIsApprover && c.user !== request.requester) return refuse('not_approver');
  if (request.state !== 'pending') return refuse('already_decided');
  if (isExpired(request, c.now)) return refuse('expired');
  return { ok: true };
}

export function isExpired(request: Pick<ApprovalRequest, 'expiresAt'>, now: number): boolean {
  const at = Date.parse(request.expiresAt);
  return !Number.isFinite(at) || now >= at;
}

/** A dry-run counts for `dryRunMaxAgeMinutes`; a time in the future (clock skew) is not fresh either. */
export function dryRunFresh(at: string, now: number, policy: ApprovalPolicy): boolean {
  const t = Date.parse(at);
  if (!Number.isFinite(t)) return false;
  const age = now - t;
  return age >= -60_000 && age <= policy.dryRunMaxAgeMinutes * 60_000;
}

/**
 * The re-count confirms the dry-run when the two are within `recountTolerancePct` of each other
 * (the remediation core's `withinTolerance`: relative to the larger figure; both 0 confirms).
 */
export function checkRecount(expected: number, actual: number, policy: ApprovalPolicy): Decision {
  return withinTolerance(expected, actual, policy.recountTolerancePct / 100)
    ? { ok: true }
    : refuse('recount_mismatch');
}

function sameOrigin(request: ApprovalRequest, origin: ClickOrigin): boolean {
  return (
    request.channel === origin.channel && request.messageTs !== '' && request.messageTs === origin.messageTs
  );
}

function refuse(reason: RefusalReason): Decision {
  return { ok: false, reason };
}

/**
 * Group members cached for `ttlMs` (a busy incident channel must not cost a Slack call per click),
 * each lookup bounded by `timeoutMs`. Failures are not cached and reject: `isApprover` fails closed.
 */
export function cachedGroupMembers(
  fetch: GroupMembers,
  options: { ttlMs?: number; timeoutMs?: number; now?: () => number } = {},
): GroupMembers {
  const ttlMs = options.ttlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { users: readonly string[]; at: number }>();
  const inFlight = new Map<string, Promise<readonly string[]>>();
  return async (group) => {
    const hit = cache.get(group);
    if (hit && now() - hit.at < ttlMs) return hit.users;
    const pending = inFlight.get(group);
    if (pending) return pending;
    const lookup = withTimeout(fetch(group), timeoutMs)
      .then((users) => {
        if (cache.size > 1_000) cache.clear();
        cache.set(group, { users, at: now() });
        return users;
      })
      .finally(() => inFlight.delete(group));
    inFlight.set(group, lookup);
    return lookup;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Ports: implemented by the remediation core (dry-runs) and the job layer (execution)

/** Stored dry-runs (queue Redis) and the quick re-count at approval time. */
export interface DryRunSource {
  get(id: string): Promise<DryRun | undefined>;
  /** How many keys the dry-run's rule would change right now (same meaning as `DryRun.toChange`). */
  recount(dryRun: DryRun): Promise<number>;
}

import { truncate } from '../i18n/mrkdwn.js';
import type { TtlRunRequest } from '../remediation/types.js';

export type { TtlRunRequest };

export interface TtlRunQueue {
  enqueue(run: TtlRunRequest): Promise<unknown>;
}

/** `ttl-<hex>` for `apr-<hex>`: one run per approval, and a valid BullMQ job id (no `:`). */
export function runIdFor(requestId: string): string {
  return `ttl-${requestId.replace(/^apr-/, '')}`;
}

// ---------------------------------------------------------------------------------------------
// The workflow

export interface ApprovalServiceDeps {
  store: ApprovalStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  dryRuns: DryRunSource;
  runs: TtlRunQueue;
  /** The cluster's approvers from the config; undefined for a cluster no longer configured. */
  approvers(cluster: string): Approvers | undefined;
  /** @defaultValue Date.now */
  now?: () => number;
}

export type RequestOutcome =
  | { ok: true; created: boolean; request: ApprovalRequest; dryRun: DryRun }
  | { ok: false; reason: 'unknown_request' | 'stale_dry_run' | 'wrong_channel'; dryRun?: DryRun };

export type ApproveOutcome =
  | { ok: true; request: ApprovalRequest; runId: string; recounted: number }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest; recounted?: number }
  | { ok: false; reason: 'error'; code: string; request?: ApprovalRequest };

export type RejectOutcome =
  | { ok: true; request: ApprovalRequest }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest };

export interface DecisionInput {
  requestId: string;
  user: string;
  origin: ClickOrigin;
  groupMembers?: GroupMembers;
}

export class ApprovalService {
  private readonly now: () => number;

  constructor(private readonly deps: ApprovalServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  get policy(): ApprovalPolicy {
    return this.deps.policy;
  }

  /** A dry-run was shown: the first audit entry of every fix. */
  async recordDryRun(dryRun: DryRun, actor: string, incidentId: string): Promise<void> {
    await this.deps.audit.append({
      actor,
      action: 'dry_run',
      cluster: dryRun.cluster,
      rule: dryRun.rule.name,
      counts: dryRunCounts(dryRun),
      incidentId,
      dryRunId: dryRun.id,
    });
  }

  /**
   * "Request approval" on a dry-run: anyone may ask. A dry-run that is gone or too old is refused
   * (ask for a fresh one); a second click returns the open request instead of a new one. `post`
   * shows the new request (its buttons carry the id) and says where: only a click on that very
   * message can decide it.
   */
  async request(input: {
    dryRunId: string;
    requester: string;
    channel: string;
    post: (
      request: ApprovalRequest,
      dryRun: DryRun,
    ) => Promise<{ incidentId: string; threadTs: string; messageTs: string }>;
  }): Promise<RequestOutcome> {
    const dryRun = /^[A-Za-z0-9_-]{1,80}$/.test(input.dryRunId)
      ? await this.deps.dryRuns.get(input.dryRunId)
      : undefined;
    const approvers = dryRun ? this.deps.approvers(dryRun.cluster) : undefined;
    if (!dryRun || !approvers) {
      await this.refusal(input.requester, 'unknown_request', {
        ...where({ origin: { channel: input.channel } }, 'ttl_request_approval'),
        cluster: dryRun?.cluster ?? '',
        ...(dryRun ? { rule: dryRun.rule.name, dryRunId: dryRun.id } : {}),
      });
      return { ok: false, reason: 'unknown_request', ...(dryRun ? { dryRun } : {}) };
    }
    if (dryRun.channel === undefined || dryRun.channel !== input.channel) {
      // Only the dry-run's own message carries the button: a click from elsewhere is stray or forged.
      await this.refusal(input.requester, 'wrong_channel', {
        ...where({ origin: { channel: input.channel } }, 'ttl_request_approval'),
        cluster: dryRun.cluster,
        rule: dryRun.rule.name,
        dryRunId: dryRun.id,
      });
      return { ok: false, reason: 'wrong_channel', dryRun };
    }
    const now = this.now();
    if (dryRun.complete === false || !dryRunFresh(dryRun.at, now, this.deps.policy)) {
      await this.refusal(input.requester, 'stale_dry_run', {
        ...where({ origin: { channel: input.channel } }, 'ttl_request_approval'),
        cluster: dryRun.cluster,
        rule: dryRun.rule.name,
        dryRunId: dryRun.id,
      });
      return { ok: false, reason: 'stale_dry_run', dryRun };
    }
    const { created, request } = await this.deps.store.create({
      dryRunId: dryRun.id,
      cluster: dryRun.cluster,
      rule: dryRun.rule.name,
      requester: input.requester,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.deps.policy.expiresMinutes * 60_000).toISOString(),
      incidentId: '',
      channel: input.channel,
      threadTs: '',
      toChange: dryRun.toChange,
      matched: dryRun.matched,
    });
    if (!created) return { ok: true, created, request, dryRun };
    let posted: { incidentId: string; threadTs: string; messageTs: string };
    try {
      posted = await input.post(request, dryRun);
    } catch (err) {
      // Nobody can see buttons that were never posted: close it, so a new click can ask again.
      await this.deps.store.transition(request.id, ['pending'], 'failed');
      throw err;
    }
    const attached = (await this.deps.store.attachMessage(request.id, posted)) ?? request;
    await this.deps.audit.append({
      actor: input.requester,
      action: 'approval_requested',
      cluster: dryRun.cluster,
      rule: dryRun.rule.name,
      counts: dryRunCounts(dryRun),
      ...(posted.incidentId ? { incidentId: posted.incidentId } : {}),
      requestId: request.id,
      dryRunId: dryRun.id,
    });
    return { ok: true, created, request: attached, dryRun };
  }

  /**
   * Approve: the policy checks, then one atomic claim (pending → approving: a double click or a
   * second approver gets `already_decided`), then the re-count against the target, then the
   * audit entry, then the job. Every refusal is audited; nothing is enqueued unless every step
   * passed.
   */
  async approve(
    input: DecisionInput & {
      lang: Lang;
      /** Called once this approver holds the request, before the (possibly long) re-count. */
      onClaimed?: (request: ApprovalRequest) => Promise<void>;
    },
  ): Promise<ApproveOutcome> {
    const request = await this.deps.store.get(input.requestId);
    const dryRun = request ? await this.deps.dryRuns.get(request.dryRunId) : undefined;
    const userIsApprover = request
      ? await isApprover(input.user, this.deps.approvers(request.cluster), input.groupMembers)
      : false;
    const now = this.now();
    const decision = decideApproval({
      request,
      origin: input.origin,
      user: input.user,
      userIsApprover,
      now,
      policy: this.deps.policy,
      dryRunAt: dryRun?.at,
    });
    if (!decision.ok || !request || !dryRun) {
      const reason = decision.ok ? 'stale_dry_run' : decision.reason;
      // Close what can never succeed, so the buttons stop offering it.
      const closed =
        reason === 'expired'
          ? await this.close(request, 'expired')
          : reason === 'stale_dry_run'
            ? await this.close(request, 'stale')
            : request;
      // A forged or misplaced click on a real request is filed under that request's cluster.
      await this.refusal(input.user, reason, {
        ...where(input, 'ttl_approve'),
        ...this.context(request),
        requestId: input.requestId,
      });
      return { ok: false, reason, ...(closed ? { request: closed } : {}) };
    }
    const decidedAt = new Date(now).toISOString();
    const claim = await this.deps.store.transition(request.id, ['pending'], 'approving', {
      decidedBy: input.user,
      decidedAt,
    });
    if (!claim.ok) {
      await this.refusal(input.user, 'already_decided', {
        ...where(input, 'ttl_approve'),
        ...this.context(request),
        requestId: request.id,
      });
      return { ok: false, reason: 'already_decided', request };
    }
    await input.onClaimed?.(claim.request).catch(() => {});
    let recounted: number;
    try {
      recounted = await this.deps.dryRuns.recount(dryRun);
    } catch (err) {
      // The target could not be read: nothing was decided, the request stays open for a retry.
      await this.deps.store.transition(request.id, ['approving'], 'pending');
      const code = errorCode(err);
      await this.refusal(input.user, 'recount_failed', {
        ...where(input, 'ttl_approve'),
        ...this.context(request),
        requestId: request.id,
      }).catch(() => {});
      return { ok: false, reason: 'error', code, request };
    }
    const recount = checkRecount(dryRun.toChange, recounted, this.deps.policy);
    if (!recount.ok) {
      const closed = await this.deps.store.transition(request.id, ['approving'], 'recount_mismatch', {
        recounted,
      });
      await this.refusal(input.user, 'recount_mismatch', {
        ...where(input, 'ttl_approve'),
        ...this.context(request),
        requestId: request.id,
        counts: { toChange: dryRun.toChange, recounted },
      });
      return {
        ok: false,
        reason: 'recount_mismatch',
        request: closed.ok ? closed.request : request,
        recounted,
      };
    }
    try {
      // Written before anything runs: no run without its approval on record.
      await this.deps.audit.append({
        actor: input.user,
        action: 'approved',
        ...this.context(request),
        requestId: request.id,
        counts: { ...dryRunCounts(dryRun), recounted },
      });
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'pending');
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
    try {
      const runId = runIdFor(request.id);
      await this.deps.runs.enqueue({
        runId,
        cluster: request.cluster,
        rule: dryRun.rule,
        dryRunId: dryRun.id,
        requestedBy: request.requester,
        approvedBy: input.user,
        incidentId: request.incidentId,
        channel: request.channel,
        threadTs: request.threadTs,
        lang: input.lang,
        expected: { matched: dryRun.matched, toChange: dryRun.toChange },
      });
      const done = await this.deps.store.transition(request.id, ['approving'], 'approved', {
        runId,
        recounted,
      });
      return { ok: true, request: done.ok ? done.request : request, runId, recounted };
    } catch (err) {
      const code = errorCode(err);
      await this.deps.store.transition(request.id, ['approving'], 'failed', { recounted });
      await this.deps.audit
        .append({
          actor: input.user,
          action: 'run_failed',
          ...this.context(request),
          requestId: request.id,
          reason: code,
        })
        .catch(() => {});
      return { ok: false, reason: 'error', code, request };
    }
  }

  /** Reject (an approver) or withdraw (the requester): closes the request; nothing runs. */
  async reject(input: DecisionInput): Promise<RejectOutcome> {
    const request = await this.deps.store.get(input.requestId);
    const userIsApprover = request
      ? await isApprover(input.user, this.deps.approvers(request.cluster), input.groupMembers)
      : false;
    const now = this.now();
    const decision = decideRejection({
      request,
      origin: input.origin,
      user: input.user,
      userIsApprover,
      now,
    });
    if (!decision.ok || !request) {
      const reason = decision.ok ? 'unknown_request' : decision.reason;
      const closed = reason === 'expired' ? await this.close(request, 'expired') : request;
      await this.refusal(input.user, reason, {
        ...where(input, 'ttl_reject'),
        ...this.context(request),
        requestId: input.requestId,
      });
      return { ok: false, reason, ...(closed ? { request: closed } : {}) };
    }
    const done = await this.deps.store.transition(request.id, ['pending'], 'rejected', {
      decidedBy: input.user,
      decidedAt: new Date(now).toISOString(),
    });
    if (!done.ok) {
      await this.refusal(input.user, 'already_decided', {
        ...where(input, 'ttl_reject'),
        ...this.context(request),
        requestId: request.id,
      });
      return { ok: false, reason: 'already_decided', request };
    }
    await this.deps.audit.append({
      actor: input.user,
      action: 'rejected',
      ...this.context(request),
      requestId: request.id,
      counts: { toChange: request.toChange, matched: request.matched },
    });
    return { ok: true, request: done.request };
  }

  private async close(
    request: ApprovalRequest | undefined,
    to: 'expired' | 'stale',
  ): Promise<ApprovalRequest | undefined> {
    if (!request) return undefined;
    const moved = await this.deps.store.transition(request.id, ['pending'], to);
    return moved.ok ? moved.request : request;
  }

  private context(
    request: ApprovalRequest | undefined,
  ): Pick<AuditInput, 'cluster' | 'rule' | 'incidentId' | 'dryRunId'> {
    if (!request) return { cluster: '' };
    return {
      cluster: request.cluster,
      rule: request.rule,
      ...(request.incidentId ? { incidentId: request.incidentId } : {}),
      dryRunId: request.dryRunId,
    };
  }

  /** A refusal is an audit entry too; losing it is logged by the audit log, never fatal here. */
  private async refusal(
    actor: string,
    reason: RefusalReason | 'recount_failed' | 'wrong_channel',
    context: Omit<AuditInput, 'actor' | 'action' | 'reason'>,
  ): Promise<void> {
    await this.deps.audit.append({ actor, action: 'refused', reason, ...context }).catch(() => {});
  }
}

/** Where a decision was clicked, and which button: every refusal of a click is audited with both. */
function where(
  input: { origin: Pick<ClickOrigin, 'channel'> },
  control: string,
): { channel?: string; control: string } {
  return { ...(input.origin.channel ? { channel: input.origin.channel } : {}), control };
}

export function dryRunCounts(dryRun: DryRun): Record<string, number> {
  return {
    matched: dryRun.matched,
    toChange: dryRun.toChange,
    keysWithoutTtl: dryRun.keysWithoutTtl,
    keysAboveCap: dryRun.keysAboveCap,
    bytesToFree: dryRun.bytesToFree,
  };
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return truncate(redact(typeof e.message === 'string' ? e.message : String(err)), 80);
}
