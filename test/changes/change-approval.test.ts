/**
 * The change approval on the shared request path, against a real queue Redis: two Request clicks
 * at once open one request; two approvers clicking at once enqueue exactly one run; the requester
 * never approves their own request; a TTL request's id on a change button is no change request;
 * a cluster that changed since the request closes it without enqueueing anything.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeApprovalService, type ChangeRun } from '../../src/changes/approval.js';
import { ChangePlanStore, newPlanId } from '../../src/changes/plan-store.js';
import type { ChangePlan, ChangeRefusal, ScalePlan } from '../../src/changes/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { ApprovalStore } from '../../src/incidents/approval-store.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/incidents/approvals.js';
import { AuditLog } from '../../src/incidents/audit-log.js';

let server: LocalRedis;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  server = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function plan(over: Partial<ScalePlan> = {}): ScalePlan {
  return {
    kind: 'scale',
    id: newPlanId(),
    cluster: 'isales',
    channel: 'C1',
    requester: 'UREQ',
    at: new Date().toISOString(),
    region: 'us-east-1',
    replicationGroupId: 'rg',
    from: 'cache.t4g.medium',
    to: 'cache.m7g.large',
    direction: 'up',
    call: { operation: 'ModifyReplicationGroup', params: {} },
    cli: 'aws elasticache modify-replication-group',
    ...over,
  };
}

function setup(
  recheck?: (p: ChangePlan) => { ok: true; plan: ChangePlan } | { ok: false; refusal: ChangeRefusal },
) {
  n += 1;
  const prefix = `ca${n}`;
  const store = new ApprovalStore(redis, { prefix });
  const enqueued: ChangeRun[] = [];
  let ts = 0;
  const service = new ChangeApprovalService({
    store,
    audit: new AuditLog(redis, { prefix }),
    plans: new ChangePlanStore(redis, { prefix }),
    policy: DEFAULT_APPROVAL_POLICY,
    approvers: () => ({ users: ['UREQ', 'UA', 'UB'], groups: [] }),
    recheck: async (p) => (recheck ? recheck(p) : { ok: true, plan: p }),
    enqueue: async (run) => void enqueued.push(run),
  });
  const post = async () => {
    ts += 1;
    return { incidentId: 'inc', threadTs: '1.0', messageTs: `1.${ts}` };
  };
  return { service, store, enqueued, post };
}

const origin = (messageTs: string) => ({ channel: 'C1', messageTs });

describe('change approval', () => {
  it('two Request clicks at once open one request', async () => {
    const s = setup();
    const [a, b] = await Promise.all([
      s.service.request({ plan: plan(), post: s.post }),
      s.service.request({ plan: plan(), post: s.post }),
    ]);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    // Later clicks are pointed at the open one.
    const c = await s.service.request({ plan: plan(), post: s.post });
    expect(c.created).toBe(false);
    const open = a.created ? a.request : b.created ? b.request : undefined;
    expect(c.request?.id).toBe(open?.id);
  });

  it('two approvers at once: one run is enqueued, the other is told it was already decided', async () => {
    const s = setup();
    const r = await s.service.request({ plan: plan(), post: s.post });
    if (!r.created) throw new Error('not created');
    const approve = (user: string) =>
      s.service.approve({ requestId: r.request.id, user, origin: origin(r.request.messageTs), lang: 'en' });
    const outcomes = await Promise.all([approve('UA'), approve('UB')]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toMatchObject({ reason: 'already_decided' });
    expect(s.enqueued).toHaveLength(1);
    expect(s.enqueued[0]?.runId).toBe(`chgrun-${r.request.id.replace(/^apr-/, '')}`);
  });

  it('the requester is refused even as an approver; a TTL request id is no change request', async () => {
    const s = setup();
    const r = await s.service.request({ plan: plan(), post: s.post });
    if (!r.created) throw new Error('not created');
    const self = await s.service.approve({
      requestId: r.request.id,
      user: 'UREQ',
      origin: origin(r.request.messageTs),
      lang: 'en',
    });
    expect(self).toMatchObject({ ok: false, reason: 'self_approval' });
    const ttl = await s.store.create({
      dryRunId: 'dry-1',
      cluster: 'isales',
      rule: 'r',
      requester: 'UREQ',
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      incidentId: '',
      channel: 'C1',
      threadTs: '',
      toChange: 1,
      matched: 1,
    });
    await s.store.attachMessage(ttl.request.id, { messageTs: '9.9', threadTs: '', incidentId: '' });
    const forged = await s.service.approve({
      requestId: ttl.request.id,
      user: 'UA',
      origin: origin('9.9'),
      lang: 'en',
    });
    expect(forged).toMatchObject({ ok: false, reason: 'unknown_request' });
    expect(s.enqueued).toHaveLength(0);
  });

  it('a cluster that changed since the request closes it; nothing is enqueued', async () => {
    const s = setup((p) => ({ ok: true, plan: { ...p, from: 'cache.r6g.large' } }));
    const r = await s.service.request({ plan: plan(), post: s.post });
    if (!r.created) throw new Error('not created');
    const out = await s.service.approve({
      requestId: r.request.id,
      user: 'UA',
      origin: origin(r.request.messageTs),
      lang: 'en',
    });
    expect(out).toMatchObject({ ok: false, reason: 'changed', refusal: { reason: 'changed_since' } });
    expect((await s.store.get(r.request.id))?.state).toBe('recount_mismatch');
    expect(s.enqueued).toHaveLength(0);
  });
});
