/**
 * Requests Slack did not send are refused and run nothing: a forged signature, the same signed
 * request sent twice (a replay inside the five-minute window), and requests dated 600 s and
 * 3,600 s in the future. Each is answered 401 and leaves no trace in Slack: a control request sent
 * right after it is answered, and by then nothing has answered the refused one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKET_CHANNEL, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import { Scenario } from '../support/reliability-report.js';
import { postSignedRequest, type SignedPostOptions } from '../support/slack/signed-request.js';

let h: MedicHarness;
const scenario = new Scenario('forged, replayed and future-dated requests');

beforeAll(async () => {
  h = await startMedicHarness({ keys: 1_000 });
}, 120_000);
afterAll(async () => {
  scenario.save();
  await h?.stop();
});

let ids = 0;
/** A `/redis-status help` form body: answered on its response_url, which names the request. */
function helpBody(responseId: string): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'test',
    channel_id: MARKET_CHANNEL,
    channel_name: 'market',
    user_id: 'UONCALL',
    user_name: 'uoncall',
    command: '/redis-status',
    text: 'help',
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: h.fake.responseUrl(responseId),
    trigger_id: `trigger-${responseId}`,
  }).toString();
}

const post = (body: string, opts: SignedPostOptions = {}) =>
  postSignedRequest(h.baseUrl, h.signingSecret, body, 'application/x-www-form-urlencoded', opts);

/** How often the bot answered `responseId`, once a control request sent after it was answered. */
async function answersTo(responseId: string): Promise<number> {
  const control = `control-${++ids}`;
  const res = await post(helpBody(control));
  expect(res.status).toBe(200);
  await h.fake.waitFor('response_url', (c) => c.responseId === control, 20_000);
  return h.fake.callsTo('response_url').filter((c) => c.responseId === responseId).length;
}

describe('requests Slack did not send', () => {
  it('a valid signed request is answered once (the positive control)', async () => {
    await scenario.run(async () => {
      const id = `valid-${++ids}`;
      expect((await post(helpBody(id))).status).toBe(200);
      await h.fake.waitFor('response_url', (c) => c.responseId === id, 20_000);
      expect(await answersTo(id)).toBe(1);
    });
  });

  it('a forged signature is refused with 401 and runs nothing', async () => {
    await scenario.run(async () => {
      const id = `forged-${++ids}`;
      const res = await post(helpBody(id), { badSignature: true });
      scenario.figure('forged → status', res.status);
      expect(res.status).toBe(401);
      expect(await answersTo(id)).toBe(0);
    });
  });

  it('the same signed request sent twice runs once: the replay is refused', async () => {
    await scenario.run(async () => {
      const id = `replay-${++ids}`;
      const body = helpBody(id);
      const timestampSec = Math.floor(Date.now() / 1000);
      const first = await post(body, { timestampSec });
      const second = await post(body, { timestampSec });
      scenario.figure('replay → status', second.status);
      expect(first.status).toBe(200);
      await h.fake.waitFor('response_url', (c) => c.responseId === id, 20_000);
      const answers = await answersTo(id);
      scenario.figure('replay → answers', answers);
      expect(second.status, 'a replayed request must be refused').toBe(401);
      expect(answers, 'a replayed request must not run again').toBe(1);
    });
  });

  for (const aheadSec of [600, 3_600]) {
    it(`a request dated ${aheadSec} s in the future is refused with 401 and runs nothing`, async () => {
      await scenario.run(async () => {
        const id = `future-${aheadSec}-${++ids}`;
        const res = await post(helpBody(id), { timestampSec: Math.floor(Date.now() / 1000) + aheadSec });
        const answers = await answersTo(id);
        scenario.figure(`+${aheadSec} s → status`, res.status);
        scenario.figure(`+${aheadSec} s → answers`, answers);
        expect(res.status, `a request dated ${aheadSec} s ahead must be refused`).toBe(401);
        expect(answers, `a request dated ${aheadSec} s ahead must not run`).toBe(0);
      });
    });
  }

  it('a request dated 6 minutes in the past is refused with 401 (Bolt’s window)', async () => {
    await scenario.run(async () => {
      const id = `stale-${++ids}`;
      const res = await post(helpBody(id), { timestampSec: Math.floor(Date.now() / 1000) - 360 });
      expect(res.status).toBe(401);
      expect(await answersTo(id)).toBe(0);
    });
  });
});
