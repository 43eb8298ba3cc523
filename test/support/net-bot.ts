/**
 * The real bot (`startServer`) for the network tests, with the environment passed explicitly (no
 * process.env mutation): a target and a queue redis-server on loopback, the fake Slack Web API, the
 * demo's replayed trend (so every report has a chart to upload), and the JSON log lines it wrote.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import type { MedicConfig } from '../../src/config/types.js';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { replayTrendProvider } from '../../src/status/trend-providers.js';
import { postSlashCommand, type SignedPostResult } from './slack/signed-request.js';

export const CHANNEL = 'C0NETWORK';

export interface NetBotServers {
  target: LocalRedis;
  queue: LocalRedis;
  stop(): Promise<void>;
}

/** A target with a small dataset at ≈ 80 % of maxmemory, and the bot's queue Redis. */
export async function startNetBotServers(): Promise<NetBotServers> {
  const [target, queue] = await Promise.all([
    startLocalRedis(),
    startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
  ]);
  const client = new Redis(target.url);
  try {
    await loadDataset(client, { keys: 1_000 });
    await setMaxmemoryForTargetPct(client, 80);
  } finally {
    await client.quit();
  }
  return {
    target,
    queue,
    stop: async () => {
      await Promise.all([target.stop(), queue.stop()]);
    },
  };
}

export interface NetBot {
  server: RunningServer;
  config: MedicConfig;
  baseUrl: string;
  /** Every JSON line the bot logged. */
  logs: Record<string, unknown>[];
  /** The raw log text (to check that nothing secret was written). */
  logText(): string;
  slash(text: string, responseUrl: string): Promise<SignedPostResult>;
  stop(): Promise<void>;
}

export interface NetBotOptions {
  servers: NetBotServers;
  env: Record<string, string | undefined>;
  /** Extra YAML under `slack:` (e.g. `apiUrl: ...`), indented by the caller. */
  slackYaml?: string;
  /** Passed as the explicit `slack.slackApiUrl` option (wins over env and config). */
  slackApiUrl?: string;
}

export async function startNetBot(options: NetBotOptions): Promise<NetBot> {
  const { servers } = options;
  const yaml = `
queue:
  url: ${servers.queue.url}
slack:
  channels:
    ${CHANNEL}: market
${options.slackYaml ?? ''}
monitoring:
  enabled: false
clusters:
  - name: market
    url: ${servers.target.url}
`;
  const parsed = parseConfig(yaml, {});
  if (!parsed.ok) throw new Error(`net-bot config is invalid: ${JSON.stringify(parsed.problems)}`);
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  const signingSecret = `secret-${Math.random().toString(36).slice(2)}`;
  const server = await startServer({
    config: parsed.config,
    logger: createLogger({ level: 'info', destination }),
    i18n: createI18n({ strict: true }),
    trend: replayTrendProvider(),
    connectTimeoutMs: 2_000,
    env: options.env,
    slack: {
      botToken: 'xoxb-test',
      signingSecret,
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  return {
    server,
    config: parsed.config,
    baseUrl,
    get logs() {
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => text,
    slash: (commandText, responseUrl) =>
      postSlashCommand(baseUrl, signingSecret, {
        command: '/redis-status',
        text: commandText,
        user_id: 'UONCALL',
        channel_id: CHANNEL,
        response_url: responseUrl,
      }),
    stop: () => server.stop(),
  };
}
