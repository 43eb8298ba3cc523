import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Approvers } from '../../src/config/types.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { type ApprovalRequest, ApprovalStore } from '../../src/incidents/approval-store.js';
import {
  type ApprovalCheck,
  ApprovalService,
  cachedGroupMembers,
  checkRecount,
  DEFAULT_APPROVAL_POLICY,
  decideApproval,
  decideRejection,
  dryRunFresh,
  isApprover,
  runIdFor,
  type TtlRunRequest,
} from '../../src/incidents/approvals.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import type { DryRun } from '../../src/remediation/types.js';
import { runbookRule } from '../fixtures/runbook-rules.js';
import { test } from '../support/fixtures.js';

const T0 = Date.parse('2026-02-12T14:00:00Z');
const MIN = 60_000;
const policy = DEFAULT_APPROVAL_POLICY;

function request(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr-0123456789abcdef',
    dryRunId: 'coupon-unread-1',
    cluster: 'market',
    rule: 'coupon-unread',
    requester: 'UREQ',
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 60 * MIN).toISOString(),
    state: 'pending',
    incidentId: 'inc-1',
    channel: 'C1',
    threadTs: '1.0',
    messageTs: '2.0',
    toChange: 1000,
    matched: 1200,
    ...over,
  };
}

function check(over: Partial<ApprovalCheck> = {}): ApprovalCheck {
  return {
    request: request(),
    origin: { channel: 'C1', messageTs: '2.0' },
    user: 'UAPP',
    userIsApprover: true,
    now: T0 + 10 * MIN,
    policy,
    dryRunAt: new Date(T0 - MIN).toISOString(),
    ...over,
  };
}

describe('approval policy (pure)', () => {
  it('approves a fresh, pending request by another approver, from its own message', () => {
    expect(decideApproval(check())).toEqual({ ok: true });
  });

  it('refuses, in order: unknown or misplaced request, non-approver, self-approval, decided, expired, stale dry-run', () => {
    const reason = (c: Partial<ApprovalCheck>) => {
      const d = decideApproval(check(c));
      return d.ok ? 'ok' : d.reason;
    };
    expect(reason({ request: undefined })).toBe('unknown_request');
    expect(reason({ origin: { channel: 'C2', messageTs: '2.0' } })).toBe('unknown_request');
    expect(reason({ origin: { channel: 'C1', messageTs: '9.9' } })).toBe('unknown_request');
    expect(reason({ request: request({ messageTs: '' }), origin: { channel: 'C1', messageTs: '' } })).toBe(
      'unknown_request',
    );
    // Identity comes before state: an outsider learns nothing about a request's state.
    expect(reason({ userIsApprover: false, request: request({ state: 'approved' }) })).toBe('not_approver');
    expect(reason({ user: 'UREQ' })).toBe('self_approval');
    expect(reason({ request: request({ state: 'approving' }) })).toBe('already_decided');
    expect(reason({ request: request({ state: 'rejected' }) })).toBe('already_decided');
    expect(reason({ now: T0 + 60 * MIN })).toBe('expired');
    expect(reason({ now: T0 + 60 * MIN - 1 })).not.toBe('expired');
    expect(reason({ request: request({ expiresAt: 'garbage' }) })).toBe('expired');
    expect(reason({ dryRunAt: undefined })).toBe('stale_dry_run');
    expect(reason({ dryRunAt: new Date(T0 + 10 * MIN - 31 * MIN).toISOString() })).toBe('stale_dry_run');
    expect(reason({ dryRunAt: new Date(T0 + 10 * MIN - 30 * MIN).toISOString() })).toBe('ok');
  });

  it('lets an approver reject and the requester withdraw, nobody else', () => {
    const reason = (c: Partial<ApprovalCheck>) => {
      const d = decideRejection(check(c));
      return d.ok ? 'ok' : d.reason;
    };
    expect(reason({})).toBe('ok');
    expect(reason({ user: 'UREQ', userIsApprover: false })).toBe('ok');
    expect(reason({ user: 'UOTHER', userIsApprover: false })).toBe('not_approver');
    expect(reason({ request: request({ state: 'approved' }) })).toBe('already_decided');
    expect(reason({ now: T0 + 61 * MIN })).toBe('expired');
    expect(reason({ origin: { channel: 'C1', messageTs: '3.0' } })).toBe('unknown_request');
  });

  it('a dry-run is fresh for dryRunMaxAgeMinutes, and not from the future', () => {
    expect(dryRunFresh(new Date(T0).toISOString(), T0 + 30 * MIN, policy)).toBe(true);
    expect(dryRunFresh(new Date(T0).toISOString(), T0 + 30 * MIN + 1, policy)).toBe(false);
    expect(dryRunFresh(new Date(T0 + 5 * MIN).toISOString(), T0, policy)).toBe(false);
    expect(dryRunFresh('not a date', T0, policy)).toBe(false);
  });

  it('the re-count confirms within recountTolerancePct', () => {
    expect(checkRecount(1000, 1050, policy)).toEqual({ ok: true });
    expect(checkRecount(1000, 950, policy)).toEqual({ ok: true });
    expect(checkRecount(1000, 1100, policy)).toEqual({ ok: false, reason: 'recount_mismatch' });
    expect(checkRecount(1000, 800, policy)).toEqual({ ok: false, reason: 'recount_mismatch' });
    expect(checkRecount(0, 0, policy)).toEqual({ ok: true });
    expect(checkRecount(0, 3, policy)).toEqual({ ok: false, reason: 'recount_mismatch' });
    expect(checkRecount(1000, 1000, { ...policy, recountTolerancePct: 0 })).toEqual({ ok: true });
  });
});

describe('approvers and groups', () => {
  const approvers: Approvers = { users: ['UA'], groups: ['SONE', 'STWO'] };

  it('listed users and members of listed groups; a failing group lookup fails closed', async () => {
    const members = async (g: string) => {
      if (g === 'SONE') throw new Error('missing_scope');
      return g === 'STWO' ? ['UB'] : [];
    };
    expect(await isApprover('UA', approvers, members)).toBe(true);
    expect(await isApprover('UB', approvers, members)).toBe(true);
    expect(await isApprover('UC', approvers, members)).toBe(false);
    expect(await isApprover('UB', approvers, async () => Promise.reject(new Error('down')))).toBe(false);
    expect(await isApprover('UB', approvers, undefined)).toBe(false);
    expect(await isApprover('UA', undefined, members)).toBe(false);
  });

  it('caches group members briefly, times a lookup out, and never caches a failure', async () => {
    let now = 0;
    let calls = 0;
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const members = cachedGroupMembers(
      async () => {
        calls++;
        if (mode === 'fail') throw new Error('ratelimited');
        if (mode === 'hang') return new Promise<string[]>(() => {});
        return ['UB'];
      },
      { ttlMs: 1000, timeoutMs: 50, now: () => now },
    );
    expect(await members('S1')).toEqual(['UB']);
    expect(await members('S1')).toEqual(['UB']);
    expect(calls).toBe(1);
    now = 2000;
    mode = 'fail';
    await expect(members('S1')).rejects.toThrow('ratelimited');
    await expect(members('S1')).rejects.toThrow('ratelimited');
    expect(calls).toBe(3);
    mode = 'hang';
    await expect(members('S2')).rejects.toThrow(/timed out/);
    expect(await isApprover('UB', { users: [], groups: ['S2'] }, members)).toBe(false);
    // Concurrent lookups share one call.
    mode = 'ok';
    calls = 0;
    await Promise.all([members('S3'), members('S3'), members('S3')]);
    expect(calls).toBe(1);
  });
});

describe('ApprovalService on the queue Redis', () => {
  let server: LocalRedis;
  let redis: Redis;
  let store: ApprovalStore;
  let audit: AuditLog;
  let clock = T0;
  let enqueued: TtlRunRequest[];
  let recounted: number | Error;
  let failEnqueue: boolean;
  const dryRuns = new Map<string, DryRun>();

  const dry = (over: Partial<DryRun> = {}): DryRun => ({
    id: 'coupon-unread-20260212T140000Z-aaaaaa',
    rule: runbookRule('coupon-unread'),
    cluster: 'market',
    at: new Date(clock).toISOString(),
    channel: 'C1',
    matched: 1200,
    keysWithoutTtl: 1000,
    keysAboveCap: 0,
    toChange: 1000,
    ttlSpread: { none: 1000, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 200, lt90d: 0, ge90d: 0 },
    bytesToFree: 123_456,
    samples: ['MARKETING:COUPON:UNREAD:1'],
    estimatedDurationSec: 3,
    durationMs: 100,
    walked: 5000,
    complete: true,
    ...over,
  });

  const service = () =>
    new ApprovalService({
      store,
      audit,
      policy,
      now: () => clock,
      approvers: (c) =>
        c === 'market' ? { users: ['UA', 'UB', 'UC', 'UD', 'UREQ'], groups: [] } : undefined,
      dryRuns: {
        get: async (id) => dryRuns.get(id),
        recount: async () => {
          if (recounted instanceof Error) throw recounted;
          return recounted;
        },
      },
      runs: {
        enqueue: async (run) => {
          if (failEnqueue) throw Object.assign(new Error('queue down'), { code: 'ECONNREFUSED' });
          enqueued.push(run);
        },
      },
    });

  async function open(s: ApprovalService, d = dry()): Promise<ApprovalRequest> {
    dryRuns.set(d.id, d);
    const outcome = await s.request({
      dryRunId: d.id,
      requester: 'UREQ',
      channel: 'C1',
      post: async () => ({ incidentId: 'inc-1', threadTs: '1.0', messageTs: '2.0' }),
    });
    if (!outcome.ok) throw new Error(`request refused: ${outcome.reason}`);
    return outcome.request;
  }

  const at = { channel: 'C1', messageTs: '2.0' };

  // A noeviction redis-server, as the queue Redis approvals live on, from the shared fixtures.
  test.beforeAll(({ queueRedis }) => {
    server = queueRedis;
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => {
    redis?.disconnect();
  });
  beforeEach(async () => {
    await redis.flushdb();
    store = new ApprovalStore(redis, { prefix: 'medic' });
    audit = new AuditLog(redis, { prefix: 'medic' });
    clock = T0;
    enqueued = [];
    recounted = 1000;
    failEnqueue = false;
    dryRuns.clear();
  });

  it('request → approve: one enqueue of the approved rule, audited before it runs', async () => {
    const s = service();
    const req = await open(s);
    expect(req).toMatchObject({ state: 'pending', incidentId: 'inc-1', threadTs: '1.0', messageTs: '2.0' });
    expect(req.expiresAt).toBe(new Date(T0 + 60 * MIN).toISOString());
    const outcome = await s.approve({ requestId: req.id, user: 'UA', origin: at, lang: 'en' });
    expect(outcome).toMatchObject({ ok: true, runId: runIdFor(req.id), recounted: 1000 });
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      runId: runIdFor(req.id),
      cluster: 'market',
      requestedBy: 'UREQ',
      approvedBy: 'UA',
      incidentId: 'inc-1',
      expected: { matched: 1200, toChange: 1000 },
    });
    expect(enqueued[0]?.rule.match).toBe('MARKETING:COUPON:UNREAD:*');
    expect((await store.get(req.id))?.state).toBe('approved');
    const trail = (await audit.list()).map((e) => e.action);
    expect(trail).toEqual(['approved', 'approval_requested']);
  });

  it('five approvers clicking at once: exactly one wins, the others are told it is decided', async () => {
    const s = service();
    const req = await open(s);
    const outcomes = await Promise.all(
      ['UA', 'UB', 'UC', 'UD', 'UA'].map((user) =>
        s.approve({ requestId: req.id, user, origin: at, lang: 'en' }),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'already_decided')).toHaveLength(4);
    expect(enqueued).toHaveLength(1);
    const actions = (await audit.list()).map((e) => e.action);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'refused')).toHaveLength(4);
  });

  it('a second Request approval on the same dry-run returns the open request', async () => {
    const s = service();
    const first = await open(s);
    const again = await s.request({
      dryRunId: first.dryRunId,
      requester: 'UB',
      channel: 'C1',
      post: async () => {
        throw new Error('must not post twice');
      },
    });
    expect(again).toMatchObject({ ok: true, created: false, request: { id: first.id } });
  });

  it('refuses to request approval of a stale, incomplete or unknown dry-run', async () => {
    const s = service();
    const post = async () => ({ incidentId: 'i', threadTs: '1', messageTs: '2' });
    dryRuns.set('old', dry({ id: 'old', at: new Date(T0 - 31 * MIN).toISOString() }));
    dryRuns.set('partial', dry({ id: 'partial', complete: false }));
    expect(await s.request({ dryRunId: 'old', requester: 'UREQ', channel: 'C1', post })).toMatchObject({
      ok: false,
      reason: 'stale_dry_run',
    });
    expect(await s.request({ dryRunId: 'partial', requester: 'UREQ', channel: 'C1', post })).toMatchObject({
      ok: false,
      reason: 'stale_dry_run',
    });
    expect(await s.request({ dryRunId: 'nope', requester: 'UREQ', channel: 'C1', post })).toMatchObject({
      ok: false,
      reason: 'unknown_request',
    });
    expect((await audit.list()).map((e) => e.reason)).toEqual([
      'unknown_request',
      'stale_dry_run',
      'stale_dry_run',
    ]);
  });

  it("refuses a request from another channel than the dry-run's, or for a dry-run with no channel (the CLI's)", async () => {
    const s = service();
    let posts = 0;
    const post = async () => {
      posts++;
      return { incidentId: 'i', threadTs: '1', messageTs: '2' };
    };
    dryRuns.set('home', dry({ id: 'home', channel: 'C1' }));
    dryRuns.set('cli', dry({ id: 'cli', channel: undefined }));
    expect(await s.request({ dryRunId: 'home', requester: 'UX', channel: 'C2', post })).toMatchObject({
      ok: false,
      reason: 'wrong_channel',
    });
    expect(await s.request({ dryRunId: 'cli', requester: 'UX', channel: 'C1', post })).toMatchObject({
      ok: false,
      reason: 'wrong_channel',
    });
    expect(posts).toBe(0);
    expect((await audit.list()).map((e) => [e.action, e.reason, e.channel])).toEqual([
      ['refused', 'wrong_channel', 'C1'],
      ['refused', 'wrong_channel', 'C2'],
    ]);
  });

  it('expiry and staleness close the request; nothing is enqueued', async () => {
    const s = service();
    const a = await open(s);
    clock = T0 + 61 * MIN;
    expect(await s.approve({ requestId: a.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'expired',
      request: { state: 'expired' },
    });
    clock = T0;
    const b = await open(s, dry({ id: 'second' }));
    clock = T0 + 31 * MIN;
    expect(await s.approve({ requestId: b.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'stale_dry_run',
      request: { state: 'stale' },
    });
    expect(enqueued).toEqual([]);
  });

  it('a re-count that fails leaves the request open; one that mismatches closes it', async () => {
    const s = service();
    const req = await open(s);
    recounted = new Error('ETIMEDOUT');
    expect(await s.approve({ requestId: req.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'error',
    });
    expect((await store.get(req.id))?.state).toBe('pending');
    recounted = 1200;
    expect(await s.approve({ requestId: req.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'recount_mismatch',
      recounted: 1200,
    });
    expect((await store.get(req.id))?.state).toBe('recount_mismatch');
    expect(enqueued).toEqual([]);
    const [last] = await audit.list();
    expect(last).toMatchObject({
      action: 'refused',
      reason: 'recount_mismatch',
      counts: { toChange: 1000, recounted: 1200 },
    });
  });

  it('a queue that refuses the job marks the request failed and audits run_failed', async () => {
    const s = service();
    const req = await open(s);
    failEnqueue = true;
    expect(await s.approve({ requestId: req.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'error',
      code: 'ECONNREFUSED',
    });
    expect((await store.get(req.id))?.state).toBe('failed');
    expect((await audit.list())[0]).toMatchObject({ action: 'run_failed', reason: 'ECONNREFUSED' });
  });

  it('reject closes; the requester may withdraw; an outsider may do neither', async () => {
    const s = service();
    const req = await open(s);
    expect(await s.reject({ requestId: req.id, user: 'UOUT', origin: at })).toMatchObject({
      ok: false,
      reason: 'not_approver',
    });
    expect(await s.reject({ requestId: req.id, user: 'UREQ', origin: at })).toMatchObject({
      ok: true,
      request: { state: 'rejected', decidedBy: 'UREQ' },
    });
    expect(await s.approve({ requestId: req.id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
      ok: false,
      reason: 'already_decided',
    });
    expect(enqueued).toEqual([]);
  });

  it('request ids are unguessable and checked; a bad id is unknown, not an error', async () => {
    const s = service();
    for (const id of ['', 'apr-', 'apr-xyz', '../../etc', 'apr-0123456789abcdef:x']) {
      expect(await s.approve({ requestId: id, user: 'UA', origin: at, lang: 'en' })).toMatchObject({
        ok: false,
        reason: 'unknown_request',
      });
    }
    expect(await store.transition('nope', ['pending'], 'approved')).toEqual({ ok: false, state: undefined });
  });
});
