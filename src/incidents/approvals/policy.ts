// Who may approve or reject a TTL fix, and when (pure functions): the four-eyes policy of the approval workflow.
import type { Approvers } from '../../config/types.js';
import { withinTolerance } from '../../remediation/dry-run.js';
import type { ApprovalRequest } from '../approval-store.js';

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
