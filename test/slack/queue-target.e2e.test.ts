/**
 * The real bot refuses to remediate the server its own queue Redis lives on, even when the config
 * reaches it through another address (a forwarder standing in for a DNS alias or a load balancer)
 * and another DB: the `/redis-ttl` dry-run is refused with the localized sentence, and a TTL run
 * that reaches the worker anyway (approved before the config changed) fails with nothing written.
 */
import { type AddressInfo, createConnection, createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { silentLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postSlashCommand } from '../support/slack/signed-request.js';

const CHANNEL = 'CALIAS';
const PREFIX = 'redis-medic';
const APP_KEYS = 30;
const REFUSAL = /same Redis server as the bot's queue Redis/;

let queue: LocalRedis;
let alias: Server;
let admin: Redis;
let fake: FakeSlackApi;
let bot: RunningServer;
const secret = 'queue-target-secret';

/** No key of the app (DB 0) got a TTL; the bot's audit stream (DB 1) has none either. */
async function expectNothingWritten(): Promise<void> {
  const app = new Redis({ host: '127.0.0.1', port: queue.port, db: 0 });
  const own = new Redis({ host: '127.0.0.1', port: queue.port, db: 1 });
  try {
    const names = await app.keys('app:*');
    expect(names).toHaveLength(APP_KEYS);
    for (const name of names) expect({ name, pttl: await app.pttl(name) }).toEqual({ name, pttl: -1 });
    expect(await own.pttl(`${PREFIX}:audit`)).toBe(-1);
  } finally {
    app.disconnect();
    own.disconnect();
  }
}

beforeAll(async () => {
  queue = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  admin = new Redis(queue.port, '127.0.0.1');
  for (let i = 0; i < APP_KEYS; i++) await admin.set(`app:${i}`, 'v');
  await admin.select(1);
  await admin.xadd(`${PREFIX}:audit`, '*', 'action', 'seeded');
  alias = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: queue.port });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => alias.listen(0, '127.0.0.1', resolve));
  const aliasPort = (alias.address() as AddressInfo).port;
  fake = await startFakeSlackApi();
  const parsed = parseConfig(
    `queue:
  url: redis://127.0.0.1:${queue.port}/1
  prefix: ${PREFIX}
slack:
  channels:
    ${CHANNEL}: aliased
clusters:
  - name: aliased
    url: redis://127.0.0.1:${aliasPort}/0
rules:
  - name: everything
    match: "*"
    action: set-missing
    ttl: 1d
    risk: high
    allow-broad: true
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  bot = await startServer({
    config: parsed.config,
    logger: silentLogger(),
    strictI18n: true,
    connectTimeoutMs: 1_000,
    slack: {
      botToken: 'xoxb-test',
      signingSecret: secret,
      slackApiUrl: fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await new Promise<void>((resolve) => (alias ? alias.close(() => resolve()) : resolve()));
  admin?.disconnect();
  await queue?.stop();
});

describe('the queue Redis’s server as a target, through the bot', () => {
  it('/redis-ttl: the dry-run is refused with the localized sentence, nothing written', async () => {
    const mark = fake.calls.length;
    const res = await postSlashCommand(`http://127.0.0.1:${bot.port}`, secret, {
      command: '/redis-ttl',
      text: 'aliased everything',
      user_id: 'UONCALL',
      channel_id: CHANNEL,
      response_url: fake.responseUrl('ttl-1'),
    });
    expect(res.status).toBe(200);
    const failed = await fake.waitFor(
      'chat.update',
      (c) => fake.calls.indexOf(c) >= mark && REFUSAL.test(JSON.stringify(c.body)),
      30_000,
    );
    expect(JSON.stringify(failed.body)).toContain('everything');
    await expectNothingWritten();
  }, 60_000);

  it('a TTL run that reaches the worker fails for good before reading a key', async () => {
    const runId = `run-alias-${Date.now()}`;
    const mark = fake.calls.length;
    await bot.services.ttlRuns.enqueue({
      runId,
      cluster: 'aliased',
      rule: {
        name: 'everything',
        match: '*',
        action: 'set-missing',
        ttlSec: 86_400,
        jitter: 0,
        includeMissing: false,
        risk: 'high',
        allowBroad: true,
      },
      dryRunId: 'dry-1',
      requestedBy: 'UONCALL',
      approvedBy: 'UBOSS',
      incidentId: 'inc-1',
      channel: CHANNEL,
      threadTs: '1700000000.000100',
      lang: 'en',
    });
    await expect
      .poll(async () => (await bot.services.ttlRuns.state(runId))?.status, { timeout: 30_000, interval: 100 })
      .toBe('failed');
    await fake.waitFor(
      'chat.postMessage',
      (c) => fake.calls.indexOf(c) >= mark && REFUSAL.test(JSON.stringify(c.body)),
      15_000,
    );
    await expectNothingWritten();
    // The refusal is in the audit log (its stream still without a TTL).
    await expect
      .poll(async () => JSON.stringify(await admin.xrange(`${PREFIX}:audit`, '-', '+')), { timeout: 10_000 })
      .toMatch(new RegExp(`${runId}.*queue_is_target|queue_is_target.*${runId}`));
  }, 60_000);
});
