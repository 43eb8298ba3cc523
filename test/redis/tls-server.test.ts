import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postSlashCommand } from '../support/slack/signed-request.js';
import { makeTestPki, type TestPki } from '../support/tls-pki.js';

/**
 * The bot with TLS everywhere: its own queue Redis over TLS (queue.tls), one cluster with the
 * private CA, one without (the Slack message must name the cause), one with `insecure: true`
 * (a warning at start, a note in the report).
 */

const CHANNEL = 'C0TLS';
const SECRET = 'tls-test-secret';

let pki: TestPki;
let queue: LocalRedis;
let target: LocalRedis;
let fake: FakeSlackApi;
let server: RunningServer;
let logText = '';

beforeAll(async () => {
  pki = await makeTestPki();
  const tls = { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile };
  [queue, target, fake] = await Promise.all([
    startLocalRedis({ tls, maxmemoryPolicy: 'noeviction' }),
    startLocalRedis({ tls }),
    startFakeSlackApi(),
  ]);
  const yaml = `
queue:
  url: ${queue.url}
  tls:
    ca: ${pki.caFile}
clusters:
  - name: secure
    url: ${target.url}
    tls:
      ca: ${pki.caFile}
  - name: noca
    url: rediss://localhost:${target.port}/1
  - name: lax
    url: ${target.url}/2
    tls:
      insecure: true
`;
  const parsed = parseConfig(yaml, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logText += chunk.toString('utf8');
      cb();
    },
  });
  server = await startServer({
    config: parsed.config,
    logger: createLogger({ level: 'info', destination }),
    i18n: createI18n({ strict: true }),
    env: {},
    connectTimeoutMs: 2_000,
    slack: {
      botToken: 'xoxb-test',
      signingSecret: SECRET,
      slackApiUrl: fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([queue?.stop(), target?.stop(), fake?.close()]);
  await pki?.cleanup();
});

const logs = () =>
  logText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function slash(cluster: string) {
  const mark = fake.calls.length;
  const res = await postSlashCommand(`http://127.0.0.1:${server.port}`, SECRET, {
    command: '/redis-status',
    text: cluster,
    user_id: 'UONCALL',
    channel_id: CHANNEL,
    response_url: fake.responseUrl(cluster),
  });
  expect(res.status).toBe(200);
  return fake.waitFor('chat.postMessage', (c) => fake.calls.indexOf(c) >= mark, 10_000);
}

describe('the bot over TLS', () => {
  it('keeps its queue and incidents on a TLS queue Redis, and reports a TLS cluster', async () => {
    const post = await slash('secure');
    expect(JSON.stringify(post.body.blocks)).toContain('secure');
    // The incident thread was opened on the queue Redis (over TLS).
    // (Recorded right after chat.postMessage answers: poll briefly.)
    await expect
      .poll(() => server.services.incidents.findOpen('secure', CHANNEL), { timeout: 10_000 })
      .toBeTruthy();
    const open = await server.services.incidents.findOpen('secure', CHANNEL);
    expect(open?.threadTs).toBe((post.response as { ts?: string }).ts);
  });

  it('warns once at start for each Redis with verification off', () => {
    const warnings = logs().filter((l) => String(l.msg).includes('TLS certificate verification is OFF'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, redis: 'lax', address: `127.0.0.1:${target.port}` }),
    ]);
  });

  it('names the certificate problem in Slack', async () => {
    const post = await slash('noca');
    expect(String(post.body.text)).toContain(`TLS to Redis at localhost:${target.port} failed: unknown CA`);
  });

  it('shows the insecure note in the report', async () => {
    const post = await slash('lax');
    expect(JSON.stringify(post.body.blocks)).toContain('TLS certificate verification is off for this Redis');
  });
});
