/**
 * The four-eyes approval of a cluster change, on the same path as a TTL fix: the same request
 * records and compare-and-set transitions (ApprovalStore), the same decisions (decideApproval /
 * decideRejection: origin message, approver, never the requester, expiry, freshness of what was
 * shown), the same audit log. What differs: the "dry-run" is the change plan, and the approval-time
 * check re-reads the cluster and rebuilds the plan instead of re-counting keys.
 */
import type { Approvers } from '../config/types.js';
import type { ApprovalRequest, ApprovalStore } from '../incidents/approval-store.js';
import {
  type ApprovalPolicy,
  type ClickOrigin,
  decideAndClaim,
  decideAndReject,
  dryRunFresh,
  type GroupMembers,
  type RefusalReason,
} from '../incidents/approvals.js';
import type { AuditInput, AuditLog } from '../incidents/audit-log.js';
import type { ChangePlanStore } from './plan-store.js';
import type { ChangePlan, ChangeRefusal } from './types.js';

/** What the job layer gets once a change is approved. */
export interface ChangeRun {
  runId: string;
  requestId: string;
  plan: ChangePlan;
  approvedBy: string;
  incidentId: string;
  channel: string;
  threadTs: string;
  lang: string;
}

export interface ChangeApprovalDeps {
  store: ApprovalStore;
  audit: AuditLog;
  plans: ChangePlanStore;
  policy: ApprovalPolicy;
  approvers(cluster: string): Approvers | undefined;
  /** Reads the cluster again and rebuilds the plan: a refusal, or the plan as it would be now. */
  recheck(plan: ChangePlan): Promise<{ ok: true; plan: ChangePlan } | { ok: false; refusal: ChangeRefusal }>;
  enqueue(run: ChangeRun): Promise<unknown>;
  now?: () => number;
}

export type ChangeApproveOutcome =
  | { ok: true; request: ApprovalRequest; plan: ChangePlan; runId: string }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest; plan?: ChangePlan }
  | { ok: false; reason: 'changed'; refusal: ChangeRefusal; request: ApprovalRequest; plan: ChangePlan }
  | { ok: false; reason: 'error'; code: string; request?: ApprovalRequest };

export type ChangeRejectOutcome =
  | { ok: true; request: ApprovalRequest; plan: ChangePlan | undefined }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest };

/** `chg-<hex>` job id for `apr-<hex>`: one run per approval, a valid BullMQ job id (no `:`). */
export function changeRunIdFor(requestId: string): string {
  return `chgrun-${requestId.replace(/^apr-/, '')}`;
}

/** The audit `rule` field of a change: what it does, in one short line. */
export function changeLabel(plan: ChangePlan): string {
  return plan.kind === 'scale'
    ? `scale ${plan.from || '?'} → ${plan.to}`
    : `maxmemory-policy ${plan.from || '?'} → ${plan.to}`;
}

export class ChangeApprovalService {
  private readonly now: () => number;

  constructor(private readonly deps: ChangeApprovalDeps) {
    this.now = deps.now ?? Date.now;
  }

  get policy(): ApprovalPolicy {
    return this.deps.policy;
  }

  /** A refused Request click (bad value, wrong channel, a plan that cannot be made): audited. */
  async refuseRequest(
    actor: string,
    reason: string,
    where: { cluster: string; channel: string; control: string },
  ) {
    await this.refusal(actor, reason, {
      cluster: where.cluster,
      control: where.control,
      ...(where.channel ? { channel: where.channel } : {}),
    });
  }

  /**
   * Stores the plan and opens a request for it; `post` shows the request (its buttons carry the
   * request id) and says on which message: only a click there can decide it.
   */
  async request(input: {
    plan: ChangePlan;
    post: (
      request: ApprovalRequest,
      plan: ChangePlan,
    ) => Promise<{ incidentId: string; threadTs: string; messageTs: string }>;
  }): Promise<{ created: true; request: ApprovalRequest } | { created: false; request?: ApprovalRequest }> {
    const { plan } = input;
    const { store, plans } = this.deps;
    // One open request per cluster and kind: a second click (or a second person) is pointed at it.
    const lockName = `change-${plan.kind}-${plan.cluster}`;
    if (!(await store.lock(lockName, 30))) return { created: false };
    try {
      const openId = await plans.openRequest(plan.cluster, plan.kind);
      const open = openId ? await store.get(openId) : undefined;
      if (open && (open.state === 'pending' || open.state === 'approving'))
        return { created: false, request: open };
      await plans.save(plan);
      const now = this.now();
      const { request } = await store.create({
        dryRunId: plan.id,
        cluster: plan.cluster,
        rule: changeLabel(plan),
        requester: plan.requester,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.deps.policy.expiresMinutes * 60_000).toISOString(),
        incidentId: '',
        channel: plan.channel,
        threadTs: '',
        toChange: 0,
        matched: 0,
      });
      let posted: { incidentId: string; threadTs: string; messageTs: string };
      try {
        posted = await input.post(request, plan);
      } catch (err) {
        await store.transition(request.id, ['pending'], 'failed');
        throw err;
      }
      const attached = (await store.attachMessage(request.id, posted)) ?? request;
      await plans.setOpenRequest(plan.cluster, plan.kind, request.id, this.deps.policy.expiresMinutes * 60);
      await this.deps.audit.append({
        actor: plan.requester,
        action: 'approval_requested',
        cluster: plan.cluster,
        rule: changeLabel(plan),
        ...(posted.incidentId ? { incidentId: posted.incidentId } : {}),
        requestId: request.id,
        dryRunId: plan.id,
        channel: plan.channel,
      });
      return { created: true, request: attached };
    } finally {
      await store.unlock(lockName).catch(() => {});
    }
  }

  /**
   * Approve: the shared policy checks, one atomic claim (a double click or a second approver gets
   * `already_decided`), the re-check against the live cluster, the audit entry, then the job with
   * a deterministic id. Nothing is enqueued unless every step passed; every refusal is audited.
   */
  async approve(input: {
    requestId: string;
    user: string;
    origin: ClickOrigin;
    groupMembers?: GroupMembers;
    lang: string;
  }): Promise<ChangeApproveOutcome> {
    const found = await this.deps.store.get(input.requestId);
    // A TTL request's id on a change button (or the reverse) is no change request at all.
    const ours = found?.dryRunId.startsWith('chg-') ? found : undefined;
    const shown = ours ? await this.deps.plans.get(ours.dryRunId) : undefined;
    const claim = await decideAndClaim(
      { ...this.deps, now: this.now },
      input,
      { request: ours, subject: shown, subjectAt: shown?.at },
      (request, plan, requestId) => ({
        ...this.context(request, plan),
        requestId,
        control: 'change_approve',
        ...(input.origin.channel ? { channel: input.origin.channel } : {}),
      }),
    );
    if (!claim.ok) {
      const { reason, request, subject: plan } = claim;
      return { ok: false, reason, ...(request ? { request } : {}), ...(plan ? { plan } : {}) };
    }
    const { request, subject: plan } = claim;
    let again: Awaited<ReturnType<ChangeApprovalDeps['recheck']>>;
    try {
      again = await this.deps.recheck(plan);
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'pending');
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
    const changed = again.ok ? differs(plan, again.plan) : undefined;
    if (!again.ok || changed) {
      const refusal: ChangeRefusal = again.ok
        ? { reason: 'changed_since', values: { cluster: plan.cluster, what: changed ?? '' } }
        : again.refusal;
      const closed = await this.deps.store.transition(request.id, ['approving'], 'recount_mismatch');
      await this.refusal(input.user, refusal.reason, {
        ...this.context(request, plan),
        requestId: request.id,
        control: 'change_approve',
        channel: input.origin.channel,
      });
      return { ok: false, reason: 'changed', refusal, request: closed.ok ? closed.request : request, plan };
    }
    try {
      // On record before anything is called: no change without its approval in the audit log.
      await this.deps.audit.append({
        actor: input.user,
        action: 'approved',
        ...this.context(request, plan),
        requestId: request.id,
        channel: input.origin.channel,
      });
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'pending');
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
    const runId = changeRunIdFor(request.id);
    try {
      await this.deps.enqueue({
        runId,
        requestId: request.id,
        plan,
        approvedBy: input.user,
        incidentId: request.incidentId,
        channel: request.channel,
        threadTs: request.threadTs,
        lang: input.lang,
      });
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'failed');
      await this.deps.audit
        .append({
          actor: input.user,
          action: 'change_failed',
          ...this.context(request, plan),
          requestId: request.id,
          reason: errorCode(err),
        })
        .catch(() => {});
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
    const done = await this.deps.store.transition(request.id, ['approving'], 'approved', { runId });
    return { ok: true, request: done.ok ? done.request : request, plan, runId };
  }

  /** Reject (an approver) or withdraw (the requester) while the request is open: nothing is called. */
  async reject(input: {
    requestId: string;
    user: string;
    origin: ClickOrigin;
    groupMembers?: GroupMembers;
  }): Promise<ChangeRejectOutcome> {
    const found = await this.deps.store.get(input.requestId);
    const ours = found?.dryRunId.startsWith('chg-') ? found : undefined;
    const plan = ours ? await this.deps.plans.get(ours.dryRunId) : undefined;
    const decided = await decideAndReject(
      { ...this.deps, now: this.now },
      input,
      ours,
      (request, requestId) => ({
        ...this.context(request, plan),
        requestId,
        control: 'change_reject',
        ...(input.origin.channel ? { channel: input.origin.channel } : {}),
      }),
    );
    if (!decided.ok) return decided;
    const { request, rejected } = decided;
    await this.deps.audit.append({
      actor: input.user,
      action: 'rejected',
      ...this.context(request, plan),
      requestId: request.id,
      channel: input.origin.channel,
    });
    return { ok: true, request: rejected, plan };
  }

  /** Whether a plan is still fresh enough to be requested (the same bound as a dry-run's). */
  fresh(plan: ChangePlan): boolean {
    return dryRunFresh(plan.at, this.now(), this.deps.policy);
  }

  private context(
    request: ApprovalRequest | undefined,
    plan: ChangePlan | undefined,
  ): Pick<AuditInput, 'cluster' | 'rule' | 'incidentId' | 'dryRunId'> {
    if (!request) return { cluster: '' };
    return {
      cluster: request.cluster,
      rule: plan ? changeLabel(plan) : request.rule,
      ...(request.incidentId ? { incidentId: request.incidentId } : {}),
      dryRunId: request.dryRunId,
    };
  }

  private async refusal(
    actor: string,
    reason: string,
    context: Omit<AuditInput, 'actor' | 'action' | 'reason'>,
  ): Promise<void> {
    await this.deps.audit.append({ actor, action: 'refused', reason, ...context }).catch(() => {});
  }
}

/** What changed between the plan shown and the plan as it would be made now (empty: nothing). */
function differs(shown: ChangePlan, now: ChangePlan): string | undefined {
  if (shown.kind !== now.kind) return 'kind';
  if (shown.from !== now.from) return `from ${shown.from} → ${now.from}`;
  if (shown.cli !== now.cli) return 'call';
  // The approver agreed to change these clusters too: one more since the request is another change.
  const shared = (p: ChangePlan) =>
    p.kind === 'policy' && p.where.kind === 'elasticache' ? (p.where.sharedWith ?? []).join(',') : '';
  if (shared(shown) !== shared(now)) return `shared with ${shared(now) || '—'}`;
  return undefined;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'error';
}
