/**
 * An approved TTL run in the real bot, paced slowly enough to press its buttons: the progress message
 * in the thread carries Pause / Cancel; an outsider's Pause is refused; the requester's Pause stops
 * the run's writes within a page (the keys without TTL stop falling); an approver's Resume lets it
 * finish, and the audit log holds the whole story.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  buttonOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const PATTERN = 'MARKETING:COUPON:UNREAD:*';
const CHANNEL = 'C0RUN';
const REQUESTER = 'UREQUESTER';
const APPROVER = 'UAPPROVER';
const OUTSIDER = 'UOUTSIDER';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({
    approvers: { users: [APPROVER] },
    rules: [{ name: 'coupon-unread', match: PATTERN, action: 'set-missing', ttl: '60d', risk: 'low' }],
    // ~5 s per walk of the 5,000 keys: time to press Pause while the run is walking.
    remediation: { throttle: { keysPerSec: 1000, pageSize: 50 } },
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

async function keysWithoutTtl(): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await h.targetClient.scan(cursor, 'MATCH', PATTERN, 'COUNT', 1000);
    cursor = next;
    // One pipeline per page: a TTL round trip per key is slow on a loaded machine, and the run
    // must still be in progress when the test presses Pause.
    const pipeline = h.targetClient.pipeline();
    for (const key of keys) pipeline.ttl(key);
    for (const [err, ttl] of (await pipeline.exec()) ?? []) if (!err && ttl === -1) count += 1;
  } while (cursor !== '0');
  return count;
}

function messageOf(call: RecordedCall) {
  const thread = typeof call.body.thread_ts === 'string' ? call.body.thread_ts : undefined;
  return { ts: tsOf(call), ...(thread ? { thread_ts: thread } : {}), blocks: blocksOf(call) };
}

async function press(call: RecordedCall, actionId: string, user: string): Promise<string> {
  const click = await h.click(buttonOf(blocksOf(call), actionId), messageOf(call), {
    channel: CHANNEL,
    user,
  });
  expect(click.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 15_000);
  return String(reply.body.text);
}

describe('a TTL run in the thread: Pause, Resume, who may press them', () => {
  it('pauses within a page for the requester, refuses an outsider, resumes for an approver and finishes', async () => {
    const before = await keysWithoutTtl();
    expect(before).toBeGreaterThan(20);

    // Dry-run, request approval, approve.
    const { mark } = await h.slash('market coupon-unread', {
      command: '/redis-ttl',
      user: REQUESTER,
      channel: CHANNEL,
    });
    const dry = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(mark, c) && c.body.channel === CHANNEL && hasButton(c, 'ttl_request_approval'),
      30_000,
    );
    const requested = h.mark();
    // A request that goes through answers with the request message in the thread, not with an
    // ephemeral reply: any response_url reply to this click is a refusal or a failure.
    const asked = await h.click(buttonOf(blocksOf(dry), 'ttl_request_approval'), messageOf(dry), {
      channel: CHANNEL,
      user: REQUESTER,
    });
    expect(asked.res.status).toBe(200);
    const request = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(requested, c) && c.body.channel === CHANNEL && hasButton(c, 'ttl_approve'),
      15_000,
    );
    expect(
      h.fake.callsTo('response_url').filter((c) => c.responseId === asked.responseId),
      'the approval request was answered with an ephemeral refusal',
    ).toEqual([]);
    const approving = h.mark();
    await h.click(buttonOf(blocksOf(request), 'ttl_approve'), messageOf(request), {
      channel: CHANNEL,
      user: APPROVER,
    });

    // The run's progress message, with Pause and Cancel.
    const progress = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(approving, c) && c.body.channel === CHANNEL && hasButton(c, 'ttl_run_pause'),
      30_000,
    );

    // Let it change some keys first, so the pause lands mid-run.
    await expect.poll(() => keysWithoutTtl(), { timeout: 20_000, interval: 100 }).toBeLessThan(before);
    expect(await press(progress, 'ttl_run_pause', OUTSIDER)).toContain('Only the requester');
    expect(await press(progress, 'ttl_run_pause', REQUESTER)).toContain('Pausing');

    // Paused: the message offers Resume, and the keys without TTL stop falling.
    const paused = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(approving, c) && c.body.ts === tsOf(progress) && hasButton(c, 'ttl_run_resume'),
      15_000,
    );
    const atPause = await keysWithoutTtl();
    expect(atPause).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await keysWithoutTtl()).toBe(atPause);

    expect(await press(paused, 'ttl_run_resume', APPROVER)).toContain('Resuming');
    await expect.poll(() => keysWithoutTtl(), { timeout: 60_000, interval: 500 }).toBe(0);
    await expect
      .poll(
        async () =>
          (await h.server.services.audit.list({ cluster: 'market', limit: 30 }))
            .map((e) => `${e.action}:${e.reason ?? ''}`)
            .reverse(),
        { timeout: 15_000 },
      )
      .toEqual(
        expect.arrayContaining(['refused:not_allowed_pause', 'run_paused:', 'run_resumed:', 'run_finished:']),
      );
    const actions = (await h.server.services.audit.list({ cluster: 'market', limit: 30 })).reverse();
    const steps = ['run_started', 'run_paused', 'run_resumed', 'run_finished'];
    const order = steps.map((a) => actions.findIndex((e) => e.action === a));
    // Each step is in the log (findIndex gives −1 for a missing one, which would sort first).
    for (const [i, at] of order.entries()) {
      expect(at, `${steps[i]} missing from the audit log`).toBeGreaterThanOrEqual(0);
    }
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(actions.find((e) => e.action === 'run_paused')?.actor).toBe(REQUESTER);
    expect(actions.find((e) => e.action === 'run_resumed')?.actor).toBe(APPROVER);
  }, 120_000);
});
