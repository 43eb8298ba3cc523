/**
 * The whole TTL plan through the real bot (signed requests, fake Slack Web API, the server's own
 * BullMQ worker) on the demo dataset with the runbook's four rules: the bot's monitoring alert opens
 * the incident, then "Dry-run the plan" (the button its checklist carries), "Request approval", a
 * second person's "Approve": three clicks, no typed command, and the four rules run in one job, in
 * the runbook's order. The checklist ticks dry_run, sign_off and execute each at its moment, and the
 * incident's timeline holds every event in the order it happened. Checked against Redis: every rule's keys get
 * TTLs in the rule's stated range (PEXPIRETIME) and nothing else changes; each rule's counters in
 * the audit log equal the ground truth. The requester's own approval and an outsider's are refused
 * and audited. With an off-peak window that is not now, an approval schedules the run (its Cancel
 * button cancels it) and "Run now" runs it at once, audited as an override.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { TTL_RUN_QUEUE } from '../../src/jobs/ttl-job.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { checkPlan, matchingByRule } from '../remediation/plan-truth.js';
import { serverNow, snapshotKeyspace } from '../remediation/support.js';
import { readAuditStream } from '../support/audit-stream.js';
import { budgetMs } from '../support/budget.js';
import {
  type ActionMessage,
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
import { waitFor } from '../support/wait-for.js';

const APPROVER = 'UAPPROVER';
const REQUESTER = 'UREQUESTER';
const OUTSIDER = 'UOUTSIDER';
const KEYS = 30_000;

/** The runbook's rules as the config file writes them (test/fixtures/runbook-rules.ts). */
const RULES_CONFIG = RUNBOOK_RULES.map((r) => ({
  name: r.name,
  match: r.match,
  action: r.action,
  ttl: `${r.ttlSec / 86_400}d`,
  jitter: `${Math.round(r.jitter * 100)}%`,
  risk: r.risk,
}));

/** What h18a's checklist renders: the plan buttons carry only the cluster. */
const DRY_RUN_PLAN: Button = {
  action_id: 'plan_dry_run',
  value: JSON.stringify({ cluster: 'market' }),
  text: 'Dry-run the plan',
};

interface Entry {
  action: string;
  actor: string;
  rule?: string;
  reason?: string;
  runId?: string;
  counts?: Record<string, number>;
}

/** The audit stream as Redis holds it (not through the AuditLog class), counts parsed. */
async function auditEntries(h: MedicHarness): Promise<Entry[]> {
  return (await readAuditStream(h.queue.url, 'redis-medic')).map((e) => ({
    action: e.action ?? '',
    actor: e.actor ?? '',
    ...(e.rule ? { rule: e.rule } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.runId ? { runId: e.runId } : {}),
    ...(e.counts ? { counts: JSON.parse(e.counts) as Record<string, number> } : {}),
  }));
}

/** Click "Dry-run the plan", wait for the plan table; then "Request approval"; returns the request message. */
async function dryRunAndRequest(
  h: MedicHarness,
  clicks: { n: number },
  from: { button: Button; message: ActionMessage } = {
    button: DRY_RUN_PLAN,
    message: { ts: '1700000000.000100' },
  },
  afterDryRun?: () => Promise<void>,
): Promise<{ message: ActionMessage; approve: Button }> {
  const dry = await h.click(from.button, from.message, { channel: MARKET_CHANNEL, user: REQUESTER });
  clicks.n++;
  expect(dry.res.status).toBe(200);
  const table = await h.fake.waitFor(
    'chat.update',
    // The plan's table, not a redraw of the checklist (which carries "Request approval" too).
    (c) =>
      h.since(dry.mark, c) &&
      hasButton(c, 'plan_request_approval') &&
      RUNBOOK_RULES.every((r) => textOf(blocksOf(c)).includes(r.name)),
    budgetMs(30_000),
  );
  const tableMessage = { ts: String(table.body.ts), blocks: blocksOf(table) };
  const text = textOf(tableMessage.blocks);
  for (const r of RUNBOOK_RULES) expect(text).toContain(r.name);
  await afterDryRun?.();
  const req = await h.click(buttonOf(tableMessage.blocks, 'plan_request_approval'), tableMessage, {
    channel: MARKET_CHANNEL,
    user: REQUESTER,
  });
  clicks.n++;
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(req.mark, c) && hasButton(c, 'plan_approve'),
    budgetMs(10_000),
  );
  const message = { ts: tsOf(posted), blocks: blocksOf(posted) };
  return { message, approve: buttonOf(message.blocks ?? [], 'plan_approve') };
}

describe('the TTL plan through the bot', () => {
  let h: MedicHarness;
  let runs: Queue;
  let conn: Redis;
  let queueStore: IncidentStore;

  beforeAll(async () => {
    h = await startMedicHarness({
      keys: KEYS,
      approvers: { users: [APPROVER, REQUESTER] },
      rules: RULES_CONFIG,
      remediation: { throttle: false },
      // The bot samples every second and alerts at once: the incident starts from its alert post.
      monitoring: { sample: { cron: '* * * * * *' }, alerts: { minDurationSeconds: 0 } },
    });
    conn = new Redis(h.queue.url, { maxRetriesPerRequest: null });
    runs = new Queue(TTL_RUN_QUEUE, { connection: conn, prefix: 'redis-medic' });
    queueStore = new IncidentStore(conn, { prefix: 'redis-medic', idleHours: 24 });
  }, budgetMs(120_000));

  afterAll(async () => {
    await runs?.close();
    conn?.disconnect();
    await h?.stop();
  });

  it(
    'three clicks run the four rules: TTLs in each stated range, per-rule counters equal ground truth; self and outsider refused',
    async () => {
      const matching = await matchingByRule(h.targetClient, RUNBOOK_RULES);
      const before = await snapshotKeyspace(h.targetClient);
      const start = await serverNow(h.targetClient);
      // The alert (84.6 % is past the 70 % critical line) opens the incident; its checklist in the
      // alert's thread carries "Dry-run the plan". From here on: clicks only, no typed command.
      const checklistPost = await h.fake.waitFor(
        'chat.postMessage',
        (c) =>
          c.body.channel === MARKET_CHANNEL &&
          typeof c.body.thread_ts === 'string' &&
          textOf(blocksOf(c)).includes('Incident checklist: market'),
        budgetMs(30_000),
      );
      const threadTs = String(checklistPost.body.thread_ts);
      const checklistTs = tsOf(checklistPost);
      const incidentId = await waitFor(
        'the alert-opened incident',
        async () => (await queueStore.findOpen('market', MARKET_CHANNEL))?.id,
        budgetMs(10_000),
      );
      expect((await queueStore.get(incidentId))?.openedBy).toBe('monitor');
      const stepState = async (step: string) =>
        (await queueStore.steps(incidentId)).get(step)?.state ?? 'pending';
      const clicks = { n: 0 };
      const { message, approve } = await dryRunAndRequest(
        h,
        clicks,
        {
          button: buttonOf(blocksOf(checklistPost), 'plan_dry_run'),
          message: { ts: checklistTs, thread_ts: threadTs, blocks: blocksOf(checklistPost) },
        },
        async () => {
          // The plan's table is up: the dry-run step is done, the sign-off not yet started.
          await expect.poll(() => stepState('dry_run'), { timeout: budgetMs(10_000) }).toBe('done');
          expect(await stepState('sign_off')).toBe('pending');
          expect(await stepState('execute')).toBe('pending');
        },
      );
      // Approval asked for: the sign-off is under way, nothing runs yet.
      await expect.poll(() => stepState('sign_off'), { timeout: budgetMs(10_000) }).toBe('in_progress');
      expect(await stepState('execute')).toBe('pending');

      for (const user of [REQUESTER, OUTSIDER]) {
        const refused = await h.click(approve, message, { channel: MARKET_CHANNEL, user });
        await h.fake.waitFor('response_url', (c) => c.responseId === refused.responseId, budgetMs(10_000));
      }
      const ok = await h.click(approve, message, { channel: MARKET_CHANNEL, user: APPROVER });
      clicks.n++;
      expect(ok.res.status).toBe(200);
      // From the alert to the plan running: three clicks (at most four allowed), no command typed.
      expect(clicks.n).toBe(3);
      await expect.poll(() => stepState('sign_off'), { timeout: budgetMs(10_000) }).toBe('done');

      await expect
        .poll(async () => (await auditEntries(h)).filter((e) => e.action === 'run_finished').length, {
          timeout: budgetMs(60_000),
          interval: 250,
        })
        .toBe(RUNBOOK_RULES.length);
      const end = await serverNow(h.targetClient);
      const truth = checkPlan(
        RUNBOOK_RULES,
        before,
        await snapshotKeyspace(h.targetClient),
        matching,
        start,
        end,
      );
      const entries = await auditEntries(h);
      for (const r of RUNBOOK_RULES) {
        const finished = entries.filter((e) => e.action === 'run_finished' && e.rule === r.name);
        expect(finished).toHaveLength(1);
        expect(finished[0]?.counts?.changed, r.name).toBe(truth.get(r.name)?.changed);
        expect(finished[0]?.counts?.scanned, r.name).toBe(truth.get(r.name)?.scanned);
        expect(entries.filter((e) => e.action === 'approved' && e.rule === r.name)).toHaveLength(1);
      }
      const refusals = entries.filter((e) => e.action === 'refused').map((e) => `${e.actor}:${e.reason}`);
      expect(refusals).toEqual(
        expect.arrayContaining([`${REQUESTER}:self_approval`, `${OUTSIDER}:not_approver`]),
      );
      // The four rules ran in the runbook's order: lowest risk first, then fewest keys to change.
      const riskRank = { low: 0, medium: 1, unknown: 2, high: 3 } as const;
      const expectedOrder = [...RUNBOOK_RULES]
        .sort(
          (a, b) =>
            riskRank[a.risk ?? 'unknown'] - riskRank[b.risk ?? 'unknown'] ||
            (truth.get(a.name)?.changed ?? 0) - (truth.get(b.name)?.changed ?? 0),
        )
        .map((r) => r.name);
      expect(entries.filter((e) => e.action === 'run_started').map((e) => e.rule)).toEqual(expectedOrder);
      expect(entries.filter((e) => e.action === 'run_finished').map((e) => e.rule)).toEqual(expectedOrder);

      // The incident checklist: the plan's dry-run, its approval and its run ticked their steps, in order.
      const steps = await waitFor(
        'the execute step to be ticked',
        async () => {
          const found = await queueStore.steps(incidentId);
          return found.get('execute')?.state === 'done' ? found : undefined;
        },
        budgetMs(20_000),
      );
      expect(steps.get('dry_run')).toMatchObject({ state: 'done', by: REQUESTER });
      expect(steps.get('sign_off')).toMatchObject({ state: 'done', by: APPROVER });
      const at = (id: string) => Date.parse(steps.get(id)?.at ?? '');
      expect(at('dry_run')).toBeLessThanOrEqual(at('sign_off'));
      expect(at('sign_off')).toBeLessThanOrEqual(at('execute'));
      // The pinned checklist message was redrawn in place with the three steps done.
      const drawn = await waitFor(
        'the checklist redrawn with execute done',
        () =>
          h.fake
            .callsTo('chat.update')
            .filter((c) => c.body.ts === checklistTs)
            .map((c) => textOf(blocksOf(c)))
            .find((text) => (text.match(/:white_check_mark:/g) ?? []).length >= 3),
        budgetMs(10_000),
      );
      expect(drawn).toContain(`done by <@${REQUESTER}>`);
      expect(drawn).toContain(`done by <@${APPROVER}>`);

      // The timeline, as the queue Redis holds it, has every event, in the order they happened.
      const timeline = (await conn.lrange(`redis-medic:incident:${incidentId}:timeline`, 0, -1)).map(
        (l) => JSON.parse(l) as { kind: string; data?: { step?: string } },
      );
      // An alert entry by its family: the reading may sit just past the critical or the emergency line.
      const labels = timeline.map((e) =>
        e.data?.step ? `${e.kind}:${e.data.step}` : e.kind.startsWith('alert_') ? 'alert' : e.kind,
      );
      const sequence = [
        'opened',
        'alert',
        'ttl_plan_dry_run',
        'step_done:dry_run',
        'ttl_plan_approval_requested',
        'ttl_plan_approved',
        'step_done:sign_off',
        'ttl_run_started',
        'ttl_run_finished',
        'step_done:execute',
      ];
      // One end per rule on the timeline, with the keys Redis shows that rule's run changed.
      const ends = timeline.filter((e) => e.kind === 'ttl_run_finished') as {
        data?: { rule?: string; changed?: number };
      }[];
      expect(ends.map((e) => e.data?.rule)).toEqual(expectedOrder);
      for (const e of ends)
        expect(e.data?.changed, e.data?.rule).toBe(truth.get(e.data?.rule ?? '')?.changed);
      const positions = sequence.map((kind) => labels.indexOf(kind));
      expect(
        positions.every((p) => p >= 0),
        `${labels.join(', ')}`,
      ).toBe(true);
      expect(
        [...positions].sort((a, b) => a - b),
        labels.join(', '),
      ).toEqual(positions);
      expect(labels.indexOf('step_in_progress:sign_off')).toBeGreaterThan(
        labels.indexOf('step_done:dry_run'),
      );
      expect(labels.indexOf('step_in_progress:sign_off')).toBeLessThan(labels.indexOf('step_done:sign_off'));
      // The run's summary names every rule.
      const summary = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(ok.mark, c) && RUNBOOK_RULES.every((r) => String(c.body.text ?? '').includes(r.name)),
        budgetMs(10_000),
      );
      expect(summary).toBeDefined();
    },
    budgetMs(240_000),
  );
});

describe('the TTL plan outside its off-peak window', () => {
  let h: MedicHarness;
  let conn: Redis;
  let runs: Queue;

  beforeAll(async () => {
    // A one-hour window starting two hours from now (UTC): now is outside it.
    const at = (hours: number) => {
      const d = new Date(Date.now() + hours * 3_600_000);
      return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    };
    h = await startMedicHarness({
      keys: 10_000,
      approvers: { users: [APPROVER, REQUESTER] },
      rules: RULES_CONFIG,
      remediation: { throttle: false },
      offPeak: { from: at(2), to: at(3), timeZone: 'UTC' },
    });
    conn = new Redis(h.queue.url, { maxRetriesPerRequest: null });
    runs = new Queue(TTL_RUN_QUEUE, { connection: conn, prefix: 'redis-medic' });
  }, budgetMs(120_000));

  afterAll(async () => {
    await runs?.close();
    conn?.disconnect();
    await h?.stop();
  });

  it(
    'Approve schedules the run (shown, cancellable); Run now runs at once, audited as an override',
    async () => {
      const first = await dryRunAndRequest(h, { n: 0 });
      expect(buttonOf(first.message.blocks ?? [], 'plan_run_now').action_id).toBe('plan_run_now');
      const approved = await h.click(first.approve, first.message, {
        channel: MARKET_CHANNEL,
        user: APPROVER,
      });
      const note = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(approved.mark, c) && hasButton(c, 'ttl_run_cancel'),
        budgetMs(20_000),
      );
      const cancel = buttonOf(blocksOf(note), 'ttl_run_cancel');
      const runId = (JSON.parse(cancel.value) as { run: string }).run;
      expect(await (await runs.getJob(runId))?.getState()).toBe('delayed');
      expect((await auditEntries(h)).some((e) => e.action === 'run_scheduled' && e.runId === runId)).toBe(
        true,
      );
      await h.click(
        cancel,
        { ts: tsOf(note), blocks: blocksOf(note) },
        { channel: MARKET_CHANNEL, user: APPROVER },
      );
      await expect
        .poll(
          async () => (await auditEntries(h)).some((e) => e.action === 'run_cancelled' && e.runId === runId),
          {
            timeout: budgetMs(20_000),
            interval: 250,
          },
        )
        .toBe(true);

      const second = await dryRunAndRequest(h, { n: 0 });
      const runNow = buttonOf(second.message.blocks ?? [], 'plan_run_now');
      await h.click(runNow, second.message, { channel: MARKET_CHANNEL, user: APPROVER });
      await expect
        .poll(
          async () => {
            const entries = await auditEntries(h);
            return (
              entries.some((e) => e.action === 'run_now_override' && e.actor === APPROVER) &&
              entries.filter((e) => e.action === 'run_finished' && e.reason === undefined).length ===
                RUNBOOK_RULES.length
            );
          },
          { timeout: budgetMs(60_000), interval: 250 },
        )
        .toBe(true);
    },
    budgetMs(240_000),
  );
});
