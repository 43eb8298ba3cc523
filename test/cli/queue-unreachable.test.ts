/**
 * A dead queue Redis (the bot's own: snapshots, audit log, dry-runs, incidents) is named as such by
 * every command that needs it, with exit 2, no ioredis noise and no TLS guess; and the "use
 * rediss://" hint appears only when the port really speaks TLS.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { ErrorCode } from '../../src/errors.js';
import { createI18n } from '../../src/i18n/index.js';
import { errorText } from '../../src/presenters/error-text.js';
import { connectTarget } from '../../src/redis/connect.js';
import { classifyRedisError } from '../../src/redis/errors.js';
import { runCli } from '../support/cli.js';
import { makeTestPki, type TestPki } from '../support/tls-pki.js';

let target: LocalRedis;
let deadPort: number;
let config: string;

beforeAll(async () => {
  target = await startLocalRedis();
  // findFreePort binds port 0 and closes it: nothing listens there.
  deadPort = await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'queue-dead-'));
  config = join(dir, 'redis-medic.yml');
  writeFileSync(
    config,
    `queue:
  url: redis://medic:s3cret-pw@127.0.0.1:${deadPort}/0
clusters:
  - name: shop
    url: ${target.url}
rules:
  - name: carts
    match: "cart:*"
    action: set-missing
    ttl: 1d
`,
  );
}, 30_000);

afterAll(async () => {
  await target?.stop();
});

function expectQueueLine(run: { code: number | null; stderr: string; stdout: string }, port: number) {
  expect(run.code).toBe(2);
  expect(run.stderr).not.toContain('Unhandled error event');
  expect(run.stderr).not.toMatch(/TLS|rediss:/);
  expect(run.stderr).not.toContain('s3cret-pw');
  expect(run.stderr).toContain("the bot's queue Redis");
  expect(run.stderr).toContain(`redis://***@127.0.0.1:${port}/0`);
  expect(run.stderr).toContain('connection refused');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
}

describe('a dead queue Redis', () => {
  it.each([
    ['keys', ['keys', '--cluster', 'shop']],
    ['keys snapshots', ['keys', 'snapshots', '--cluster', 'shop']],
    ['audit', ['audit']],
    ['ttl dry-run', ['ttl', 'dry-run', '--cluster', 'shop']],
    ['notify', ['notify', '--cluster', 'shop']],
  ])('%s names the queue Redis, exit 2', async (_name, args) => {
    const run = await runCli([...args, '--config', config]);
    expectQueueLine(run, deadPort);
  });

  it('says it in Chinese too', async () => {
    const run = await runCli(['audit', '--config', config, '--lang', 'zh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('队列 Redis');
    expect(run.stderr).toContain(`redis://***@127.0.0.1:${deadPort}/0`);
  });

  it('serve: one localized line naming the queue Redis, exit 2', async () => {
    const port = await findFreePort();
    const run = await runCli(['serve', '--config', config, '--port', String(port)], {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_BOT_USER_ID: 'U0BOT',
      SLACK_BOT_ID: 'B0BOT',
      LOG_LEVEL: 'silent',
    });
    expect(run.stderr).not.toContain('Connection is closed');
    expectQueueLine(run, deadPort);
  }, 30_000);
});

describe('the rediss:// hint', () => {
  let pki: TestPki;
  let tlsOnly: LocalRedis;
  beforeAll(async () => {
    pki = await makeTestPki();
    tlsOnly = await startLocalRedis({
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile },
    });
  }, 30_000);
  afterAll(async () => {
    await tlsOnly?.stop();
    await pki?.cleanup();
  });

  it('redis:// to a port that speaks TLS: use rediss://', async () => {
    const plain = tlsOnly.url.replace(/^rediss:/, 'redis:');
    const run = await runCli(['status', '--redis', plain]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rediss://');
  });

  it('a target killed under a live connection: no TLS hint', async () => {
    const victim = await startLocalRedis();
    const conn = await connectTarget({ name: 'victim', url: victim.url, mode: 'standalone' });
    await victim.stop();
    const err = await conn.client.ping().then(
      () => undefined,
      (e: unknown) => classifyRedisError(e, conn.address),
    );
    await conn.close();
    expect(err?.code).toBe(ErrorCode.RedisUnreachable);
    const text = errorText(err ?? classifyRedisError('', ''), createI18n().plain('en'), 'en');
    expect(text).not.toMatch(/TLS|rediss/);
  });
});
