/**
 * `redis-medic serve` with a Slack token Slack refuses, or with no route to Slack: one clear line
 * naming the Web API method (and host) that failed, a documented exit code, no stack trace, and
 * never a crash after "started".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';

const TOKEN = 'xoxb-1234-5678-not-a-valid-token';
let queue: LocalRedis;
let slack: FakeSlackApi;
let config: string;

beforeAll(async () => {
  queue = await startLocalRedis();
  slack = await startFakeSlackApi({
    handlers: { 'auth.test': () => ({ ok: false, error: 'invalid_auth' }) },
  });
  const dir = mkdtempSync(join(tmpdir(), 'serve-token-'));
  config = join(dir, 'redis-medic.yml');
  writeFileSync(
    config,
    `queue:
  url: ${queue.url}
clusters:
  - name: shop
    url: redis://127.0.0.1:1/0
`,
  );
}, 30_000);

afterAll(async () => {
  await slack?.close();
  await queue?.stop();
});

async function serve(apiUrl: string) {
  const port = await findFreePort();
  return runCli(['serve', '--config', config, '--port', String(port)], {
    SLACK_API_URL: apiUrl,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: 'signing-secret',
    SLACK_BOT_USER_ID: '',
    SLACK_BOT_ID: '',
    SLACK_APP_TOKEN: '',
    HTTPS_PROXY: '',
    HTTP_PROXY: '',
  });
}

describe('serve with a Slack token that Slack refuses', () => {
  it('says auth.test refused the token, exit 1, no stack trace, never "started"', async () => {
    const run = await serve(slack.url);
    const output = `${run.stdout}\n${run.stderr}`;
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('auth.test');
    expect(run.stderr).toContain('invalid_auth');
    expect(run.stderr).toMatch(/refused the bot token/);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('WebAPIPlatformError');
    expect(output).not.toContain('redis-medic started');
    expect(output).not.toContain(TOKEN);
  }, 60_000);
});

describe('serve without a route to Slack', () => {
  it('every failed request names the method and host; exit 2 with one line saying so', async () => {
    const dead = await findFreePort();
    const run = await serve(`http://127.0.0.1:${dead}/api/`);
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('auth.test');
    expect(run.stderr).toContain(`127.0.0.1:${dead}`);
    // The client's own warnings name what failed too, not a bare "fetch failed".
    for (const line of output.split('\n').filter((l) => l.includes('http request failed'))) {
      expect(line).toContain('auth.test');
      expect(line).toContain(`127.0.0.1:${dead}`);
    }
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('redis-medic started');
  }, 60_000);
});
