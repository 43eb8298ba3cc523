/**
 * The freshness and replay guard must see every request Bolt takes as a Slack request. Bolt
 * routes on the URL's normalized path (`/slack/./events`, `/slack/events#x` and
 * `/slack/x/../events` are `/slack/events` to it), so a guard matching the raw path as text would
 * let a replayed or future-dated signed request through under another spelling. The paths are sent
 * raw (a URL object would normalize them before they leave).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasButton, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { signSlackRequest } from '../support/slack/signed-request.js';

let h: MedicHarness;
beforeAll(async () => {
  h = await startMedicHarness();
});
afterAll(async () => {
  await h?.stop();
});

const nowSec = () => Math.floor(Date.now() / 1000);
const isReport = (channel: string, mark: number) => (c: RecordedCall) =>
  h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh');

function statusForm(channel: string): string {
  return new URLSearchParams({
    token: 't',
    team_id: 'T1',
    channel_id: channel,
    user_id: 'UPATH',
    command: '/redis-status',
    text: 'market',
    api_app_id: 'A1',
    response_url: h.fake.responseUrl(`path-${channel}`),
    trigger_id: `trigger-${channel}`,
  }).toString();
}

/** POSTs `body` to the raw `path`, signed with timestamp `ts`; resolves the HTTP status. */
function postRaw(path: string, body: string, ts: number): Promise<number> {
  const { port } = new URL(h.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path,
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...signSlackRequest(h.signingSecret, body, ts),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A later accepted request whose report arrives: the refused one had its chance to post by then. */
async function barrier(channel: string): Promise<void> {
  const mark = h.mark();
  const { res } = await h.slash('market', { channel });
  expect(res.status).toBe(200);
  await h.fake.waitFor('chat.postMessage', isReport(channel, mark), 15_000);
}

const SPELLINGS = ['/slack/./events', '/slack/events#x', '/slack/x/../events', '/slack/events/.'];

describe('the request guard sees every spelling of the endpoint', () => {
  it('a replay under another spelling of the path is refused; exactly one report', async () => {
    for (const [i, path] of SPELLINGS.entries()) {
      const channel = `C0PATH${i}`;
      const mark = h.mark();
      const body = statusForm(channel);
      const ts = nowSec();
      expect(await postRaw('/slack/events', body, ts)).toBe(200);
      await h.fake.waitFor('chat.postMessage', isReport(channel, mark), 15_000);
      expect.soft(await postRaw(path, body, ts), path).not.toBe(200);
      await barrier(`C0PATHAFTER${i}`);
      expect.soft(h.fake.callsTo('chat.postMessage').filter(isReport(channel, mark)), path).toHaveLength(1);
    }
  }, 120_000);

  it('a request dated an hour ahead is refused under every spelling', async () => {
    for (const [i, path] of SPELLINGS.entries()) {
      const channel = `C0AHEADPATH${i}`;
      const mark = h.mark();
      expect.soft(await postRaw(path, statusForm(channel), nowSec() + 3600), path).not.toBe(200);
      await barrier(`C0AHEADAFTER${i}`);
      expect
        .soft(
          h.fake.calls.filter((c) => h.since(mark, c) && c.body.channel === channel),
          path,
        )
        .toEqual([]);
    }
  }, 120_000);
});
