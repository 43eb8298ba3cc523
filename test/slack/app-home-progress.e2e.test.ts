/**
 * App Home shows a running TTL plan with its progress: keys walked of the keyspace (and the share),
 * keys changed, and each rule's own counts. Through the real bot: "Dry-run the plan", "Request
 * approval", "Approve", then the requester's Pause once the run has changed keys, so the figures
 * hold still while the tab is read. They are checked against the job's own saved checkpoint, read
 * here from BullMQ over a separate connection, and each rule's changed count against Redis (keys
 * of the rule's pattern that lost their missing TTL since the approval).
 */
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TTL_RUN_QUEUE, type TtlJobData } from '../../src/jobs/ttl-job.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { budgetMs } from '../support/budget.js';
import {
  type Button,
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postAppHomeOpened } from '../support/slack/signed-request.js';
import { waitFor } from '../support/wait-for.js';

const APPROVER = 'UAPPROVER';
const REQUESTER = 'UREQUESTER';
/** Two set-missing rules: a key changed is a key of the pattern that had no TTL and has one now. */
const RULES = RUNBOOK_RULES.filter((r) => r.name === 'exchange-price' || r.name === 'coupon-unread');
const DRY_RUN_PLAN: Button = {
  action_id: 'plan_dry_run',
  value: JSON.stringify({ cluster: 'market' }),
  text: 'Dry-run the plan',
};

let h: MedicHarness;
let queueRedis: Redis;
let queue: Queue<TtlJobData>;
beforeAll(async () => {
  h = await startMedicHarness({
    keys: 5_000,
    approvers: { users: [APPROVER, REQUESTER] },
    rules: RULES.map((r) => ({
      name: r.name,
      match: r.match,
      action: r.action,
      ttl: `${r.ttlSec / 86_400}d`,
      risk: r.risk,
    })),
    // ~6 s per walk of the 5,000 keys: the run is still walking when Pause is pressed.
    remediation: { throttle: { keysPerSec: 800, pageSize: 50 } },
  });
  queueRedis = new Redis(h.queue.url, { maxRetriesPerRequest: null });
  queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix: 'redis-medic' });
}, budgetMs(120_000));
afterAll(async () => {
  await queue?.close();
  queueRedis?.disconnect();
  await h?.stop();
});

async function homeOf(user: string): Promise<string> {
  const mark = h.mark();
  await postAppHomeOpened(h.baseUrl, h.signingSecret, user);
  const call = await h.fake.waitFor(
    'views.publish',
    (c) => h.since(mark, c) && c.body.user_id === user,
    budgetMs(10_000),
  );
  return textOf((call.body.view as { blocks: unknown[] }).blocks);
}

/** Keys of `pattern` without a TTL, one pipeline per SCAN page. */
async function withoutTtl(pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await h.targetClient.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
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

interface RawCounters {
  scanned: number;
  changed: number;
}
/** The job's checkpoint as BullMQ stores it: the walk's nodes (DBSIZE) and, per rule, its counters. */
interface RawCheckpoint {
  nodes: { dbsize?: number }[];
  counters: RawCounters;
  plan?: { mode: string; walk?: { rules: { counters: RawCounters }[] } };
}

const int = (n: number) => n.toLocaleString('en-US');

it(
  'a paused plan shows keys walked of the keyspace, keys changed, and each rule’s counts, equal to the job’s own',
  async () => {
    const dry = await h.click(
      DRY_RUN_PLAN,
      { ts: '1700000000.000100' },
      { channel: MARKET_CHANNEL, user: REQUESTER },
    );
    const table = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(dry.mark, c) && hasButton(c, 'plan_request_approval'),
      budgetMs(60_000),
    );
    const message = { ts: String(table.body.ts), blocks: blocksOf(table) };
    const ask = await h.click(buttonOf(message.blocks, 'plan_request_approval'), message, {
      channel: MARKET_CHANNEL,
      user: REQUESTER,
    });
    const posted = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(ask.mark, c) && hasButton(c, 'plan_approve'),
      budgetMs(10_000),
    );
    const before = new Map<string, number>();
    for (const r of RULES) before.set(r.name, await withoutTtl(r.match));
    const approving = h.mark();
    await h.click(buttonOf(blocksOf(posted), 'plan_approve'), messageOf(posted), {
      channel: MARKET_CHANNEL,
      user: APPROVER,
    });
    const progress = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(approving, c) && hasButton(c, 'ttl_run_pause'),
      budgetMs(60_000),
    );
    const runId = (JSON.parse(buttonOf(blocksOf(progress), 'ttl_run_pause').value) as { run: string }).run;
    // Let it change keys first, so the pause lands mid-walk.
    await waitFor(
      'the run to change keys',
      async () => ((await queue.getJob(runId))?.data.checkpoint?.counters.changed ?? 0) > 0 || undefined,
      budgetMs(30_000),
    );
    const pause = await h.click(buttonOf(blocksOf(progress), 'ttl_run_pause'), messageOf(progress), {
      channel: MARKET_CHANNEL,
      user: REQUESTER,
    });
    expect(pause.res.status).toBe(200);
    // Paused for good: the worker saved its stop (pausedAt) and the job sleeps as a delayed job.
    const job: Job<TtlJobData> = await waitFor(
      'the run to be paused',
      async () => {
        const j = await queue.getJob(runId);
        return j && j.data.pausedAt !== undefined && (await j.isDelayed()) ? j : undefined;
      },
      budgetMs(30_000),
    );
    const cp = job.data.checkpoint as unknown as RawCheckpoint;
    const plan = job.data.plan;
    if (!plan) throw new Error('the run is not a plan');
    const total = cp.nodes.reduce((s, n) => s + (n.dbsize ?? 0), 0);
    expect(total).toBe(await h.targetClient.dbsize());
    expect(cp.counters.changed).toBeGreaterThan(0);
    const perRule = cp.plan?.walk?.rules.map((r) => r.counters) ?? [];
    expect(perRule).toHaveLength(plan.rules.length);

    const home = await homeOf(APPROVER);
    const head = new RegExp(
      `• the TTL plan \\(paused\\): ([\\d,]+) / ${int(total)} keys walked \\(([\\d.]+)%\\) · ${int(cp.counters.changed)} changed`,
    ).exec(home);
    expect(head, home).not.toBeNull();
    const walked = Number((head?.[1] ?? '').replace(/,/g, ''));
    // Mid-walk: some of the keyspace walked, not all of it, and the share is walked / total.
    expect(walked).toBeGreaterThan(0);
    expect(walked).toBeLessThan(total);
    expect(Number(head?.[2])).toBeCloseTo((walked / total) * 100, 0);
    for (const [i, rule] of plan.rules.entries()) {
      const c = perRule[i] as RawCounters;
      expect(home).toContain(
        `◦ \`${rule.name}\`: ${int(c.scanned)} matching keys walked · ${int(c.changed)} changed`,
      );
      // Redis agrees: that many keys of the rule's pattern lost their missing TTL.
      expect(c.changed).toBe((before.get(rule.name) ?? 0) - (await withoutTtl(rule.match)));
    }
    // The per-rule counts add up to the plan's.
    expect(perRule.reduce((s, c) => s + c.changed, 0)).toBe(cp.counters.changed);

    // Cancelled: once its control record says so, the tab lists it no more (whether or not the
    // timeline's end entry is written yet).
    expect((await h.server.services.ttlRuns.cancel(runId, REQUESTER)).ok).toBe(true);
    await waitFor(
      'the run to end cancelled',
      async () => (await h.server.services.ttlRuns.state(runId))?.status === 'cancelled' || undefined,
      budgetMs(30_000),
    );
    expect(await homeOf(APPROVER)).not.toContain('the TTL plan');
  },
  budgetMs(240_000),
);
