/**
 * App Home lists a pending TTL plan approval (the whole plan's one request) to the people who may
 * approve it: an approver who did not ask for it sees it; the requester and someone who is no
 * approver do not. Once approved and run, the incident's closing report gives the keys fixed per
 * rule of the plan (each equal to what Redis shows the run changed for that rule), not one line
 * for the plan. Through the real bot: "Dry-run the plan", "Request approval", "Approve" clicked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { checkPlan, matchingByRule } from '../remediation/plan-truth.js';
import { serverNow, snapshotKeyspace } from '../remediation/support.js';
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
import { postAppHomeOpened, postViewSubmission } from '../support/slack/signed-request.js';
import { waitFor } from '../support/wait-for.js';

const APPROVER = 'UAPPROVER';
const REQUESTER = 'UREQUESTER';
const RULES_CONFIG = RUNBOOK_RULES.map((r) => ({
  name: r.name,
  match: r.match,
  action: r.action,
  ttl: `${r.ttlSec / 86_400}d`,
  jitter: `${Math.round(r.jitter * 100)}%`,
  risk: r.risk,
}));
const DRY_RUN_PLAN: Button = {
  action_id: 'plan_dry_run',
  value: JSON.stringify({ cluster: 'market' }),
  text: 'Dry-run the plan',
};

let h: MedicHarness;
beforeAll(async () => {
  h = await startMedicHarness({
    keys: 5_000,
    approvers: { users: [APPROVER, REQUESTER] },
    rules: RULES_CONFIG,
    remediation: { throttle: false },
  });
}, budgetMs(120_000));
afterAll(async () => {
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

it(
  'lists the pending plan approval only to an approver who did not ask for it; the closing report counts keys fixed per rule',
  async () => {
    const dry = await h.click(
      DRY_RUN_PLAN,
      { ts: '1700000000.000100' },
      { channel: MARKET_CHANNEL, user: REQUESTER },
    );
    const table = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(dry.mark, c) && hasButton(c, 'plan_request_approval'),
      budgetMs(30_000),
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
    expect(await homeOf(APPROVER)).toMatch(
      new RegExp(
        `Waiting for your approval\\*\\n• market: the whole TTL plan, requested by <@${REQUESTER}>, [\\d,]+ keys`,
      ),
    );
    expect(await homeOf(REQUESTER)).not.toContain('Waiting for your approval');
    expect(await homeOf('UNOBODY')).not.toContain('Waiting for your approval');

    // Ground truth from Redis itself (every DB): each rule's keys before and after the run.
    const matching = await matchingByRule(h.targetClient, RUNBOOK_RULES);
    const before = await snapshotKeyspace(h.targetClient);
    const start = await serverNow(h.targetClient);
    const approval = { ts: tsOf(posted), blocks: blocksOf(posted) };
    await h.click(buttonOf(approval.blocks, 'plan_approve'), approval, {
      channel: MARKET_CHANNEL,
      user: APPROVER,
    });
    const incident = await waitFor(
      'the incident',
      () => h.server.services.incidents.findOpen('market', MARKET_CHANNEL),
      budgetMs(5_000),
    );
    await waitFor(
      'the plan to finish',
      async () =>
        (await h.server.services.incidents.timeline(incident.id)).some(
          (e) => e.kind === 'ttl_run_finished',
        ) || undefined,
      budgetMs(60_000),
    );
    const close = await h.slash('close market', { channel: MARKET_CHANNEL, command: '/redis-incident' });
    const form = await h.fake.waitFor('views.open', (c) => h.since(close.mark, c), budgetMs(5_000));
    const view = form.body.view as { private_metadata: string; callback_id: string };
    const mark = h.mark();
    await postViewSubmission(h.baseUrl, h.signingSecret, {
      user: { id: REQUESTER },
      view: {
        id: 'V1',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { text: { text: { type: 'plain_text_input', value: 'TTLs set' } } },
      },
    });
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && String(c.body.text).includes('Incident closed'),
      budgetMs(10_000),
    );
    const truth = checkPlan(
      RUNBOOK_RULES,
      before,
      await snapshotKeyspace(h.targetClient),
      matching,
      start,
      await serverNow(h.targetClient),
    );
    const text = textOf(blocksOf(report));
    for (const r of RUNBOOK_RULES) {
      const changed = truth.get(r.name)?.changed ?? -1;
      const n = `${changed.toLocaleString('en-US')} ${changed === 1 ? 'key' : 'keys'}`;
      expect(text).toContain(`\`${r.name}\`: ${n} given a TTL`);
    }
    expect(text).not.toMatch(/`plan-[^`]*`: /);
    // No scale during this incident: the report says so, and prices nothing.
    expect(text).toContain('*Cost impact:* no scaling was done during the incident, so no cost change.');
  },
  budgetMs(180_000),
);
