import { App, type BlockAction, type ButtonAction, verifySlackRequest, webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CapturingLogger,
  createCapturingLogger,
  startAppOnLoopback,
} from '../support/slack/bolt-harness.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postBlockAction, postSlashCommand, signSlackRequest } from '../support/slack/signed-request.js';

const SECRET = 'test-signing-secret';
const BLOCKS = [
  { type: 'section', text: { type: 'mrkdwn', text: '*pong*' } },
  {
    type: 'actions',
    elements: [{ type: 'button', action_id: 'again', text: { type: 'plain_text', text: 'Again' } }],
  },
];

let fake: FakeSlackApi;
let app: App;
let baseUrl: string;
let logger: CapturingLogger;
let stopApp: () => Promise<void>;
let handlerRuns = 0;
let flakyError: unknown;

beforeAll(async () => {
  fake = await startFakeSlackApi();
  logger = createCapturingLogger();
  app = new App({
    signingSecret: SECRET,
    token: 'xoxb-test',
    // botId + botUserId make Bolt skip auth.test entirely (at start and per event).
    botId: 'B1',
    botUserId: 'UBOT',
    logger,
    clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
  });

  app.command('/ping', async ({ ack, client, command, respond }) => {
    handlerRuns += 1;
    await ack();
    const posted = await client.chat.postMessage({
      channel: command.channel_id,
      text: 'pong',
      blocks: BLOCKS,
    });
    // postMessage's ts is typed optional, but uploadV2's thread_ts must be a string.
    if (posted.ts === undefined) throw new Error('chat.postMessage returned no ts');
    await client.files.uploadV2({
      channel_id: command.channel_id,
      thread_ts: posted.ts,
      file: Buffer.from('png-bytes'),
      filename: 'x.png',
    });
    await respond({ text: 'ephemeral', response_type: 'ephemeral' });
  });

  app.command('/flaky', async ({ ack, client, command }) => {
    await ack();
    try {
      await client.chat.postMessage({ channel: command.channel_id, text: 'may be rate limited' });
    } catch (error) {
      flakyError = error;
    }
  });

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: 'restart_watch' },
    async ({ ack, action, body, client, respond }) => {
      await ack();
      await client.chat.update({
        channel: body.channel?.id ?? '',
        ts: body.message?.ts ?? '',
        text: `clicked ${action.value}`,
      });
      await respond({ replace_original: false, text: `ok ${body.user.id}` });
    },
  );

  const started = await startAppOnLoopback(app);
  baseUrl = started.baseUrl;
  stopApp = started.stop;
});

afterAll(async () => {
  // Surface anything Bolt complained about while debugging this file.
  if (process.env.SHOW_BOLT_LOGS) console.log(logger.entries.filter((e) => e.level !== 'debug'));
  await stopApp?.();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  handlerRuns = 0;
  flakyError = undefined;
});

describe('fake Slack API + signed requests against real Bolt', () => {
  it('round-trips a slash command: ack, postMessage, uploadV2 in thread, respond()', async () => {
    const responseUrl = fake.responseUrl('cmd-1');
    const res = await postSlashCommand(baseUrl, SECRET, {
      command: '/ping',
      text: 'hello world',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: responseUrl,
    });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000); // Slack's ack deadline

    const post = await fake.waitFor('chat.postMessage');
    expect(post.body.channel).toBe('C1');
    expect(post.body.text).toBe('pong');
    expect(post.body.blocks).toEqual(BLOCKS);
    // Bolt passes the command's team_id to its per-team client; the token travels as a bearer header.
    expect(post.body.team_id).toBe('T1');
    expect(post.headers.authorization).toBe('Bearer xoxb-test');
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');

    const complete = await fake.waitFor('files.completeUploadExternal');
    const getUrl = fake.callsTo('files.getUploadURLExternal')[0];
    expect(getUrl?.body).toMatchObject({ filename: 'x.png', length: '9' });
    expect(fake.uploads).toHaveLength(1);
    const upload = fake.uploads[0];
    expect(upload?.bytes.toString()).toBe('png-bytes');
    expect(upload?.byteLength).toBe(9);
    expect(upload?.declaredLength).toBe(9);
    expect(upload?.contentType).toMatch(/^multipart\/form-data/);
    expect(complete.body.channel_id).toBe('C1');
    expect(complete.body.thread_ts).toBe((post.response as { ts: string }).ts);
    expect(complete.body.files).toEqual([{ id: upload?.fileId, title: 'x.png' }]);

    const responded = await fake.waitFor('response_url');
    expect(responded.responseId).toBe('cmd-1');
    expect(responded.body).toEqual({ text: 'ephemeral', response_type: 'ephemeral' });
    expect(responded.headers['content-type']).toBe('application/json');

    expect(handlerRuns).toBe(1);
    expect(fake.callsTo('auth.test')).toHaveLength(0);
    expect(fake.callsTo('unknown')).toHaveLength(0);
    expect(fake.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
      'response_url',
    ]);
  });

  it('rejects a forged signature with 401 and never runs the handler', async () => {
    const res = await postSlashCommand(
      baseUrl,
      SECRET,
      { command: '/ping', text: '', user_id: 'U1', channel_id: 'C1', response_url: fake.responseUrl() },
      { badSignature: true },
    );
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(handlerRuns).toBe(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('rejects a 6-minute-old timestamp with 401', async () => {
    const res = await postSlashCommand(
      baseUrl,
      SECRET,
      { command: '/ping', text: '', user_id: 'U1', channel_id: 'C1', response_url: fake.responseUrl() },
      { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(res.status).toBe(401);
    expect(handlerRuns).toBe(0);
  });

  it('signSlackRequest matches the v0 scheme Bolt verifies', () => {
    const body = 'a=1&b=2';
    const headers = signSlackRequest(SECRET, body, 1_700_000_000);
    expect(headers['x-slack-request-timestamp']).toBe('1700000000');
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    // Bolt's own verifier accepts it (fixed clock to avoid the staleness rule).
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': 1_700_000_000,
        },
        nowMilliseconds: 1_700_000_000_000,
      }),
    ).not.toThrow();
  });

  it('round-trips a block_actions button click: ack, chat.update, respond()', async () => {
    const res = await postBlockAction(baseUrl, SECRET, {
      user: { id: 'U7' },
      channel: { id: 'C9' },
      message: { ts: '1700000000.000100', thread_ts: '1700000000.000050' },
      actions: [{ action_id: 'restart_watch', value: 'watch-42', type: 'button' }],
      response_url: fake.responseUrl('act-1'),
    });
    expect(res.status).toBe(200);

    const update = await fake.waitFor('chat.update');
    expect(update.body).toMatchObject({ channel: 'C9', ts: '1700000000.000100', text: 'clicked watch-42' });
    const responded = await fake.waitFor('response_url', (c) => c.responseId === 'act-1');
    expect(responded.body).toEqual({ replace_original: false, text: 'ok U7' });
  });

  it('surfaces an injected 429 on chat.postMessage to the handler (retries: 0)', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const res = await postSlashCommand(baseUrl, SECRET, {
      command: '/flaky',
      text: '',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: fake.responseUrl(),
    });
    expect(res.status).toBe(200);
    const call = await fake.waitFor('chat.postMessage');
    expect(call.status).toBe(429);
    // Without rejectRateLimitedCalls the client pauses its queue for Retry-After seconds, then (retries: 0) gives
    // up with a WebAPIRequestError wrapping "A rate limit was exceeded", not a coded WebAPIRateLimitedError.
    await expect.poll(() => flakyError, { timeout: 10_000 }).toBeInstanceOf(Error);
    expect(flakyError).toMatchObject({ code: webApi.ErrorCode.RequestError });
    expect(String((flakyError as Error).message)).toMatch(/rate limit was exceeded/);
    expect(Date.now() - call.at).toBeGreaterThanOrEqual(900);
  });

  it('gives slack_webapi_rate_limited_error when the client sets rejectRateLimitedCalls', async () => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger,
    });
    fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 7 });
    const started = Date.now();
    const error = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000); // not after the 7 s Retry-After
    expect(error).toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 7 });
    expect((error as { code: string }).code).toBe('slack_webapi_rate_limited_error');
    // Failure is consumed: the next call succeeds.
    await expect(client.chat.postMessage({ channel: 'C1', text: 'y' })).resolves.toMatchObject({ ok: true });
  });

  it('injects Slack platform errors as {ok:false,error}', async () => {
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const error = await app.client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_in_channel' },
    });
  });

  it('gives unique increasing ts and plausible responses for common methods', async () => {
    const a = await app.client.chat.postMessage({ channel: 'C1', text: 'a' });
    const b = await app.client.chat.postMessage({ channel: 'C1', text: 'b', thread_ts: a.ts });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(b.message?.thread_ts).toBe(a.ts);
    await expect(
      app.client.chat.update({ channel: 'C1', ts: a.ts ?? '', text: 'a2' }),
    ).resolves.toMatchObject({
      channel: 'C1',
      ts: a.ts,
    });
    const eph = await app.client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'e' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    await expect(app.client.auth.test()).resolves.toMatchObject({
      user_id: 'UBOT',
      team_id: 'T1',
      bot_id: 'B1',
    });
    await expect(app.client.conversations.info({ channel: 'C5' })).resolves.toMatchObject({
      channel: { id: 'C5' },
    });
  });

  it('serves per-user locale from users.info (only with include_locale, like Slack)', async () => {
    fake.setUserLocale('U2', 'de-DE');
    const de = await app.client.users.info({ user: 'U2', include_locale: true });
    expect(de.user).toMatchObject({ id: 'U2', locale: 'de-DE', tz: 'UTC' });
    const dflt = await app.client.users.info({ user: 'U3', include_locale: true });
    expect(dflt.user?.locale).toBe('en-US');
    const noLocale = await app.client.users.info({ user: 'U2' });
    expect(noLocale.user?.locale).toBeUndefined();
  });

  it('waitFor resolves for earlier calls and times out listing what was seen', async () => {
    await app.client.chat.postMessage({ channel: 'C1', text: 'first' });
    await expect(fake.waitFor('chat.postMessage', (c) => c.body.text === 'first')).resolves.toMatchObject({
      body: { text: 'first' },
    });
    const late = fake.waitFor('chat.postMessage', (c) => c.body.text === 'later', 10_000);
    setTimeout(() => void app.client.chat.postMessage({ channel: 'C1', text: 'later' }), 50);
    await expect(late).resolves.toMatchObject({ body: { text: 'later' } });
    await expect(fake.waitFor('views.open', undefined, 100)).rejects.toThrow(
      /no views\.open call within 100ms; calls seen: \[chat\.postMessage, chat\.postMessage\]/,
    );
  });

  it('documents auth.test: tokenVerificationEnabled:false without botId/botUserId calls it on every event', async () => {
    const other = new App({
      signingSecret: SECRET,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      logger: createCapturingLogger(),
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    other.command('/noop', async ({ ack }) => {
      await ack();
    });
    const started = await startAppOnLoopback(other);
    try {
      expect(fake.callsTo('auth.test')).toHaveLength(0);
      const fields = {
        command: '/noop',
        text: '',
        user_id: 'U1',
        channel_id: 'C1',
        response_url: fake.responseUrl(),
      };
      expect((await postSlashCommand(started.baseUrl, SECRET, fields)).status).toBe(200);
      expect((await postSlashCommand(started.baseUrl, SECRET, fields)).status).toBe(200);
      expect(fake.callsTo('auth.test')).toHaveLength(2);
    } finally {
      await started.stop();
    }
  });

  it('accepts JSON bodies and records requests to unknown paths', async () => {
    const json = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'C1', text: 'json', blocks: BLOCKS }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: 'C1' });
    expect(fake.callsTo('chat.postMessage')[0]?.body.blocks).toEqual(BLOCKS);

    const stray = await fetch(`${fake.origin}/somewhere/else`, { method: 'POST', body: 'x=1' });
    expect(stray.status).toBe(404);
    expect(fake.callsTo('unknown')).toMatchObject([{ path: '/somewhere/else' }]);
  });
});
