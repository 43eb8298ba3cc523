import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger as BoltLogger, type CustomRoute, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { registerStatusActions } from './listeners/actions/status-actions.js';
import { registerRedisStatusCommand } from './listeners/commands/redis-status.js';
import type { SlackServices } from './services.js';
import { createUserLangResolver } from './user-lang.js';

export interface SlackAppOptions {
  signingSecret: string;
  botToken: string;
  /** `xapp-…`: Socket Mode (no public URL). Without it the app serves HTTP on `port`. */
  appToken?: string;
  /** Web API base URL (default Slack's public one); tests point it at a loopback fake. */
  slackApiUrl?: string;
  /** Bot user and bot ids: when known, Bolt skips its auth.test call on every event. */
  botUserId?: string;
  botId?: string;
  port: number;
  host?: string;
  /** Liveness details for /healthz. */
  health: () => Promise<{ ok: boolean; [detail: string]: unknown }>;
  /** Tests turn retries off; production keeps web-api's defaults (which wait out 429 Retry-After). */
  retries?: number;
}

export interface SlackApp {
  app: App;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** Builds the Bolt app: transport (HTTP or Socket Mode), /healthz, and the listeners. */
export function createSlackApp(options: SlackAppOptions, services: SlackServices): SlackApp {
  const healthz: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      options
        .health()
        .then((body) => {
          res.writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        })
        .catch(() => {
          res.writeHead(503);
          res.end('{"ok":false}');
        });
    },
  };
  const socketMode = Boolean(options.appToken);
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: options.appToken } : {}),
    ...(options.botUserId ? { botUserId: options.botUserId } : {}),
    ...(options.botId ? { botId: options.botId } : {}),
    customRoutes: [healthz],
    ...(socketMode ? { installerOptions: { port: options.port } } : {}),
    logger: boltLogger(services.logger),
    clientOptions: {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      ...(options.retries !== undefined ? { retryConfig: { retries: options.retries } } : {}),
    },
  });
  const langFor = createUserLangResolver();
  registerRedisStatusCommand(app, services, langFor);
  registerStatusActions(app, services, langFor);
  app.error(async (error) => {
    services.logger.error(
      { err: error.message, code: (error as { code?: string }).code },
      'slack listener failed',
    );
  });

  return {
    app,
    async start() {
      const started = (await app.start(
        socketMode ? options.port : { port: options.port, host: options.host ?? '0.0.0.0' },
      )) as unknown;
      const address = (started as Server | undefined)?.address?.() as AddressInfo | null | undefined;
      return { port: address && typeof address === 'object' ? address.port : options.port };
    },
    stop: async () => {
      await app.stop();
    },
  };
}

/** Bolt logs through pino, so one log stream carries everything (and nothing logs tokens). */
function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
