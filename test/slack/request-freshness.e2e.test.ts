/**
 * Signed requests that are correct but must not run, end to end through the real bot: timestamps
 * in the future, the same signed request sent again (to the same replica and to another replica on
 * the same queue Redis), and Slack's retry of an event we already took.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { hasButton, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postSignedRequest, postSlashCommand } from '../support/slack/signed-request.js';

let h: MedicHarness;
/** A second replica of the bot: same config, same queue Redis, same signing secret. */
let replica: RunningServer;
let replicaUrl: string;
let queue: Redis;

beforeAll(async () => {
  h = await startMedicHarness();
  replica = await startServer({
    config: h.config,
    logger: silentLogger(),
    connectTimeoutMs: 1_000,
    slack: {
      botToken: 'xoxb-test',
      signingSecret: h.signingSecret,
      slackApiUrl: h.fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });
  replicaUrl = `http://127.0.0.1:${replica.port}`;
  queue = new Redis(h.queue.url);
});

afterAll(async () => {
  queue?.disconnect();
  await replica?.stop();
  await h?.stop();
});

const nowSec = () => Math.floor(Date.now() / 1000);
const isReport = (channel: string, mark: number) => (c: RecordedCall) =>
  h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh');

function reportsIn(channel: string, mark: number): RecordedCall[] {
  return h.fake.callsTo('chat.postMessage').filter(isReport(channel, mark));
}

/**
 * A request that is accepted after the refused one, and whose report arrives: the refused one had
 * its chance to post by then (the bot handles both the same way), so "nothing posted" means something.
 */
async function barrier(channel: string): Promise<void> {
  const mark = h.mark();
  const { res } = await h.slash('market', { channel });
  expect(res.status).toBe(200);
  await h.fake.waitFor('chat.postMessage', isReport(channel, mark), 15_000);
}

function statusCommand(channel: string, responseId: string) {
  return {
    command: '/redis-status',
    text: 'market',
    user_id: 'UREPLAY',
    channel_id: channel,
    response_url: h.fake.responseUrl(responseId),
    trigger_id: `trigger-${channel}`,
  };
}

describe('signed request freshness', () => {
  for (const aheadSec of [600, 3600]) {
    it(`refuses a correctly signed request dated ${aheadSec} s in the future (401), runs nothing`, async () => {
      const channel = `C0AHEAD${aheadSec}`;
      const mark = h.mark();
      const { res } = await h.slash('market', {
        channel,
        user: 'UFUTURE',
        signed: { timestampSec: nowSec() + aheadSec },
      });
      expect(res.status).toBe(401);
      await barrier(`C0AFTER${aheadSec}`);
      expect(h.fake.calls.filter((c) => h.since(mark, c) && c.body.channel === channel)).toEqual([]);
    });
  }

  it('accepts a request a few seconds ahead (clock skew between Slack and the bot)', async () => {
    const mark = h.mark();
    const { res } = await h.slash('market', { channel: 'C0SKEW', signed: { timestampSec: nowSec() + 20 } });
    expect(res.status).toBe(200);
    await h.fake.waitFor('chat.postMessage', isReport('C0SKEW', mark), 15_000);
  });
});

describe('replayed signed requests', () => {
  it('the same signed request twice: the second is refused (401), exactly one report', async () => {
    const channel = 'C0TWICE';
    const mark = h.mark();
    const fields = statusCommand(channel, 'twice');
    const timestampSec = nowSec();
    const first = await postSlashCommand(h.baseUrl, h.signingSecret, fields, { timestampSec });
    expect(first.status).toBe(200);
    await h.fake.waitFor('chat.postMessage', isReport(channel, mark), 15_000);
    const again = await postSlashCommand(h.baseUrl, h.signingSecret, fields, { timestampSec });
    expect(again.status).toBe(401);
    await barrier('C0TWICEAFTER');
    expect(reportsIn(channel, mark)).toHaveLength(1);
  });

  it('a replay to another replica on the same queue Redis is refused too', async () => {
    const channel = 'C0REPLICA';
    const mark = h.mark();
    const fields = statusCommand(channel, 'replica');
    const timestampSec = nowSec();
    const first = await postSlashCommand(h.baseUrl, h.signingSecret, fields, { timestampSec });
    expect(first.status).toBe(200);
    await h.fake.waitFor('chat.postMessage', isReport(channel, mark), 15_000);
    const replayed = await postSlashCommand(replicaUrl, h.signingSecret, fields, { timestampSec });
    expect(replayed.status).toBe(401);
    await barrier('C0REPLICAAFTER');
    expect(reportsIn(channel, mark)).toHaveLength(1);
    // The replica itself serves signed requests normally.
    const own = h.mark();
    const fresh = await postSlashCommand(replicaUrl, h.signingSecret, statusCommand('C0ONREPLICA', 'own'));
    expect(fresh.status).toBe(200);
    await h.fake.waitFor('chat.postMessage', isReport('C0ONREPLICA', own), 15_000);
  });

  it("Slack's retry of an event already taken (new timestamp, same event id) is answered 200 and not run twice", async () => {
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: 'Ev0RETRY',
      event_time: nowSec(),
      event: {
        type: 'app_mention',
        user: 'UONCALL',
        text: '<@UBOT> hi',
        channel: 'C0EVENTS',
        ts: '1.000001',
      },
    });
    const first = await postSignedRequest(h.baseUrl, h.signingSecret, event, 'application/json', {
      timestampSec: nowSec() - 2,
    });
    expect(first.status).toBe(200);
    const retry = await postSignedRequest(replicaUrl, h.signingSecret, event, 'application/json', {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    expect(retry.headers['x-slack-no-retry']).toBe('1');
    expect(await queue.exists(`${h.config.queue.prefix}:slack-event:Ev0RETRY`)).toBe(1);
  });
});
