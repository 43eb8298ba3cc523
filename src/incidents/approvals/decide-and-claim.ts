// The first half of every Approve and Reject (TTL rule, TTL plan, cluster change): policy checks, refusal audit, then the one atomic claim.
import type { Approvers } from '../../config/types.js';
import type { ApprovalRequest, ApprovalStore } from '../approval-store.js';
import type { AuditInput, AuditLog } from '../audit-log.js';
import {
  type ApprovalPolicy,
  type ClickOrigin,
  type Decision,
  decideApproval,
  decideRejection,
  type GroupMembers,
  isApprover,
  type RefusalReason,
} from './policy.js';

export interface DecideAndClaimDeps {
  store: ApprovalStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  approvers(cluster: string): Approvers | undefined;
  /** Read once, after the approver check (a group lookup may be slow): the time of the decision. */
  now: () => number;
}

/** What an Approve click is checked against: the request and what its approver was shown. */
export interface ApprovalSubject<S> {
  request: ApprovalRequest | undefined;
  /** The dry-run, plan or change plan shown; undefined when it is gone (or the request is of another kind). */
  subject: S | undefined;
  /** When the subject was made: its freshness bounds the approval. */
  subjectAt: string | undefined;
  /** Refuse as `unknown_request` (not `stale_dry_run`) when the subject is gone. */
  unknownWithoutSubject?: boolean;
}

export type ClaimOutcome<S> =
  | { ok: true; request: ApprovalRequest; subject: S; claimed: ApprovalRequest; now: number }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest; subject?: S };

export type RefusalContext = Omit<AuditInput, 'actor' | 'action' | 'reason'>;

type ClickInput = { requestId: string; user: string; origin: ClickOrigin; groupMembers?: GroupMembers };
type Context = (request: ApprovalRequest | undefined, requestId: string) => RefusalContext;

/**
 * The checks (origin, approver, four-eyes, open, not expired, subject fresh), then the
 * compare-and-set claim pending → approving: a double click or a second approver gets
 * `already_decided`. A request that can never succeed (expired, stale subject) is closed so its
 * buttons stop offering it, and every refusal is audited with `context` (what differs per kind:
 * the button's control name, how the request and its subject are described).
 */
export async function decideAndClaim<S>(
  deps: DecideAndClaimDeps,
  input: ClickInput,
  loaded: ApprovalSubject<S>,
  context: (
    request: ApprovalRequest | undefined,
    subject: S | undefined,
    requestId: string,
  ) => RefusalContext,
): Promise<ClaimOutcome<S>> {
  const { request, subject } = loaded;
  const moved = await decideAndMove(
    deps,
    input,
    request,
    subject,
    (userIsApprover, now) =>
      decideApproval({
        request: subject === undefined && loaded.unknownWithoutSubject ? undefined : request,
        origin: input.origin,
        user: input.user,
        userIsApprover,
        now,
        policy: deps.policy,
        dryRunAt: loaded.subjectAt,
      }),
    'approving',
    (r, requestId) => context(r, subject, requestId),
  );
  if (!moved.ok) return { ...moved, ...(subject !== undefined ? { subject } : {}) };
  return { ok: true, request: moved.request, subject: moved.subject, claimed: moved.moved, now: moved.now };
}

/**
 * Reject (an approver) or withdraw (the requester): the same checks as an approval but for the
 * subject's freshness, then the compare-and-set pending → rejected, every refusal audited.
 */
export async function decideAndReject(
  deps: DecideAndClaimDeps,
  input: ClickInput,
  request: ApprovalRequest | undefined,
  context: Context,
): Promise<
  | { ok: true; request: ApprovalRequest; rejected: ApprovalRequest }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest }
> {
  // What a rejection acts on is the request itself: no dry-run or plan needs to be current.
  const moved = await decideAndMove(
    deps,
    input,
    request,
    request,
    (userIsApprover, now) =>
      decideRejection({ request, origin: input.origin, user: input.user, userIsApprover, now }),
    'rejected',
    context,
  );
  return moved.ok ? { ok: true, request: moved.request, rejected: moved.moved } : moved;
}

async function decideAndMove<S>(
  deps: DecideAndClaimDeps,
  input: ClickInput,
  request: ApprovalRequest | undefined,
  subject: S | undefined,
  decide: (userIsApprover: boolean, now: number) => Decision,
  to: 'approving' | 'rejected',
  context: Context,
): Promise<
  | { ok: true; request: ApprovalRequest; subject: S; moved: ApprovalRequest; now: number }
  | { ok: false; reason: RefusalReason; request?: ApprovalRequest }
> {
  const userIsApprover = request
    ? await isApprover(input.user, deps.approvers(request.cluster), input.groupMembers)
    : false;
  const now = deps.now();
  const decision = decide(userIsApprover, now);
  if (!decision.ok || !request || subject === undefined) {
    // With its subject gone, an approval could only ever act on what nobody was shown.
    const reason = decision.ok ? 'stale_dry_run' : decision.reason;
    const close = reason === 'expired' ? 'expired' : reason === 'stale_dry_run' ? 'stale' : undefined;
    const closing =
      close && request ? await deps.store.transition(request.id, ['pending'], close) : undefined;
    const shown = closing?.ok ? closing.request : request;
    // A forged or misplaced click on a real request is filed under that request's cluster.
    await refusal(deps.audit, input.user, reason, context(request, input.requestId));
    return { ok: false, reason, ...(shown ? { request: shown } : {}) };
  }
  const claim = await deps.store.transition(request.id, ['pending'], to, {
    decidedBy: input.user,
    decidedAt: new Date(now).toISOString(),
  });
  if (!claim.ok) {
    await refusal(deps.audit, input.user, 'already_decided', context(request, request.id));
    return { ok: false, reason: 'already_decided', request };
  }
  return { ok: true, request, subject, moved: claim.request, now };
}

/** A refusal is an audit entry too; losing it is logged by the audit log, never fatal here. */
async function refusal(
  audit: AuditLog,
  actor: string,
  reason: RefusalReason,
  context: RefusalContext,
): Promise<void> {
  await audit.append({ actor, action: 'refused', reason, ...context }).catch(() => {});
}
