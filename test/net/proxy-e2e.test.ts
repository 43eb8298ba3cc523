import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NetBot, type NetBotServers, startNetBot, startNetBotServers } from '../support/net-bot.js';
import {
  type DnsGuard,
  guardDns,
  type LoopbackProxy,
  type OutboundRecord,
  recordOutbound,
  startLoopbackProxy,
} from '../support/network.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';

/**
 * The bot's Slack traffic through a loopback HTTP proxy. The fake Slack API calls itself
 * `slack.test`, a name no resolver knows (and the DNS guard refuses every lookup), so a call can
 * only succeed if the proxy, which maps slack.test to the fake's loopback port, carried it.
 */

const PROXY_USER = 'medic';
const PROXY_PASS = 'pr0xy-pass';

describe('Slack calls through an HTTP CONNECT proxy', () => {
  let servers: NetBotServers;
  let fake: FakeSlackApi;
  let proxy: LoopbackProxy;
  let bot: NetBot | undefined;
  let dns: DnsGuard | undefined;
  let outbound: OutboundRecord | undefined;

  beforeAll(async () => {
    [servers, fake] = await Promise.all([
      startNetBotServers(),
      startFakeSlackApi({ publicHost: 'slack.test' }),
    ]);
    proxy = await startLoopbackProxy({
      route: (host, port) => (host === 'slack.test' && port === fake.port ? fake.port : undefined),
    });
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    dns?.restore();
    dns = undefined;
    outbound?.stop();
    outbound = undefined;
    fake.reset();
    proxy.requests.length = 0;
  });
  afterAll(async () => {
    await Promise.all([proxy?.close(), fake?.close(), servers?.stop()]);
  });

  const proxyEnv = () => {
    const url = `http://${PROXY_USER}:${PROXY_PASS}@127.0.0.1:${proxy.port}`;
    return { SLACK_API_URL: fake.url, HTTPS_PROXY: url, HTTP_PROXY: url };
  };

  it('Web API calls and the file upload go through the proxy; Redis does not', async () => {
    expect(fake.url).toBe(`http://slack.test:${fake.port}/api/`);
    dns = guardDns();
    outbound = recordOutbound();
    bot = await startNetBot({ servers, env: proxyEnv() });
    const res = await bot.slash('market', fake.responseUrl('status'));
    expect(res.status).toBe(200);
    await fake.waitFor('files.completeUploadExternal', undefined, 15_000);

    // The report and its chart, in this order; the incident checklist (posted, pinned, redrawn)
    // interleaves with them and goes the same way.
    const methods = fake.calls.map((c) => c.method);
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
    // The upload_url the fake handed out names slack.test too: the bytes went through the proxy.
    expect(fake.callsTo('upload')[0]?.headers.host).toBe(`slack.test:${fake.port}`);
    expect(fake.uploads[0]?.byteLength).toBeGreaterThan(1_000);

    // Measured: undici tunnels http:// targets with CONNECT too (ProxyAgent's default).
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.every((r) => r.kind === 'connect' && r.target === `slack.test:${fake.port}`)).toBe(
      true,
    );
    const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASS}`).toString('base64')}`;
    expect(proxy.requests.every((r) => r.auth === basic)).toBe(true);
    // Nobody resolved slack.test: the proxy did all the reaching.
    expect(dns.lookups).toEqual([]);

    // Redis is raw TCP straight to the target; the proxy never heard of its port.
    const redisPorts = [servers.target.port, servers.queue.port].map(String);
    expect(proxy.requests.some((r) => redisPorts.some((p) => r.target.endsWith(`:${p}`)))).toBe(false);
    expect(outbound.connections).toContain(`127.0.0.1:${servers.target.port}`);
    // The bot's only connections are to the proxy and its own Redis servers. (The test's proxy runs
    // in this process too: its upstream connections to the fake show up, and the test's commands.)
    const allowed = new Set([
      proxy.port,
      servers.target.port,
      servers.queue.port,
      bot.server.port,
      fake.port,
    ]);
    expect(outbound.connections.filter((c) => !allowed.has(Number(c.split(':').pop())))).toEqual([]);
    const posted = fake.callsTo('chat.postMessage')[0];
    expect(JSON.stringify(posted?.body.blocks)).toContain('market');

    // Logged once at start, without the proxy password.
    const started = bot.logs.find((l) => l.msg === 'redis-medic started');
    expect(started?.proxy).toMatchObject({ httpsProxy: `http://***@127.0.0.1:${proxy.port}/` });
    expect(bot.logText()).not.toContain(PROXY_PASS);
  });

  it('respond() to a response_url goes through the proxy too', async () => {
    dns = guardDns();
    bot = await startNetBot({ servers, env: proxyEnv() });
    await bot.slash('no-such-cluster', fake.responseUrl('help'));
    const help = await fake.waitFor('response_url', (c) => c.responseId === 'help');
    expect(help.headers.host).toBe(`slack.test:${fake.port}`);
    expect(proxy.connectTargets()).toContain(`slack.test:${fake.port}`);
    expect(dns.lookups).toEqual([]);
  });

  it('a host in NO_PROXY is reached directly, not through the proxy', async () => {
    const guard = guardDns();
    dns = guard;
    bot = await startNetBot({ servers, env: { ...proxyEnv(), NO_PROXY: 'slack.test' } });
    await bot.slash('market', fake.responseUrl('direct'));
    // Direct means resolving slack.test here, which the guard refuses: nothing reaches the fake.
    await expect.poll(() => guard.lookups, { timeout: 10_000 }).toContain('slack.test');
    expect(proxy.requests).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});
