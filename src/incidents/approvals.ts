/**
 * Four-eyes approval of a TTL fix: who may approve (policy, pure functions), and the workflow that
 * applies it to requests stored on the queue Redis (`ApprovalService`). The front end renders the
 * outcomes; it never decides anything itself, and button values are only ever request ids.
 * This file is the public surface; the pieces live in ./approvals/.
 */
export {
  type ClaimOutcome,
  decideAndClaim,
  decideAndReject,
} from './approvals/decide-and-claim.js';
export { cachedGroupMembers } from './approvals/group-members.js';
export {
  type ApprovalCheck,
  type ApprovalPolicy,
  type ClickOrigin,
  checkRecount,
  DEFAULT_APPROVAL_POLICY,
  type Decision,
  decideApproval,
  decideRejection,
  dryRunFresh,
  type GroupMembers,
  isApprover,
  isExpired,
  REFUSAL_REASONS,
  type RefusalReason,
} from './approvals/policy.js';
export { type DryRunSource, runIdFor, type TtlRunQueue, type TtlRunRequest } from './approvals/ports.js';
export {
  ApprovalService,
  type ApprovalServiceDeps,
  type ApproveOutcome,
  type DecisionInput,
  dryRunCounts,
  type RejectOutcome,
  type RequestOutcome,
} from './approvals/service.js';
