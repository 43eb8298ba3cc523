/**
 * "Request approval" on a dry-run works only in the channel the dry-run was posted in, like every
 * other button: a click on it from another channel (a stray or forged click) opens no approval
 * request there, gets a private refusal, and is audited. Read from the fake Slack and the queue
 * Redis's audit stream, not from the code under test.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAuditStream } from '../support/audit-stream.js';
import {
  blocksOf,
  buttonOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
} from '../support/medic-harness.js';

const HOME = 'C0HOME';
const ELSEWHERE = 'C0ELSEWHERE';

let h: MedicHarness;
beforeAll(async () => {
  h = await startMedicHarness({
    keys: 500,
    approvers: { users: ['UAPPROVER'] },
    rules: [
      { name: 'where', match: 'where:*', action: 'set-missing', ttl: '30d', jitter: '0%', risk: 'low' },
    ],
  });
  await h.targetClient.config('SET', 'maxmemory', '0');
  await h.targetClient.set('where:1', 'v');
});
afterAll(async () => {
  await h?.stop();
});

it('a Request approval click from another channel opens nothing there, is refused privately and audited', async () => {
  const dry = await h.slash('market where', { command: '/redis-ttl', channel: HOME });
  expect(dry.res.status).toBe(200);
  const result = await h.fake.waitFor(
    'chat.update',
    (c) => h.since(dry.mark, c) && c.body.channel === HOME && hasButton(c, 'ttl_request_approval'),
    20_000,
  );
  const message = { ts: String(result.body.ts), blocks: blocksOf(result) };
  const button = buttonOf(message.blocks, 'ttl_request_approval');

  const stray = await h.click(button, message, { channel: ELSEWHERE, user: 'UOUTSIDER' });
  expect(stray.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === stray.responseId, 10_000);
  expect(reply.body.response_type).toBe('ephemeral');
  await expect
    .poll(
      async () =>
        (await readAuditStream(h.queue.url, h.config.queue.prefix)).filter(
          (e) => e.action === 'refused' && e.channel === ELSEWHERE,
        ).length,
    )
    .toBe(1);
  expect(h.fake.calls.filter((c) => h.since(stray.mark, c) && hasButton(c, 'ttl_approve'))).toEqual([]);

  // From its own channel the same button still opens the request.
  const home = await h.click(button, message, { channel: HOME, user: 'UREQUESTER' });
  const request = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(home.mark, c) && hasButton(c, 'ttl_approve'),
    10_000,
  );
  expect(request.body.channel).toBe(HOME);
}, 60_000);
