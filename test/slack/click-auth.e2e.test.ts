/**
 * Who may press Cancel on a watch or a census, and where, end to end through the real bot: a click
 * from another channel or by someone outside the incident channel is refused privately, changes
 * nothing, and leaves an audit entry (read from the queue Redis itself) naming who clicked what,
 * where, and why it was refused. An accepted Cancel is audited too.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { CENSUS_QUEUE } from '../../src/jobs/census-job.js';
import { readAuditStream } from '../support/audit-stream.js';
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
  tsOf,
} from '../support/medic-harness.js';

const OUTSIDER = 'UOUTSIDER';
const MEMBER = 'UMEMBER';
const APPROVER = 'UAPPROVER';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({ approvers: { users: [APPROVER] } });
});

afterAll(async () => {
  await h?.stop();
});

const audit = () => readAuditStream(h.queue.url, h.config.queue.prefix);

/** Clicks and returns the private answer the clicker got. */
async function clickFor(
  button: Button,
  message: ActionMessage,
  channel: string,
  user: string,
): Promise<{ text: string; responseType: unknown }> {
  const click = await h.click(button, message, { channel, user });
  expect(click.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 10_000);
  return { text: String(reply.body.text), responseType: reply.body.response_type };
}

describe('watch Cancel', () => {
  it('refuses a click from another channel and one by a non-member; a member may cancel; all audited', async () => {
    const channel = 'C0WATCHAUTH';
    h.setChannelMembers(channel, ['UONCALL', MEMBER]);
    const { mark } = await h.slash('market', { channel });
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
      10_000,
    );
    const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
      .incident;
    const started = await h.click(
      buttonOf(blocksOf(report), 'watch_start'),
      { ts: tsOf(report), blocks: blocksOf(report) },
      { channel, user: 'UONCALL' },
    );
    const watching = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(started.mark, c) && hasButton(c, 'watch_cancel') && c.body.channel === channel,
      10_000,
    );
    const cancel = buttonOf(blocksOf(watching), 'watch_cancel');
    const message = { ts: tsOf(watching), blocks: blocksOf(watching) };

    const fromElsewhere = await clickFor(cancel, message, 'C0ELSEWHERE', 'UONCALL');
    expect(fromElsewhere).toEqual({
      text: 'This button belongs to a message in another channel: it only works there.',
      responseType: 'ephemeral',
    });
    const outsider = await clickFor(cancel, message, channel, OUTSIDER);
    expect(outsider.text).toBe('Only members of this channel or approvers of market can stop this.');
    expect(outsider.responseType).toBe('ephemeral');
    // Still running: the state on the queue Redis is untouched, and no message was changed.
    expect(await h.server.services.watches.isWatched(incidentId)).toBe(true);
    expect(h.fake.callsTo('chat.update').filter((c) => c.body.ts === tsOf(watching))).toEqual([]);

    const refused = (await audit()).filter((e) => e.action === 'refused' && e.control === 'watch_cancel');
    expect(refused).toEqual([
      expect.objectContaining({
        actor: 'UONCALL',
        channel: 'C0ELSEWHERE',
        reason: 'wrong_channel',
        cluster: 'market',
        incidentId,
      }),
      expect.objectContaining({
        actor: OUTSIDER,
        channel,
        reason: 'not_member',
        cluster: 'market',
        incidentId,
      }),
    ]);

    const accepted = await h.click(cancel, message, { channel, user: MEMBER });
    const ended = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(accepted.mark, c) && c.body.ts === tsOf(watching),
      10_000,
    );
    expect(buttonsOf(blocksOf(ended))).toEqual([]);
    expect(await h.server.services.watches.isWatched(incidentId)).toBe(false);
    await expect
      .poll(async () => (await audit()).filter((e) => e.action === 'watch_cancelled'))
      .toEqual([expect.objectContaining({ actor: MEMBER, channel, control: 'watch_cancel', incidentId })]);

    // A second Cancel finds nothing to stop: answered privately, and audited like any refusal.
    const again = await clickFor(cancel, message, channel, MEMBER);
    expect(again.responseType).toBe('ephemeral');
    await expect
      .poll(async () => (await audit()).filter((e) => e.action === 'refused' && e.reason === 'not_running'))
      .toEqual([
        expect.objectContaining({ actor: MEMBER, channel, control: 'watch_cancel', cluster: 'market' }),
      ]);
  });
});

describe('census Cancel', () => {
  it('refuses a click from another channel and one by a non-member while the census runs; all audited', async () => {
    // Enough keys (in another DB) that the throttled walk runs for seconds: time to click.
    await h.targetClient.config('SET', 'maxmemory', '0');
    const db3 = new Redis(h.target.port, '127.0.0.1', { db: 3 });
    await loadDataset(db3, { keys: 60_000, seed: 3 });
    const channel = 'C0CENSUSAUTH';
    h.setChannelMembers(channel, ['UONCALL', MEMBER]);
    const cancelKey = `${h.config.queue.prefix}:census-cancel:market`;
    const queue = new Redis(h.queue.url, { maxRetriesPerRequest: null });
    const censusJobs = new Queue(CENSUS_QUEUE, { connection: queue, prefix: h.config.queue.prefix });
    try {
      const { mark } = await h.slash('market', { command: '/redis-keys', channel });
      const progress = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'census_cancel'),
        10_000,
      );
      // The job is queued right after its message is posted; a person can't click faster, a test can.
      await expect
        .poll(async () => {
          const counts = await censusJobs.getJobCounts('waiting', 'active');
          return (counts.waiting ?? 0) + (counts.active ?? 0);
        })
        .toBe(1);
      const cancel = buttonOf(blocksOf(progress), 'census_cancel');
      const message = { ts: tsOf(progress), blocks: blocksOf(progress) };

      const fromElsewhere = await clickFor(cancel, message, 'C0ELSEWHERE', 'UONCALL');
      expect(fromElsewhere.text).toBe(
        'This button belongs to a message in another channel: it only works there.',
      );
      const outsider = await clickFor(cancel, message, channel, OUTSIDER);
      expect(outsider.text).toBe('Only members of this channel or approvers of market can stop this.');
      // Nobody asked the walk to stop.
      expect(await queue.exists(cancelKey)).toBe(0);

      const refused = (await audit()).filter((e) => e.action === 'refused' && e.control === 'census_cancel');
      expect(refused).toEqual([
        expect.objectContaining({
          actor: 'UONCALL',
          channel: 'C0ELSEWHERE',
          reason: 'wrong_channel',
          cluster: 'market',
        }),
        expect.objectContaining({ actor: OUTSIDER, channel, reason: 'not_member', cluster: 'market' }),
      ]);

      // An approver of the cluster may stop it (not the requester, not a listed member).
      await h.click(cancel, message, { channel, user: APPROVER });
      const ended = await h.fake.waitFor(
        'chat.update',
        (c) => c.body.ts === tsOf(progress) && /cancelled|finished/.test(String(c.body.text)),
        30_000,
      );
      expect(String(ended.body.text)).toContain(`cancelled by <@${APPROVER}>`);
      expect((await audit()).filter((e) => e.action === 'census_cancelled')).toEqual([
        expect.objectContaining({ actor: APPROVER, channel, control: 'census_cancel', cluster: 'market' }),
      ]);
    } finally {
      await expect.poll(() => h.server.services.census.reserve('market'), { timeout: 10_000 }).toBe(true);
      await h.server.services.census.release('market');
      await db3.flushdb();
      db3.disconnect();
      await censusJobs.close();
      queue.disconnect();
      await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes));
    }
  });
});

it('calls only Web API methods whose scopes the manifest declares (channels:read for members)', () => {
  const pseudo = new Set(['response_url', 'upload']);
  const methods = [...new Set(h.fake.calls.map((c) => c.method))].filter((m) => !pseudo.has(m));
  expect(methods).toContain('conversations.members');
  const declared = manifestBotScopes();
  for (const m of methods) {
    expect(SCOPE_FOR_METHOD[m], `scope for ${m}`).toBeDefined();
    expect(declared).toContain(SCOPE_FOR_METHOD[m]);
  }
  expect(declared).toContain('groups:read');
});
