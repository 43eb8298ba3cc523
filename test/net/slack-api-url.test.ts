import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_SLACK_API_URL, resolveSlackApiUrl, SlackApiUrlError } from '../../src/slack/api-url.js';
import { type NetBot, type NetBotServers, startNetBot, startNetBotServers } from '../support/net-bot.js';
import { type OutboundRecord, recordOutbound } from '../support/network.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';

const config = (apiUrl?: string) => ({ slack: { channels: {}, ...(apiUrl ? { apiUrl } : {}) } });

describe('Slack API base URL: where it comes from', () => {
  it('SLACK_API_URL wins over slack.apiUrl, which wins over the public default', () => {
    expect(resolveSlackApiUrl({ env: {}, config: config() })).toEqual({
      url: DEFAULT_SLACK_API_URL,
      source: 'default',
    });
    expect(resolveSlackApiUrl({ env: {}, config: config('https://slack-gov.com/api/') })).toEqual({
      url: 'https://slack-gov.com/api/',
      source: 'slack.apiUrl',
    });
    expect(
      resolveSlackApiUrl({
        env: { SLACK_API_URL: 'https://egress.example.com/slack/api' },
        config: config('https://slack-gov.com/api/'),
      }),
    ).toEqual({ url: 'https://egress.example.com/slack/api/', source: 'SLACK_API_URL' });
  });

  it('a bad SLACK_API_URL stops the start; a bad slack.apiUrl is a config error', () => {
    expect(() =>
      resolveSlackApiUrl({ env: { SLACK_API_URL: 'slack-gov.com/api' }, config: config() }),
    ).toThrow(SlackApiUrlError);
    const parsed = parseConfig(
      'queue: { url: redis://127.0.0.1:1 }\nslack: { apiUrl: "ftp://slack-gov.com/api/" }\nclusters: [{ name: a, url: redis://127.0.0.1:2 }]\n',
      {},
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.problems).toEqual([{ path: 'slack.apiUrl', key: 'config:api_url', values: {} }]);
    // web-api appends method names: the file's URL gets its trailing slash.
    const ok = parseConfig(
      'queue: { url: redis://127.0.0.1:1 }\nslack: { apiUrl: "https://slack-gov.com/api" }\nclusters: [{ name: a, url: redis://127.0.0.1:2 }]\n',
      {},
    );
    expect(ok.ok && ok.config.slack.apiUrl).toBe('https://slack-gov.com/api/');
  });
});

describe('Slack API base URL: every call goes there and nowhere else', () => {
  let servers: NetBotServers;
  let fake: FakeSlackApi;
  let decoy: FakeSlackApi;
  let bot: NetBot | undefined;
  let outbound: OutboundRecord | undefined;

  beforeAll(async () => {
    [servers, fake, decoy] = await Promise.all([
      startNetBotServers(),
      startFakeSlackApi(),
      startFakeSlackApi(),
    ]);
  });
  afterEach(async () => {
    outbound?.stop();
    outbound = undefined;
    await bot?.stop();
    bot = undefined;
    fake.reset();
    decoy.reset();
  });
  afterAll(async () => {
    await Promise.all([fake?.close(), decoy?.close(), servers?.stop()]);
  });

  /** /redis-status → report, chart upload (URL, bytes, complete) → every call recorded. */
  async function statusWithUpload(b: NetBot, api: FakeSlackApi) {
    const res = await b.slash('market', api.responseUrl('status'));
    expect(res.status).toBe(200);
    await api.waitFor('files.completeUploadExternal', undefined, 15_000);
  }

  it('SLACK_API_URL: users.info, chat.postMessage, the upload bytes and completeUploadExternal all reach it', async () => {
    outbound = recordOutbound();
    // The config file names the decoy: the environment must win, and the decoy must see nothing.
    bot = await startNetBot({
      servers,
      env: { SLACK_API_URL: fake.url },
      slackYaml: `  apiUrl: ${decoy.url}`,
    });
    await statusWithUpload(bot, fake);

    const methods = fake.calls.map((c) => c.method);
    // The report and its chart, in this order; the incident checklist (posted, pinned, redrawn)
    // interleaves with them and reaches the same API.
    const report = [
      'users.info',
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ];
    const firstPost = methods.indexOf('chat.postMessage');
    expect(
      methods.filter((m, i) => report.includes(m) && !(m === 'chat.postMessage' && i !== firstPost)),
    ).toEqual(report);
    expect(new Set(methods)).toEqual(new Set([...report, 'pins.add', 'chat.update']));
    expect(fake.uploads).toHaveLength(1);
    const upload = fake.uploads[0];
    expect(upload?.bytes.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(upload?.byteLength).toBe(upload?.declaredLength);
    expect(decoy.calls).toEqual([]);

    // Nothing else left this process: every fetch went to the fake, the only node:http requests
    // are the test's own signed commands, and every TCP connection is to a known loopback port.
    const fakeOrigin = `http://127.0.0.1:${fake.port}`;
    expect(outbound.fetches.length).toBe(fake.calls.length);
    expect(outbound.fetches.every((f) => f.startsWith(`${fakeOrigin}/`))).toBe(true);
    const botPort = bot.server.port;
    expect(outbound.httpRequests.every((r) => r.startsWith(`http://127.0.0.1:${botPort} `))).toBe(true);
    const allowed = new Set([fake.port, botPort, servers.target.port, servers.queue.port]);
    const unexpected = outbound.connections.filter((c) => {
      const [address, port] = [c.slice(0, c.lastIndexOf(':')), Number(c.slice(c.lastIndexOf(':') + 1))];
      return address !== '127.0.0.1' || !allowed.has(port);
    });
    expect(unexpected).toEqual([]);

    // Logged once at start, with where it came from.
    const started = bot.logs.filter((l) => l.msg === 'redis-medic started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ slackApiUrl: fake.url, slackApiUrlFrom: 'SLACK_API_URL' });
  });

  it('slack.apiUrl from the config file is used when SLACK_API_URL is not set', async () => {
    bot = await startNetBot({ servers, env: {}, slackYaml: `  apiUrl: ${fake.url}` });
    await statusWithUpload(bot, fake);
    expect(fake.callsTo('upload')).toHaveLength(1);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(bot.logs.find((l) => l.msg === 'redis-medic started')).toMatchObject({
      slackApiUrl: fake.url,
      slackApiUrlFrom: 'slack.apiUrl',
    });
  });

  it('respond() (a private help answer) goes to the response_url through the same fetch', async () => {
    outbound = recordOutbound();
    bot = await startNetBot({ servers, env: { SLACK_API_URL: fake.url } });
    await bot.slash('no-such-cluster', fake.responseUrl('help'));
    const help = await fake.waitFor('response_url', (c) => c.responseId === 'help');
    expect(help.body.response_type).toBe('ephemeral');
    expect(outbound.fetches.every((f) => f.startsWith(`http://127.0.0.1:${fake.port}/`))).toBe(true);
  });
});
