/**
 * One decision on a whole TTL plan, through the same request / approve / reject path as a single
 * rule: the same request records and compare-and-set (approval-store.ts), the same four-eyes policy
 * (policy.ts), expiry, dry-run freshness and refusal audits. What a plan adds: every rule is
 * re-counted on its own at approval and audited on its own (a rule whose re-count drifts stops the
 * whole plan before anything is written), the rules run as one job (the TTL run job with the plan's
 * applier), and an approval outside the cluster's off-peak window schedules the run for the
 * window's start unless the approver chose "Run now" (audited as an override).
 */

import type { OffPeakWindow } from '../../config/off-peak.js';
import type { Approvers } from '../../config/types.js';
import type { Lang } from '../../i18n/types.js';
import { windowPosition } from '../../remediation/plan/off-peak.js';
import { planRunRule } from '../../remediation/plan/plan-rule.js';
import { overlappingRules } from '../../remediation/plan/scan-filter.js';
import type { TtlPlanSpec } from '../../remediation/plan/types.js';
import { planRules } from '../../remediation/rules.js';
import type { DryRun, TtlRunRequest } from '../../remediation/types.js';
import type { ApprovalRequest, ApprovalStore } from '../approval-store.js';
import type { AuditInput, AuditLog } from '../audit-log.js';
import type { PlanRecord, PlanStore } from '../plan-store.js';
import { decideAndClaim } from './decide-and-claim.js';
import {
  type ApprovalPolicy,
  type ClickOrigin,
  checkRecount,
  dryRunFresh,
  type GroupMembers,
  type RefusalReason,
} from './policy.js';
import { runIdFor } from './ports.js';
import { dryRunCounts } from './service.js';

/** The request's `rule` field for a plan: no rule can be named so (rule names start with a letter or digit). */
export const PLAN_RULE = '(plan)';

export interface PlanRunQueue {
  enqueue(run: TtlRunRequest, opts?: { delayMs?: number }): Promise<unknown>;
}

export interface PlanServiceDeps {
  store: ApprovalStore;
  plans: PlanStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  dryRuns: { get(id: string): Promise<DryRun | undefined>; recount(dryRun: DryRun): Promise<number> };
  runs: PlanRunQueue;
  approvers(cluster: string): Approvers | undefined;
  offPeak(cluster: string): OffPeakWindow | undefined;
  now?: () => number;
}

export interface LoadedPlan {
  plan: PlanRecord;
  /** In run order. */
  dryRuns: DryRun[];
}

export type PlanRequestOutcome =
  | { ok: true; created: boolean; request: ApprovalRequest; plan: LoadedPlan }
  | { ok: false; reason: 'unknown_request' | 'stale_dry_run' | 'overlap'; overlaps?: [string, string][] };

export type PlanApproveOutcome =
  | {
      ok: true;
      request: ApprovalRequest;
      runId: string;
      plan: LoadedPlan;
      recounted: number[];
      /** Set when the run waits for the off-peak window (epoch ms of its start). */
      scheduledFor?: number;
      /** "Run now" outside the window. */
      override?: boolean;
    }
  | {
      ok: false;
      reason: RefusalReason;
      request?: ApprovalRequest;
      /** recount_mismatch: the rule that drifted, its dry-run figure and its re-count. */
      drift?: { rule: string; toChange: number; recounted: number };
    }
  | { ok: false; reason: 'error'; code: string; request?: ApprovalRequest };

export class PlanApprovalService {
  private readonly now: () => number;

  constructor(private readonly deps: PlanServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  get policy(): ApprovalPolicy {
    return this.deps.policy;
  }

  /**
   * A plan from one dry-run per rule (given in the config's order): the runbook's order (risk, then
   * fewest keys) unless the cluster's `planOrder` is `config`, each dry-run audited. Rules whose globs may select the same key are refused: which one a key got would
   * depend on the order, and the table's counts would not add up.
   */
  async createPlan(input: {
    cluster: string;
    channel: string;
    by: string;
    incidentId: string;
    dryRuns: DryRun[];
    order?: 'runbook' | 'config';
  }): Promise<
    { ok: true; plan: LoadedPlan } | { ok: false; reason: 'overlap'; overlaps: [string, string][] }
  > {
    const ordered = input.order === 'config' ? [...input.dryRuns] : planRules(input.dryRuns);
    const overlaps = overlappingRules(ordered.map((d) => d.rule));
    for (const d of ordered) {
      await this.deps.audit.append({
        actor: input.by,
        action: 'dry_run',
        cluster: d.cluster,
        rule: d.rule.name,
        counts: dryRunCounts(d),
        ...(input.incidentId ? { incidentId: input.incidentId } : {}),
        dryRunId: d.id,
      });
    }
    if (overlaps.length > 0) return { ok: false, reason: 'overlap', overlaps };
    const plan = await this.deps.plans.save({
      cluster: input.cluster,
      channel: input.channel,
      by: input.by,
      at: new Date(this.now()).toISOString(),
      dryRunIds: ordered.map((d) => d.id),
    });
    return { ok: true, plan: { plan, dryRuns: ordered } };
  }

  async load(planId: string): Promise<LoadedPlan | undefined> {
    const plan = await this.deps.plans.get(planId);
    if (!plan) return undefined;
    const dryRuns: DryRun[] = [];
    for (const id of plan.dryRunIds) {
      const d = await this.deps.dryRuns.get(id);
      if (!d) return undefined;
      dryRuns.push(d);
    }
    return { plan, dryRuns };
  }

  /** "Request approval" of the newest plan of `cluster` dry-run in this channel. */
  async request(input: {
    cluster: string;
    requester: string;
    channel: string;
    post: (
      request: ApprovalRequest,
      plan: LoadedPlan,
    ) => Promise<{ incidentId: string; threadTs: string; messageTs: string }>;
  }): Promise<PlanRequestOutcome> {
    const record = await this.deps.plans.latest(input.cluster, input.channel);
    const loaded = record ? await this.load(record.id) : undefined;
    const context = { cluster: input.cluster, channel: input.channel, control: 'plan_request_approval' };
    if (!loaded || !this.deps.approvers(input.cluster)) {
      await this.refusal(input.requester, 'unknown_request', context);
      return { ok: false, reason: 'unknown_request' };
    }
    const now = this.now();
    if (loaded.dryRuns.some((d) => d.complete === false || !dryRunFresh(d.at, now, this.deps.policy))) {
      await this.refusal(input.requester, 'stale_dry_run', { ...context, dryRunId: loaded.plan.id });
      return { ok: false, reason: 'stale_dry_run' };
    }
    const { created, request } = await this.deps.store.create({
      dryRunId: loaded.plan.id,
      cluster: input.cluster,
      rule: PLAN_RULE,
      requester: input.requester,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.deps.policy.expiresMinutes * 60_000).toISOString(),
      incidentId: '',
      channel: input.channel,
      threadTs: '',
      toChange: loaded.dryRuns.reduce((s, d) => s + d.toChange, 0),
      matched: loaded.dryRuns.reduce((s, d) => s + d.matched, 0),
    });
    if (!created) return { ok: true, created, request, plan: loaded };
    let posted: { incidentId: string; threadTs: string; messageTs: string };
    try {
      posted = await input.post(request, loaded);
    } catch (err) {
      await this.deps.store.transition(request.id, ['pending'], 'failed');
      throw err;
    }
    const attached = (await this.deps.store.attachMessage(request.id, posted)) ?? request;
    for (const d of loaded.dryRuns) {
      await this.deps.audit.append({
        actor: input.requester,
        action: 'approval_requested',
        cluster: d.cluster,
        rule: d.rule.name,
        counts: dryRunCounts(d),
        ...(posted.incidentId ? { incidentId: posted.incidentId } : {}),
        requestId: request.id,
        dryRunId: d.id,
      });
    }
    return { ok: true, created, request: attached, plan: loaded };
  }

  /**
   * Approve the plan: the single rule's checks (origin, approver, four-eyes, open, not expired,
   * every dry-run fresh), one atomic claim, then each rule re-counted in run order; the first
   * drift closes the request and nothing is queued. Then one `approved` entry per rule, the
   * off-peak decision, and one job for the plan.
   */
  async approve(input: {
    requestId: string;
    user: string;
    origin: ClickOrigin;
    groupMembers?: GroupMembers;
    lang: Lang;
    runNow: boolean;
    onClaimed?: (request: ApprovalRequest) => Promise<void>;
  }): Promise<PlanApproveOutcome> {
    const control = input.runNow ? 'plan_run_now' : 'plan_approve';
    const found = await this.deps.store.get(input.requestId);
    const loaded = found && found.rule === PLAN_RULE ? await this.load(found.dryRunId) : undefined;
    const oldest = loaded?.dryRuns.reduce<string | undefined>(
      (min, d) => (min === undefined || Date.parse(d.at) < Date.parse(min) ? d.at : min),
      undefined,
    );
    const where = { channel: input.origin.channel, control, requestId: input.requestId };
    const claim = await decideAndClaim(
      { ...this.deps, now: this.now },
      input,
      // A single rule's request id on a plan button is no plan request at all.
      { request: found, subject: loaded, subjectAt: oldest, unknownWithoutSubject: true },
      (request) => ({ ...where, cluster: request?.cluster ?? '', ...this.ids(request) }),
    );
    if (!claim.ok)
      return { ok: false, reason: claim.reason, ...(claim.request ? { request: claim.request } : {}) };
    const { request, subject: plan, now } = claim;
    await input.onClaimed?.(claim.claimed).catch(() => {});
    const recounted: number[] = [];
    for (const d of plan.dryRuns) {
      let n: number;
      try {
        n = await this.deps.dryRuns.recount(d);
      } catch (err) {
        await this.deps.store.transition(request.id, ['approving'], 'pending');
        await this.refusal(input.user, 'recount_failed', {
          ...where,
          cluster: d.cluster,
          rule: d.rule.name,
          dryRunId: d.id,
        });
        return { ok: false, reason: 'error', code: errorCode(err), request };
      }
      recounted.push(n);
      if (!checkRecount(d.toChange, n, this.deps.policy).ok) {
        const closed = await this.deps.store.transition(request.id, ['approving'], 'recount_mismatch', {
          recounted: n,
        });
        await this.refusal(input.user, 'recount_mismatch', {
          ...where,
          cluster: d.cluster,
          rule: d.rule.name,
          dryRunId: d.id,
          counts: { toChange: d.toChange, recounted: n },
        });
        return {
          ok: false,
          reason: 'recount_mismatch',
          request: closed.ok ? closed.request : request,
          drift: { rule: d.rule.name, toChange: d.toChange, recounted: n },
        };
      }
    }
    const window = this.deps.offPeak(request.cluster);
    const position = window ? windowPosition(window, now) : undefined;
    const outside = position !== undefined && !position.inWindow;
    const scheduledFor = outside && !input.runNow ? position.nextStart.getTime() : undefined;
    const runId = runIdFor(request.id);
    try {
      for (const [i, d] of plan.dryRuns.entries()) {
        await this.deps.audit.append({
          actor: input.user,
          action: 'approved',
          cluster: d.cluster,
          rule: d.rule.name,
          ...(request.incidentId ? { incidentId: request.incidentId } : {}),
          requestId: request.id,
          dryRunId: d.id,
          counts: { ...dryRunCounts(d), recounted: recounted[i] ?? 0 },
        });
      }
      if (outside) {
        await this.deps.audit.append({
          actor: input.user,
          action: scheduledFor !== undefined ? 'run_scheduled' : 'run_now_override',
          cluster: request.cluster,
          rule: PLAN_RULE,
          ...(request.incidentId ? { incidentId: request.incidentId } : {}),
          requestId: request.id,
          dryRunId: plan.plan.id,
          runId,
          ...(scheduledFor !== undefined ? { counts: { startsAt: scheduledFor } } : {}),
        });
      }
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'pending');
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
    const spec: TtlPlanSpec = {
      planId: plan.plan.id,
      rules: plan.dryRuns.map((d) => d.rule),
      dryRunIds: plan.dryRuns.map((d) => d.id),
      expected: plan.dryRuns.map((d) => ({ matched: d.matched, toChange: d.toChange })),
      ...(scheduledFor !== undefined ? { notBefore: scheduledFor } : {}),
    };
    try {
      await this.deps.runs.enqueue(
        {
          runId,
          cluster: request.cluster,
          rule: planRunRule(plan.plan.id, spec.rules),
          dryRunId: plan.plan.id,
          requestedBy: request.requester,
          approvedBy: input.user,
          incidentId: request.incidentId,
          channel: request.channel,
          threadTs: request.threadTs,
          lang: input.lang,
          expected: { matched: request.matched, toChange: request.toChange },
          plan: spec,
        },
        scheduledFor !== undefined ? { delayMs: scheduledFor - now } : {},
      );
      const done = await this.deps.store.transition(request.id, ['approving'], 'approved', {
        runId,
        recounted: recounted.reduce((s, n) => s + n, 0),
      });
      return {
        ok: true,
        request: done.ok ? done.request : request,
        runId,
        plan,
        recounted,
        ...(scheduledFor !== undefined ? { scheduledFor } : {}),
        ...(outside && input.runNow ? { override: true } : {}),
      };
    } catch (err) {
      await this.deps.store.transition(request.id, ['approving'], 'failed');
      return { ok: false, reason: 'error', code: errorCode(err), request };
    }
  }

  private ids(request: ApprovalRequest | undefined): Pick<AuditInput, 'rule' | 'dryRunId' | 'incidentId'> {
    if (!request) return {};
    return {
      rule: request.rule,
      dryRunId: request.dryRunId,
      ...(request.incidentId ? { incidentId: request.incidentId } : {}),
    };
  }

  private async refusal(
    actor: string,
    reason: RefusalReason | 'recount_failed',
    context: Omit<AuditInput, 'actor' | 'action' | 'reason'>,
  ): Promise<void> {
    await this.deps.audit.append({ actor, action: 'refused', reason, ...context }).catch(() => {});
  }
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown };
  return typeof e.code === 'string' ? e.code : 'unexpected';
}
