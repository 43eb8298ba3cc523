/**
 * SLACK_BOT_USER_ID and SLACK_BOT_ID: Bolt skips its auth.test call only when it has both ids. The
 * real `redis-medic serve` runs as a child process against the fake Slack Web API on loopback: with
 * one of the two set, auth.test is still called and the start-up log warns, naming the missing one;
 * with both, auth.test is never called and nothing is warned.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { findFreePort } from '../../src/demo/local-redis.js';
import { test } from '../support/fixtures.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postSlashCommand } from '../support/slack/signed-request.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = join(import.meta.dirname, '../..');
const SECRET = 'bot-ids-signing-secret';
/** A child's start (module loading on a busy box) plus one slash command. */
const START_MS = 60_000;

let fake: FakeSlackApi;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fake = await startFakeSlackApi();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await fake?.close();
});

async function serveWith(ids: Record<string, string>, queueUrl: string, targetUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'medic-bot-ids-'));
  const config = join(dir, 'medic.yaml');
  writeFileSync(config, `queue:\n  url: ${queueUrl}\nclusters:\n  - name: market\n    url: ${targetUrl}\n`);
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config], {
    cwd: ROOT,
    env: {
      ...process.env,
      LANG: 'C.UTF-8',
      PORT: String(port),
      SLACK_BOT_TOKEN: 'xoxb-bot-ids',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
      SLACK_BOT_USER_ID: '',
      SLACK_BOT_ID: '',
      ...ids,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  await waitFor('redis-medic started', () => log.includes('redis-medic started'), START_MS);
  const before = fake.callsTo('auth.test').length;
  const id = `bot-ids-${port}`;
  const res = await postSlashCommand(`http://127.0.0.1:${port}`, SECRET, {
    command: '/redis-status',
    text: 'help',
    user_id: 'U0ASKER',
    channel_id: 'C0MARKET',
    response_url: fake.responseUrl(id),
  });
  expect(res.status).toBe(200);
  // The command has been answered (its private help went to the response_url): Bolt is done with it.
  await waitFor('the help reply', () => fake.calls.some((c) => c.path.includes(id)), START_MS);
  child.kill('SIGTERM');
  return { log, authTests: fake.callsTo('auth.test').length - before };
}

describe('serve with the bot ids', () => {
  test(
    'one id alone: auth.test still runs and the log says which variable is missing; both: no auth.test',
    async ({ localRedis, queueRedis }) => {
      const userOnly = await serveWith({ SLACK_BOT_USER_ID: 'UBOT' }, queueRedis.url, localRedis.url);
      expect(fake.callsTo('auth.test').length).toBeGreaterThan(0);
      const warning = userOnly.log
        .split('\n')
        .find((l) => l.includes('SLACK_BOT_ID') && l.includes('auth.test'));
      expect(warning, userOnly.log).toBeDefined();
      expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40 });

      const authBefore = fake.callsTo('auth.test').length;
      const both = await serveWith(
        { SLACK_BOT_USER_ID: 'UBOT', SLACK_BOT_ID: 'B1' },
        queueRedis.url,
        localRedis.url,
      );
      expect(fake.callsTo('auth.test').length - authBefore).toBe(0);
      expect(both.authTests).toBe(0);
      expect(both.log).not.toMatch(/SLACK_BOT_(USER_)?ID/);
    },
    START_MS * 3,
  );
});
