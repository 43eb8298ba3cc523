import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startServer } from '../../src/server.js';
import { type NetBotServers, startNetBotServers } from '../support/net-bot.js';
import { type DnsGuard, guardDns, type LoopbackProxy, startLoopbackProxy } from '../support/network.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';

/**
 * Socket Mode behind a proxy: apps.connections.open (an HTTP call) and the websocket it returns
 * must both be tunnelled. A minimal websocket server plays Slack: it completes the upgrade and
 * says `hello`, which is what makes the Socket Mode client report itself connected.
 */

interface FakeSocketServer {
  port: number;
  upgrades: string[];
  close(): Promise<void>;
}

async function startFakeSocketServer(): Promise<FakeSocketServer> {
  const upgrades: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    upgrades.push(req.url ?? '');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key'] ?? ''}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const hello = Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1 }));
    socket.write(Buffer.concat([Buffer.from([0x81, hello.length]), hello]));
    // A close frame from the client (opcode 8): answer it and hang up.
    socket.on('data', (frame: Buffer) => {
      if (((frame[0] ?? 0) & 0x0f) === 0x8) socket.end(Buffer.from([0x88, 0x00]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    upgrades,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Socket Mode through an HTTP CONNECT proxy', () => {
  let servers: NetBotServers;
  let fake: FakeSlackApi;
  let ws: FakeSocketServer;
  let proxy: LoopbackProxy;
  let dns: DnsGuard;

  beforeAll(async () => {
    [servers, fake, ws] = await Promise.all([
      startNetBotServers(),
      startFakeSlackApi({ publicHost: 'slack.test' }),
      startFakeSocketServer(),
    ]);
    fake.setHandler('apps.connections.open', () => ({ url: `ws://slack.test:${ws.port}/link/?ticket=t1` }));
    proxy = await startLoopbackProxy({
      route: (host, port) => {
        if (host !== 'slack.test') return undefined;
        return port === fake.port || port === ws.port ? port : undefined;
      },
    });
    dns = guardDns();
  });
  afterAll(async () => {
    dns?.restore();
    await Promise.all([proxy?.close(), ws?.close(), fake?.close(), servers?.stop()]);
  });

  it('apps.connections.open and the websocket both go through the proxy', async () => {
    const parsed = parseConfig(
      `queue: { url: "${servers.queue.url}" }\nclusters: [{ name: market, url: "${servers.target.url}" }]\n`,
      {},
    );
    if (!parsed.ok) throw new Error('bad config');
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const server = await startServer({
      config: parsed.config,
      logger: silentLogger(),
      i18n: createI18n({ strict: true }),
      env: { SLACK_API_URL: fake.url, HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl },
      slack: {
        botToken: 'xoxb-test',
        signingSecret: 'unused-in-socket-mode',
        appToken: 'xapp-test',
        botId: 'B1',
        botUserId: 'UBOT',
        port: 0,
        retries: 0,
      },
    });
    try {
      // start() resolved: the client got `hello` over the websocket.
      expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
      expect(fake.callsTo('apps.connections.open')[0]?.headers.authorization).toBe('Bearer xapp-test');
      expect(ws.upgrades).toEqual(['/link/?ticket=t1']);
      expect(proxy.connectTargets()).toEqual(
        expect.arrayContaining([`slack.test:${fake.port}`, `slack.test:${ws.port}`]),
      );
      expect(dns.lookups).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
