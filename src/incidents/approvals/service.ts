// The approval workflow: request, approve (with re-count) and reject a TTL fix, every step and refusal audited.
import type { Approvers } from '../../config/types.js';
import { truncate } from '../../i18n/mrkdwn.js';
import type { Lang } from '../../i18n/types.js';
import { redact } from '../../redis/errors.js';
import type { DryRun } from '../../remediation/types.js';
import type { ApprovalRequest, ApprovalStore } from '../approval-store.js';
import type { AuditInput, AuditLog } from '../audit-log.js';
import { decideAndClaim, decideAndReject } from './decide-and-claim.js';
import {
  type ApprovalPolicy,
  type ClickOrigin,
  checkRecount,
  dryRunFresh,
  type GroupMembers,
  type RefusalReason,
} from './policy.js';
import { type DryRunSource, runIdFor, type TtlRunQueue } from './ports.js';

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
    const found = await this.deps.store.get(input.requestId);
    const shown = found ? await this.deps.dryRuns.get(found.dryRunId) : undefined;
    const claim = await decideAndClaim(
      { ...this.deps, now: this.now },
      input,
      { request: found, subject: shown, subjectAt: shown?.at },
      (request, _dryRun, requestId) => ({
        ...where(input, 'ttl_approve'),
        ...this.context(request),
        requestId,
      }),
    );
    if (!claim.ok)
      return { ok: false, reason: claim.reason, ...(claim.request ? { request: claim.request } : {}) };
    const { request, subject: dryRun } = claim;
    await input.onClaimed?.(claim.claimed).catch(() => {});
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
    const found = await this.deps.store.get(input.requestId);
    const decided = await decideAndReject(
      { ...this.deps, now: this.now },
      input,
      found,
      (request, requestId) => ({
        ...where(input, 'ttl_reject'),
        ...this.context(request),
        requestId,
      }),
    );
    if (!decided.ok) return decided;
    const { request, rejected } = decided;
    await this.deps.audit.append({
      actor: input.user,
      action: 'rejected',
      ...this.context(request),
      requestId: request.id,
      counts: { toChange: request.toChange, matched: request.matched },
    });
    return { ok: true, request: rejected };
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
