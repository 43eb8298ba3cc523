/**
 * Changing `maxmemory-policy` on a self-hosted Redis through the real bot: the request shows the
 * current and the new value and the `CONFIG SET` it will send; after a second person's approval
 * the real redis-server reports the new value (read with CONFIG GET by the test, not by the bot).
 * Where CONFIG is denied (here by an ACL, as a renamed or disabled command would be), the click is
 * refused with a clear message, audited, and the server keeps its policy.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAuditStream } from '../support/audit-stream.js';
import {
  type ActionMessage,
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';

const REQUESTER = 'UREQUESTER';
const APPROVER = 'UAPPROVER';

let h: MedicHarness;
beforeAll(async () => {
  h = await startMedicHarness({ keys: 300, noAws: true, approvers: { users: [APPROVER] } });
  // On call in the cluster's channel: who may ask for a change (approvers may too).
  h.setChannelMembers(MARKET_CHANNEL, [REQUESTER]);
});
afterAll(async () => {
  await h?.stop();
});

const report: ActionMessage = { ts: '1765000000.000300', blocks: [] };
const button = (policy: string) => ({
  action_id: 'policy_request_change',
  value: JSON.stringify({ cluster: 'market', policy }),
  text: 'Request change',
});

async function serverPolicy(client: Redis = h.targetClient): Promise<string> {
  const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
  return reply[1] ?? '';
}

it('CONFIG SET after approval: the server reports the new policy', async () => {
  const before = await serverPolicy();
  const to = before === 'allkeys-lfu' ? 'allkeys-lru' : 'allkeys-lfu';
  const click = await h.click(button(to), report, { channel: MARKET_CHANNEL, user: REQUESTER });
  expect(click.res.status).toBe(200);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && hasButton(c, 'change_approve'),
    15_000,
  );
  const blocks = blocksOf(posted);
  const text = textOf(blocks);
  expect(text).toContain(`Current value \`${before}\`, new value \`${to}\``);
  expect(text).toContain(`CONFIG SET maxmemory-policy ${to}`);
  expect(text).toContain(`redis-cli -h 127.0.0.1 -p ${h.target.port} CONFIG SET maxmemory-policy ${to}`);
  expect(await serverPolicy()).toBe(before);

  const approve = buttonOf(blocks, 'change_approve');
  const requestId = (JSON.parse(approve.value) as { request: string }).request;
  await expect
    .poll(async () =>
      (await h.server.services.audit.list({ limit: 20 })).some((e) => e.requestId === requestId),
    )
    .toBe(true);
  const threadTs = typeof posted.body.thread_ts === 'string' ? posted.body.thread_ts : tsOf(posted);
  const ok = await h.click(
    approve,
    { ts: tsOf(posted), thread_ts: threadTs, blocks },
    { channel: MARKET_CHANNEL, user: APPROVER },
  );
  expect(ok.res.status).toBe(200);
  await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.body.thread_ts === threadTs && String(c.body.text).includes(`maxmemory-policy ${to}`),
    20_000,
  );
  expect(await serverPolicy()).toBe(to);
  const audit = (await readAuditStream(h.queue.url, 'redis-medic')).filter((e) => e.requestId === requestId);
  expect(audit.map((e) => e.action)).toEqual([
    'approval_requested',
    'approved',
    'change_applied',
    'change_finished',
  ]);
}, 90_000);

it('CONFIG denied: refused with a clear message, audited, nothing changes', async () => {
  // An admin user keeps the test's own access; the default user (the bot's) loses CONFIG.
  await h.targetClient.call('ACL', 'SETUSER', 'admin', 'on', '>admin-pw', '~*', '&*', '+@all');
  const admin = new Redis({
    host: '127.0.0.1',
    port: h.target.port,
    username: 'admin',
    password: 'admin-pw',
  });
  try {
    await admin.call('ACL', 'SETUSER', 'default', '-config');
    const before = await serverPolicy(admin);
    const to = before === 'volatile-ttl' ? 'volatile-lru' : 'volatile-ttl';
    const click = await h.click(button(to), report, { channel: MARKET_CHANNEL, user: REQUESTER });
    const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 15_000);
    expect(String(reply.body.text)).toContain('refuses `CONFIG` (disabled, renamed or denied by an ACL)');
    expect(await serverPolicy(admin)).toBe(before);
    const [last] = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-1);
    expect(last).toMatchObject({
      action: 'refused',
      reason: 'config_disabled',
      actor: REQUESTER,
      cluster: 'market',
    });
  } finally {
    await admin.call('ACL', 'SETUSER', 'default', '+config').catch(() => {});
    admin.disconnect();
  }
}, 60_000);
