/**
 * The four-eyes TTL workflow end to end through the real bot: `/redis-ttl` dry-runs a configured
 * rule against the target, "Request approval" posts Approve / Reject in the incident thread, and
 * every way to get a change through without a valid, fresh, second person's approval is refused
 * with a message and an audit entry while nothing runs: the target keeps its TTLs and no job is
 * queued. Time is injected (the server's remediation clock) for the expiry and staleness cases.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runIdFor } from '../../src/incidents/approvals.js';
import type { AuditEntry } from '../../src/incidents/audit-log.js';
import { TTL_RUN_QUEUE } from '../../src/jobs/ttl-job.js';
import { readAuditStream } from '../support/audit-stream.js';
import { runCli } from '../support/cli.js';
import { manifestBotScopes, SCOPE_FOR_METHOD } from '../support/manifest.js';
import {
  type ActionMessage,
  type Button,
  blocksOf,
  buttonOf,
  buttonsOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postBlockAction } from '../support/slack/signed-request.js';

const PATTERN = 'MARKETING:COUPON:UNREAD:*';
const APPROVER = 'UAPPROVER';
const APPROVER2 = 'UAPPROVER2';
const GROUP_MEMBER = 'UGROUPMEMBER';
const OUTSIDER = 'UOUTSIDER';
const REQUESTER = 'UREQUESTER';

let h: MedicHarness;
let runs: Queue;
let runsConnection: Redis;
let clockOffsetMs = 0;
let truthWithoutTtl = 0;
/** The pattern's keys that had no TTL when the target was loaded: each test starts from that. */
let loadedWithoutTtl: string[] = [];

beforeAll(async () => {
  h = await startMedicHarness({
    approvers: { users: [APPROVER, APPROVER2], groups: ['SONCALL', 'SBROKEN'] },
    rules: [
      {
        name: 'coupon-unread',
        match: PATTERN,
        action: 'set-missing',
        ttl: '60d',
        jitter: '10%',
        risk: 'low',
      },
    ],
    approvals: { expiresMinutes: 60, dryRunMaxAgeMinutes: 30, recountTolerancePct: 5 },
    remediation: { now: () => Date.now() + clockOffsetMs, throttle: false },
  });
  // SONCALL has one member; SBROKEN can't be read (missing scope): nobody is an approver by it.
  h.fake.setHandler('usergroups.users.list', (call) =>
    call.body.usergroup === 'SONCALL' ? { users: [GROUP_MEMBER] } : { ok: false, error: 'missing_scope' },
  );
  runsConnection = new Redis(h.queue.url, { maxRetriesPerRequest: null });
  runsConnection.on('error', () => {});
  runs = new Queue(TTL_RUN_QUEUE, { connection: runsConnection, prefix: 'redis-medic' });
  truthWithoutTtl = h.truth.patterns[PATTERN]?.keysWithoutTtl ?? 0;
  expect(truthWithoutTtl).toBeGreaterThan(0);
  loadedWithoutTtl = await patternKeys(-1);
  expect(loadedWithoutTtl).toHaveLength(truthWithoutTtl);
});

afterAll(async () => {
  await runs?.close();
  runsConnection?.disconnect();
  await h?.stop();
});

// Each test sets up what it needs: the clock is real, and a run an earlier test approved is undone
// (its keys lose the TTL it gave them), so no test sees another's state whatever the order.
beforeEach(async () => {
  clockOffsetMs = 0;
  await expect.poll(() => activeRuns(), { timeout: 60_000, interval: 250 }).toBe(0);
  const p = h.targetClient.pipeline();
  for (const key of loadedWithoutTtl) p.persist(key);
  await p.exec();
});

async function activeRuns(): Promise<number> {
  return (await runs.getJobs(['waiting', 'active', 'delayed', 'prioritized'])).length;
}

interface Request {
  channel: string;
  message: ActionMessage;
  approve: Button;
  reject: Button;
  requestId: string;
  posted: RecordedCall;
}

/** `/redis-ttl market coupon-unread`, then the result message with its Request approval button. */
async function dryRun(
  channel: string,
  user = 'UONCALL',
): Promise<{ message: ActionMessage; call: RecordedCall }> {
  const { res, mark } = await h.slash('market coupon-unread', { command: '/redis-ttl', user, channel });
  expect(res.status).toBe(200);
  const call = await h.fake.waitFor(
    'chat.update',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'ttl_request_approval'),
    15_000,
  );
  return { call, message: { ts: String(call.body.ts), blocks: blocksOf(call) } };
}

async function request(channel: string, requester: string): Promise<Request> {
  const dry = await dryRun(channel);
  const click = await h.click(buttonOf(dry.message.blocks ?? [], 'ttl_request_approval'), dry.message, {
    channel,
    user: requester,
  });
  expect(click.res.status).toBe(200);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && c.body.channel === channel && hasButton(c, 'ttl_approve'),
    8_000,
  );
  const blocks = blocksOf(posted);
  const approve = buttonOf(blocks, 'ttl_approve');
  const requestId = (JSON.parse(approve.value) as { request: string }).request;
  // The request is bound to its message and on record once the handler is done.
  await expect
    .poll(async () =>
      (await h.server.services.audit.list({ limit: 20 })).some(
        (e) => e.action === 'approval_requested' && e.requestId === requestId,
      ),
    )
    .toBe(true);
  const threadTs = typeof posted.body.thread_ts === 'string' ? posted.body.thread_ts : undefined;
  return {
    channel,
    posted,
    message: { ts: tsOf(posted), ...(threadTs ? { thread_ts: threadTs } : {}), blocks },
    approve,
    reject: buttonOf(blocks, 'ttl_reject'),
    requestId,
  };
}

/** Clicks and returns the ephemeral reply the clicker got (refusals answer that way). */
async function clickFor(button: Button, req: Request, user: string, message = req.message): Promise<string> {
  const click = await h.click(button, message, { channel: req.channel, user });
  expect(click.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 20_000);
  return String(reply.body.text);
}

async function lastAudit(): Promise<AuditEntry> {
  const [entry] = await h.server.services.audit.list({ cluster: 'market', limit: 1 });
  if (!entry) throw new Error('no audit entry');
  return entry;
}

/** Keys of the pattern whose PTTL is `pttl` (-1: without a TTL), read from the target itself. */
async function patternKeys(pttl: number): Promise<string[]> {
  let cursor = '0';
  const out: string[] = [];
  do {
    const [next, keys] = await h.targetClient.scan(cursor, 'MATCH', PATTERN, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      const pipeline = h.targetClient.pipeline();
      for (const k of keys) pipeline.pttl(k);
      const replies = (await pipeline.exec()) ?? [];
      keys.forEach((k, i) => {
        if (replies[i]?.[1] === pttl) out.push(k);
      });
    }
  } while (cursor !== '0');
  return out;
}

/** Keys of the pattern without a TTL, read from the target itself. */
async function keysWithoutTtl(): Promise<number> {
  return (await patternKeys(-1)).length;
}

/** A request approved by APPROVER whose run has finished (for tests that need an approval on record). */
async function approvedAndRun(channel: string): Promise<Request> {
  const req = await request(channel, REQUESTER);
  const click = await h.click(req.approve, req.message, { channel, user: APPROVER });
  expect(click.res.status).toBe(200);
  await expect
    .poll(async () => (await h.server.services.approvals.get(req.requestId))?.state, { timeout: 20_000 })
    .toBe('approved');
  await expect
    .poll(
      async () =>
        (await h.server.services.audit.list({ cluster: 'market', limit: 50 })).some(
          (e) => e.action === 'run_finished' && e.runId === runIdFor(req.requestId),
        ),
      { timeout: 30_000, interval: 250 },
    )
    .toBe(true);
  return req;
}

/** Nothing ran for this request: no run record, no job, and the target's TTLs untouched. */
async function expectNothingRan(requestId: string): Promise<void> {
  expect(await h.server.services.ttlRuns.state(runIdFor(requestId))).toBeUndefined();
  expect(await runs.getJob(runIdFor(requestId))).toBeUndefined();
  expect(await keysWithoutTtl()).toBe(truthWithoutTtl);
}

describe('/redis-ttl dry-run', () => {
  it('lists the rules without a rule name, and dry-runs a rule read-only with the figures and a Request approval button', async () => {
    const list = await h.slash('', { command: '/redis-ttl' });
    const help = await h.fake.waitFor('response_url', (c) => c.responseId === list.responseId);
    expect(String(help.body.text)).toContain('TTL rules for market');
    expect(String(help.body.text)).toContain('coupon-unread');

    const { call } = await dryRun('C0DRY');
    const text = textOf(blocksOf(call));
    expect(text).toContain('Dry-run of rule coupon-unread on market');
    expect(text).toContain(`*Keys to change*\n${truthWithoutTtl.toLocaleString('en-US')}`);
    expect(text).toContain('Sample keys that would change');
    expect(text).toContain('MARKETING:COUPON:UNREAD:');
    expect(await keysWithoutTtl()).toBe(truthWithoutTtl);
    const entry = await lastAudit();
    expect(entry).toMatchObject({ action: 'dry_run', actor: 'UONCALL', rule: 'coupon-unread' });
    expect(entry.counts?.toChange).toBe(truthWithoutTtl);
  });
});

describe('refusals: each with a message and an audit entry, and nothing runs', () => {
  it('Approve and Reject clicked from another channel: refused, still pending, audited with who, where and what', async () => {
    const req = await request('C0WHERE', REQUESTER);
    const before = (await readAuditStream(h.queue.url, h.config.queue.prefix)).length;
    for (const button of [req.approve, req.reject]) {
      const click = await h.click(button, req.message, { channel: 'C0NOTHERE', user: APPROVER });
      const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 20_000);
      expect(reply.body.response_type).toBe('ephemeral');
      expect(String(reply.body.text)).toContain('does not belong to an approval request of this message');
    }
    expect((await h.server.services.approvals.get(req.requestId))?.state).toBe('pending');
    await expectNothingRan(req.requestId);
    const added = (await readAuditStream(h.queue.url, h.config.queue.prefix)).slice(before);
    expect(added).toEqual([
      expect.objectContaining({
        action: 'refused',
        actor: APPROVER,
        channel: 'C0NOTHERE',
        control: 'ttl_approve',
        reason: 'unknown_request',
        requestId: req.requestId,
        cluster: 'market',
      }),
      expect.objectContaining({
        action: 'refused',
        actor: APPROVER,
        channel: 'C0NOTHERE',
        control: 'ttl_reject',
        reason: 'unknown_request',
        requestId: req.requestId,
        cluster: 'market',
      }),
    ]);
  });

  it('an approver outside the list (and a group that cannot be read) is refused', async () => {
    const req = await request('C0OUT', REQUESTER);
    const text = await clickFor(req.approve, req, OUTSIDER);
    expect(text).toContain('You are not an approver for market');
    expect(await lastAudit()).toMatchObject({
      action: 'refused',
      reason: 'not_approver',
      actor: OUTSIDER,
      requestId: req.requestId,
    });
    // The thread hears about it too.
    await h.fake.waitFor(
      'chat.postMessage',
      (c) =>
        c.body.thread_ts === req.message.thread_ts &&
        String(c.body.text).includes(`<@${OUTSIDER}> tried to approve`),
    );
    await expectNothingRan(req.requestId);
    // Still open for a real approver.
    expect((await h.server.services.approvals.get(req.requestId))?.state).toBe('pending');
  });

  it('the requester cannot approve their own request (four-eyes)', async () => {
    const req = await request('C0SELF', APPROVER);
    const text = await clickFor(req.approve, req, APPROVER);
    expect(text).toContain('someone else has to approve it');
    expect(await lastAudit()).toMatchObject({ action: 'refused', reason: 'self_approval', actor: APPROVER });
    await expectNothingRan(req.requestId);
  });

  it('an expired approval request is refused and closed', async () => {
    const req = await request('C0EXP', REQUESTER);
    clockOffsetMs = 61 * 60_000;
    const mark = h.mark();
    const text = await clickFor(req.approve, req, APPROVER);
    expect(text).toContain('expired');
    expect(await lastAudit()).toMatchObject({
      action: 'refused',
      reason: 'expired',
      requestId: req.requestId,
    });
    expect((await h.server.services.approvals.get(req.requestId))?.state).toBe('expired');
    // The request message loses its buttons.
    const closed = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(mark, c) && c.body.ts === req.message.ts,
    );
    expect(buttonsOf(blocksOf(closed))).toEqual([]);
    await expectNothingRan(req.requestId);
  });

  it('a stale dry-run is refused: it asks for a fresh one', async () => {
    const req = await request('C0STALE', REQUESTER);
    clockOffsetMs = 31 * 60_000;
    const text = await clickFor(req.approve, req, APPROVER);
    expect(text).toContain('The dry-run is older than 30 min');
    expect(text).toContain('/redis-ttl market coupon-unread');
    expect(await lastAudit()).toMatchObject({ action: 'refused', reason: 'stale_dry_run', actor: APPROVER });
    await expectNothingRan(req.requestId);
  });

  it('a forged request is refused: bad signature (401), and a button value pointing at another request', async () => {
    const a = await request('C0FORGEA', REQUESTER);
    const b = await request('C0FORGEB', REQUESTER);
    const auditBefore = (await h.server.services.audit.list({ limit: 1000 })).length;

    // Signed with the wrong secret: Bolt answers 401 before any listener runs.
    const forged = await postBlockAction(h.baseUrl, `${h.signingSecret}-not`, {
      user: { id: APPROVER },
      channel: { id: a.channel },
      message: { ts: a.message.ts, blocks: [] },
      actions: [{ type: 'button', action_id: 'ttl_approve', value: a.approve.value }],
      response_url: h.fake.responseUrl('forged'),
    });
    expect(forged.status).toBe(401);
    expect((await h.server.services.audit.list({ limit: 1000 })).length).toBe(auditBefore);
    expect((await h.server.services.approvals.get(a.requestId))?.state).toBe('pending');

    // A valid approver clicks Approve on A's message, with B's request id in the value.
    const swapped = { ...a.approve, value: JSON.stringify({ request: b.requestId }) };
    const text = await clickFor(swapped, a, APPROVER);
    expect(text).toContain('does not belong to an approval request of this message');
    expect(await lastAudit()).toMatchObject({
      action: 'refused',
      reason: 'unknown_request',
      actor: APPROVER,
      requestId: b.requestId,
    });
    // An id that exists nowhere, and garbage.
    for (const value of [
      JSON.stringify({ request: 'apr-0000000000000000' }),
      '{"cluster":"market"}',
      'nope',
    ]) {
      const reply = await clickFor({ ...a.approve, value }, a, APPROVER);
      expect(reply).toContain('does not belong');
      expect((await h.server.services.audit.list({ limit: 1 }))[0]).toMatchObject({
        action: 'refused',
        reason: 'unknown_request',
      });
    }
    expect((await h.server.services.approvals.get(a.requestId))?.state).toBe('pending');
    expect((await h.server.services.approvals.get(b.requestId))?.state).toBe('pending');
    await expectNothingRan(a.requestId);
    await expectNothingRan(b.requestId);
  });

  it('a re-count that no longer matches the dry-run is refused', async () => {
    const req = await request('C0RECOUNT', REQUESTER);
    // Half as many again new keys without TTL appear after the dry-run.
    const extra = Math.ceil(truthWithoutTtl / 2);
    const pipeline = h.targetClient.pipeline();
    for (let i = 0; i < extra; i++) pipeline.set(`MARKETING:COUPON:UNREAD:new-${i}`, '1');
    await pipeline.exec();
    try {
      const text = await clickFor(req.approve, req, APPROVER);
      expect(text).toContain('The re-count found');
      expect(await lastAudit()).toMatchObject({ action: 'refused', reason: 'recount_mismatch' });
      expect((await h.server.services.approvals.get(req.requestId))?.state).toBe('recount_mismatch');
    } finally {
      const del = h.targetClient.pipeline();
      for (let i = 0; i < extra; i++) del.del(`MARKETING:COUPON:UNREAD:new-${i}`);
      await del.exec();
    }
    await expectNothingRan(req.requestId);
  });

  it('a rejected request stays rejected: a later Approve is refused', async () => {
    const req = await request('C0REJ', REQUESTER);
    const mark = h.mark();
    await h.click(req.reject, req.message, { channel: req.channel, user: APPROVER2 });
    const closed = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(mark, c) && c.body.ts === req.message.ts,
    );
    expect(textOf(blocksOf(closed))).toContain(`Rejected by <@${APPROVER2}>`);
    expect(buttonsOf(blocksOf(closed))).toEqual([]);
    const entries = await h.server.services.audit.list({ cluster: 'market', limit: 1 });
    expect(entries[0]).toMatchObject({ action: 'rejected', actor: APPROVER2, requestId: req.requestId });
    const text = await clickFor(req.approve, req, APPROVER);
    expect(text).toContain('already decided');
    expect(await lastAudit()).toMatchObject({ action: 'refused', reason: 'already_decided' });
    await expectNothingRan(req.requestId);
  });
});

describe('approval', () => {
  it('an approver by user group approves: re-count, audit, the run is queued once (a double click does nothing more)', async () => {
    const req = await request('C0OK', REQUESTER);
    const mark = h.mark();
    const first = h.click(req.approve, req.message, { channel: req.channel, user: GROUP_MEMBER });
    const second = h.click(req.approve, req.message, { channel: req.channel, user: APPROVER });
    const [a, b] = await Promise.all([first, second]);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const closed = await h.fake.waitFor(
      'chat.update',
      (c) =>
        h.since(mark, c) &&
        c.body.ts === req.message.ts &&
        String(c.body.blocks ? textOf(blocksOf(c)) : '').includes('Approved by'),
      20_000,
    );
    expect(buttonsOf(blocksOf(closed))).toEqual([]);
    const stored = await h.server.services.approvals.get(req.requestId);
    expect(stored?.state).toBe('approved');
    expect(stored?.recounted).toBe(truthWithoutTtl);
    const winner = stored?.decidedBy ?? '';
    expect([GROUP_MEMBER, APPROVER]).toContain(winner);

    // The loser of the race was told; exactly one approval on record.
    const loser = winner === GROUP_MEMBER ? b : a;
    const reply = await h.fake.waitFor('response_url', (c) => c.responseId === loser.responseId, 20_000);
    expect(String(reply.body.text)).toContain('already decided');
    const entries = await h.server.services.audit.list({ cluster: 'market', limit: 20 });
    const mine = entries.filter((e) => e.requestId === req.requestId);
    expect(mine.filter((e) => e.action === 'approved')).toHaveLength(1);
    expect(mine.find((e) => e.action === 'approved')).toMatchObject({
      actor: winner,
      counts: { recounted: truthWithoutTtl },
    });
    expect(mine.find((e) => e.action === 'approval_requested')).toMatchObject({ actor: REQUESTER });

    // Queued once, for the approved rule, on the queue Redis.
    const runId = runIdFor(req.requestId);
    const state = await h.server.services.ttlRuns.state(runId);
    expect(state).toMatchObject({
      runId,
      cluster: 'market',
      rule: 'coupon-unread',
      requestedBy: REQUESTER,
      approvedBy: winner,
    });
    const job = await runs.getJob(runId);
    expect(job?.data).toMatchObject({
      runId,
      cluster: 'market',
      rule: { match: PATTERN },
      approvedBy: winner,
    });

    // The server's TTL worker runs it: every key of the pattern gets a TTL within [54 d, 60 d].
    await expect.poll(() => keysWithoutTtl(), { timeout: 30_000, interval: 250 }).toBe(0);
    const [, keys] = await h.targetClient.scan('0', 'MATCH', PATTERN, 'COUNT', 10_000);
    for (const key of keys.slice(0, 50)) {
      const ttl = await h.targetClient.ttl(key);
      expect(ttl).toBeGreaterThan(54 * 86_400 - 60);
      expect(ttl).toBeLessThanOrEqual(60 * 86_400);
    }
    await expect
      .poll(
        async () =>
          (await h.server.services.audit.list({ cluster: 'market', limit: 5 })).map((e) => e.action),
        {
          timeout: 10_000,
        },
      )
      .toContain('run_finished');
  });

  it('/redis-audit shows the trail, localized, only to the person asking', async () => {
    // Its own trail: a refused self-approval, then an approval and its run.
    const self = await request('C0AUDITSELF', APPROVER);
    expect(await clickFor(self.approve, self, APPROVER)).toContain('someone else has to approve it');
    await approvedAndRun('C0AUDITOK');
    const { responseId } = await h.slash('market', { command: '/redis-audit' });
    const reply = await h.fake.waitFor('response_url', (c) => c.responseId === responseId);
    expect(reply.body.response_type).toBe('ephemeral');
    const text = textOf(blocksOf(reply));
    expect(text).toContain('Audit log of market');
    expect(text).toMatch(/approved · market · coupon-unread/);
    expect(text).toContain('refused');
    expect(text).toContain('the requester cannot approve their own request');

    h.fake.setUserLocale('UZH', 'zh-CN');
    const zh = await h.slash('market', { command: '/redis-audit', user: 'UZH' });
    const zhReply = await h.fake.waitFor('response_url', (c) => c.responseId === zh.responseId);
    expect(textOf(blocksOf(zhReply))).toContain('market 的审计日志');
  });

  it('`redis-medic audit` lists the same trail (JSON and table)', async () => {
    // At least five entries of its own on market: a dry-run, its request, three refused clicks.
    const req = await request('C0AUDITCLI', REQUESTER);
    for (let i = 0; i < 3; i++)
      expect(await clickFor(req.approve, req, OUTSIDER)).toContain('not an approver');
    const dir = mkdtempSync(join(tmpdir(), 'medic-audit-'));
    const file = join(dir, 'config.yml');
    writeFileSync(
      file,
      `queue:\n  url: ${h.queue.url}\nclusters:\n  - name: market\n    url: ${h.target.url}\n`,
    );
    const json = await runCli(['audit', '--config', file, '--cluster', 'market', '--limit', '5', '--json']);
    expect(json.code, json.stderr).toBe(0);
    // The JSON spells the stored entries' fields in snake_case, like every `--json`.
    const parsed = JSON.parse(json.stdout) as { entries: Record<string, unknown>[] };
    expect(parsed.entries).toHaveLength(5);
    expect(parsed.entries.every((e) => e.cluster === 'market')).toBe(true);
    const stored: AuditEntry[] = await h.server.services.audit.list({ cluster: 'market', limit: 5 });
    expect(
      parsed.entries.map((e) => [e.id, e.action, e.actor, e.rule, e.request_id, e.dry_run_id, e.reason]),
    ).toEqual(stored.map((e) => [e.id, e.action, e.actor, e.rule, e.requestId, e.dryRunId, e.reason]));
    const table = await runCli(['audit', '--config', file, '--limit', '3']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^Time\s+Who\s+Action\s+Cluster/);
    expect(table.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('calls only Web API methods whose scopes the manifest declares (usergroups:read for groups)', async () => {
    // An outsider's Approve makes the bot read the approver groups (unless an earlier test's read is
    // still cached, in which case that read is among the calls already).
    const req = await request('C0SCOPES', REQUESTER);
    expect(await clickFor(req.approve, req, OUTSIDER)).toContain('You are not an approver for market');
    const pseudo = new Set(['response_url', 'upload']);
    const methods = [...new Set(h.fake.calls.map((c) => c.method))].filter((m) => !pseudo.has(m));
    expect(methods).not.toContain('unknown');
    expect(methods).toContain('usergroups.users.list');
    const declared = manifestBotScopes();
    for (const m of methods) {
      expect(SCOPE_FOR_METHOD[m], `scope for ${m}`).toBeDefined();
      expect(declared).toContain(SCOPE_FOR_METHOD[m]);
    }
  });
});

it('no job but the approved ones was ever queued: one per approval', async () => {
  await approvedAndRun('C0JOBS');
  const jobs = await runs.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  const approved = (await h.server.services.audit.list({ limit: 1000 }))
    .filter((e) => e.action === 'approved' && e.requestId)
    .map((e) => runIdFor(e.requestId as string));
  expect(approved.length).toBeGreaterThan(0);
  expect(jobs.map((j) => j.id).sort()).toEqual([...approved].sort());
});
