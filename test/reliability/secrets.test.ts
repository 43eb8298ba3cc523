/**
 * Secrets never leave: the real bot (startServer, a pino logger at trace level writing into memory)
 * and the real CLI run against Redis servers with passwords (in the URL, in the `password:` field,
 * a wrong one, and on the queue Redis), a Slack bot token, a signing secret and AWS-looking
 * credentials in the environment. Everything produced is collected (every log line, every request
 * the fake Slack API received bar the Authorization header the token belongs in, every ack, the
 * CLI's stdout and stderr) and searched for each secret, plain and URL-encoded: 0 hits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type CliRun, runCli } from '../support/cli.js';
import { settleFake } from '../support/output-checks.js';
import { Scenario } from '../support/reliability-report.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postSlashCommand, type SignedPostResult } from '../support/slack/signed-request.js';

const URL_PASSWORD = 'Url-Pa55w0rd-7f3a9c';
const FIELD_PASSWORD = 'Field-Pa55w0rd-91c2de';
const WRONG_PASSWORD = 'Wrong-Pa55w0rd-e4d0aa';
const QUEUE_PASSWORD = 'Queue-Pa55w0rd-b7e1f0';
const BOT_TOKEN = 'xoxb-1111-2222-SeCrEtBoTtOkEn9z';
const SIGNING_SECRET = 'signing-SeCrEt-55aa77bb';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9SECRET';
const AWS_KEY_ID = 'AKIAZZZZSECRETKEYID7';
const SECRETS = [
  URL_PASSWORD,
  FIELD_PASSWORD,
  WRONG_PASSWORD,
  QUEUE_PASSWORD,
  BOT_TOKEN,
  SIGNING_SECRET,
  AWS_SECRET,
  AWS_KEY_ID,
];
const CHANNEL = 'C0VAULT';

const scenario = new Scenario('secrets in logs, Slack, errors and CLI output');
let vault: LocalRedis;
let vault2: LocalRedis;
let queue: LocalRedis;
let fake: FakeSlackApi;
let server: RunningServer;
let configDir: string;
let configFile: string;
const logLines: string[] = [];
const acks: SignedPostResult[] = [];
const cliRuns: CliRun[] = [];
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = AWS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = AWS_SECRET;
  [vault, vault2, queue] = await Promise.all([
    startLocalRedis({ password: URL_PASSWORD }),
    startLocalRedis({ password: FIELD_PASSWORD }),
    startLocalRedis({ password: QUEUE_PASSWORD, maxmemoryPolicy: 'noeviction' }),
  ]);
  const loader = new Redis(vault.port, '127.0.0.1', { password: URL_PASSWORD });
  await loadDataset(loader, { keys: 3_000 });
  loader.disconnect();
  fake = await startFakeSlackApi();
  const yaml = `
queue:
  url: redis://:${QUEUE_PASSWORD}@127.0.0.1:${queue.port}
slack:
  channels:
    ${CHANNEL}: vault
clusters:
  - name: vault
    url: redis://:${URL_PASSWORD}@127.0.0.1:${vault.port}
  - name: vault2
    url: redis://127.0.0.1:${vault2.port}
    password: ${FIELD_PASSWORD}
  - name: wrongpass
    url: redis://:${WRONG_PASSWORD}@127.0.0.1:${vault.port}
rules:
  - name: contact-profile
    cluster: vault
    match: "contact:profile:*"
    action: set-missing
    ttl: 30d
    risk: low
`;
  configDir = mkdtempSync(join(tmpdir(), 'medic-secrets-'));
  configFile = join(configDir, 'medic.yaml');
  writeFileSync(configFile, yaml);
  const parsed = parseConfig(yaml, {});
  if (!parsed.ok) throw new Error(`config refused: ${JSON.stringify(parsed.problems)}`);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  server = await startServer({
    config: parsed.config,
    logger: createLogger({ level: 'trace', destination: sink }),
    connectTimeoutMs: 1_000,
    slack: {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      slackApiUrl: fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });
}, 120_000);

afterAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  scenario.save();
  await server?.stop();
  await fake?.close();
  await Promise.all([vault?.stop(), vault2?.stop(), queue?.stop()]);
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

let n = 0;
async function slash(command: string, text: string): Promise<void> {
  const responseId = `sec-${++n}`;
  const res = await postSlashCommand(`http://127.0.0.1:${server.port}`, SIGNING_SECRET, {
    command,
    text,
    user_id: 'UONCALL',
    channel_id: CHANNEL,
    response_url: fake.responseUrl(responseId),
  });
  acks.push(res);
}

/** Where a secret shows up in `text`: plain, URL-encoded or base64 (a Basic auth header). */
function hits(where: string, text: string): string[] {
  const out: string[] = [];
  for (const s of SECRETS) {
    const forms = [s, encodeURIComponent(s), Buffer.from(s).toString('base64')];
    if (forms.some((f) => text.includes(f))) out.push(`${where} holds ${s.slice(0, 6)}…`);
  }
  return out;
}

describe('secrets', () => {
  it('the bot: status (password in the URL, in the field, a wrong one), census, rules, audit', async () => {
    await scenario.run(async () => {
      await slash('/redis-status', 'vault');
      await slash('/redis-status', 'vault2');
      await slash('/redis-status', 'wrongpass');
      await slash('/redis-keys', 'vault');
      await slash('/redis-ttl', 'vault');
      await slash('/redis-ttl', 'vault contact-profile');
      await slash('/redis-audit', 'all');
      await slash('/redis-status', 'vault2 extra words');
      // The census and the dry-run post when they are done; the wrong password posts its error.
      await fake.waitFor('chat.postMessage', (c) => JSON.stringify(c.body).includes('wrongpass'), 30_000);
      await settleFake(fake, 90_000, 1_500);
      expect(acks.every((a) => a.status === 200)).toBe(true);
      expect(fake.calls.length).toBeGreaterThan(5);
    });
  }, 150_000);

  it('the CLI: status with passwords in --redis, a wrong one, and a config file holding them', async () => {
    await scenario.run(async () => {
      const env = {
        AWS_ACCESS_KEY_ID: AWS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: AWS_SECRET,
        SLACK_BOT_TOKEN: BOT_TOKEN,
      };
      const runs = await Promise.all([
        runCli(['status', '--redis', `redis://:${URL_PASSWORD}@127.0.0.1:${vault.port}`, '--no-trend'], env),
        runCli(
          ['status', '--redis', `redis://:${WRONG_PASSWORD}@127.0.0.1:${vault.port}`, '--no-trend'],
          env,
        ),
        runCli(['status', '--config', configFile, '--cluster', 'vault2', '--no-trend', '--json'], env),
        runCli(['check-config', '--config', configFile], env),
      ]);
      cliRuns.push(...runs);
      // The right passwords work (so their paths really ran); the wrong one is refused, and said so.
      expect(runs[0]?.code).toBe(0);
      expect(runs[2]?.code).toBe(0);
      expect(runs[1]?.code).not.toBe(0);
      expect((runs[1]?.stderr ?? '') + (runs[1]?.stdout ?? '')).not.toBe('');
    });
  }, 120_000);

  it('no secret in anything produced: logs, Slack requests, acks, CLI output', () => {
    const found = [
      ...hits('the log', logLines.join('')),
      ...fake.calls.flatMap((c) => {
        const { authorization: _token, ...headers } = c.headers;
        return hits(`${c.method} request`, `${c.rawBody}\n${JSON.stringify(headers)}\n${c.path}`);
      }),
      ...acks.flatMap((a) => hits('an ack', a.body)),
      ...cliRuns.flatMap((r, i) => hits(`CLI run ${i}`, `${r.stdout}\n${r.stderr}`)),
    ];
    scenario.figure('log lines', logLines.length);
    scenario.figure('Slack requests', fake.calls.length);
    scenario.figure('CLI runs', cliRuns.length);
    scenario.figure('secrets', SECRETS.length);
    scenario.figure('hits', found.length);
    scenario.result.runs++;
    if (found.length > 0) scenario.fail(new Error(found.join('; ')));
    // Something was produced: a search of nothing finds nothing.
    expect(logLines.length).toBeGreaterThan(0);
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
