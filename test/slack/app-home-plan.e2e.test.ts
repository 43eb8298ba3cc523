/**
 * App Home lists a pending TTL plan approval (the whole plan's one request) to the people who may
 * approve it: an approver who did not ask for it sees it; the requester and someone who is no
 * approver do not. Through the real bot: "Dry-run the plan" and "Request approval" clicked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
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
} from '../support/medic-harness.js';
import { postSignedRequest } from '../support/slack/signed-request.js';

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
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${user}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D1', tab: 'home', event_ts: `${Date.now() / 1000}` },
  });
  await postSignedRequest(h.baseUrl, h.signingSecret, body, 'application/json');
  const call = await h.fake.waitFor(
    'views.publish',
    (c) => h.since(mark, c) && c.body.user_id === user,
    budgetMs(10_000),
  );
  return textOf((call.body.view as { blocks: unknown[] }).blocks);
}

it(
  'lists the pending plan approval only to an approver who did not ask for it',
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
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(ask.mark, c) && hasButton(c, 'plan_approve'),
      budgetMs(10_000),
    );
    expect(await homeOf(APPROVER)).toMatch(
      new RegExp(
        `Waiting for your approval\\*\\n• market: the TTL plan requested by <@${REQUESTER}>, [\\d,]+ keys`,
      ),
    );
    expect(await homeOf(REQUESTER)).not.toContain('Waiting for your approval');
    expect(await homeOf('UNOBODY')).not.toContain('Waiting for your approval');
  },
  budgetMs(120_000),
);
