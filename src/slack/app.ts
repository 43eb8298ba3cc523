import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  type Logger as BoltLogger,
  type CustomRoute,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
} from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { channelLang } from '../config/load.js';
import { fetchThrough, type ProxyRoutingDispatcher } from '../net/agents.js';
import { hasProxy } from '../net/proxy.js';
import { registerAppHome } from './app-home/register.js';
import { countingFetch, type SlackCallFailure } from './call-metrics.js';
import { defaultClickGuard } from './click-auth.js';
import { registerAlertActions } from './listeners/actions/alert-actions.js';
import { registerCensusActions } from './listeners/actions/census-actions.js';
import { registerChangeActions } from './listeners/actions/change-actions.js';
import { registerChecklistActions } from './listeners/actions/checklist-actions.js';
import { registerPlanActions } from './listeners/actions/plan-actions.js';
import { registerRemediationActions } from './listeners/actions/remediation-actions.js';
import { registerStatusActions } from './listeners/actions/status-actions.js';
import { registerTtlRunActions } from './listeners/actions/ttl-run-actions.js';
import { commandLangWaitMs, slashCommands } from './listeners/commands/index.js';
import { personContext } from './listeners/person-context.js';
import type { PersonContext } from './listeners/types.js';
import { guardSlackRequests } from './request-guard.js';
import type { SlackServices } from './services.js';
import { createUserLangResolver } from './user-lang.js';

export interface SlackAppOptions {
  signingSecret: string;
  botToken: string;
  /** `xapp-…`: Socket Mode (no public URL). Without it the app serves HTTP on `port`. */
  appToken?: string;
  /** Web API base URL (default Slack's public one); tests point it at a loopback fake. */
  slackApiUrl?: string;
  /**
   * Every Web API call, file upload, `respond()` and (behind a proxy) the Socket Mode websocket go
   * through this dispatcher, which applies HTTPS_PROXY / NO_PROXY. Without it: Node's fetch, direct.
   */
  dispatcher?: ProxyRoutingDispatcher;
  /** Bot user and bot ids: when known, Bolt skips its auth.test call on every event. */
  botUserId?: string;
  botId?: string;
  port: number;
  host?: string;
  /** Liveness details for /healthz. */
  health: () => Promise<{ ok: boolean; [detail: string]: unknown }>;
  /** /readyz answers 200 only when this resolves true (the queue Redis answers PING). */
  ready?: () => Promise<boolean>;
  /** /metrics (Prometheus text), and the counter of failed Slack calls it shows. */
  metrics?: {
    contentType: string;
    metrics(): Promise<string>;
    slackCall: SlackCallFailure;
  };
  /** Tests turn retries off; production keeps web-api's defaults (which wait out 429 Retry-After). */
  retries?: number;
  /**
   * HTTP mode: where accepted request signatures are remembered (the queue Redis), so a replayed
   * request is refused by every replica. Without it only the freshness window is checked.
   */
  seenRequests?: { redis: Pick<Redis, 'set'>; prefix: string };
}

export interface SlackApp {
  app: App<PersonContext>;
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
  const routes = [healthz, ...monitoringRoutes(options)];
  const socketMode = Boolean(options.appToken);
  const logger = boltLogger(services.logger);
  // One fetch for the WebClient (uploads included: web-api posts the bytes with the same fetch)
  // and for respond(), which Bolt builds from clientOptions.fetch.
  const clientOptions = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    ...(options.retries !== undefined ? { retryConfig: { retries: options.retries } } : {}),
    ...slackFetch(options),
  };
  // Bolt's own Socket Mode receiver takes no dispatcher, so the websocket would ignore the proxy:
  // build the receiver here. Without a proxy, socket-mode's default dispatcher is kept (it can
  // force-close a stalled socket). It gets a copy of clientOptions: it sets its own retry policy
  // on the object it is given.
  const receiver =
    socketMode && options.appToken
      ? new SocketModeReceiver({
          appToken: options.appToken,
          logger,
          ...(options.dispatcher && hasProxy(options.dispatcher.settings)
            ? { dispatcher: options.dispatcher }
            : {}),
          customRoutes: routes,
          installerOptions: { port: options.port, clientOptions: { ...clientOptions } },
        })
      : undefined;
  const http = receiver ? undefined : httpReceiver(options, routes, logger, services);
  const app = new App<PersonContext>({
    token: options.botToken,
    ...(receiver ? { socketMode: true, receiver } : { receiver: http }),
    ...(options.botUserId ? { botUserId: options.botUserId } : {}),
    ...(options.botId ? { botId: options.botId } : {}),
    logger,
    clientOptions,
  });
  // Every command, button and form gets the person's language and `t` in its context.
  app.use(
    personContext({
      langFor: createUserLangResolver((channel) => channelLang(services.config, channel)),
      i18n: services.i18n,
      langWaitMs: commandLangWaitMs,
    }),
  );
  for (const register of slashCommands) register(app, services);
  // One click guard for every button: one members cache, one way to refuse and audit.
  const clicks = defaultClickGuard(app, services);
  registerStatusActions(app, services, clicks);
  registerCensusActions(app, services, clicks);
  registerAlertActions(app, services, clicks);
  registerRemediationActions(app, services);
  registerChangeActions(app, services, clicks);
  if (services.ttlRuns) registerTtlRunActions(app, services, { runs: services.ttlRuns, clicks });
  if (services.plans) {
    registerPlanActions(app, services, {
      plans: services.plans,
      clicks,
      ...(services.planEvents ? { events: services.planEvents } : {}),
    });
  }
  if (services.checklist) registerChecklistActions(app, services, { checklist: services.checklist, clicks });
  registerAppHome(app, services);
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

/**
 * Bolt's HTTP receiver checks the signature and refuses old timestamps; in front of it the request
 * guard refuses future timestamps and replays (remembered on the queue Redis, shared by replicas).
 */
function httpReceiver(
  options: SlackAppOptions,
  routes: CustomRoute[],
  logger: BoltLogger,
  services: SlackServices,
): HTTPReceiver {
  const http = new HTTPReceiver({ signingSecret: options.signingSecret, customRoutes: routes, logger });
  const seen = options.seenRequests ?? { redis: rememberInProcess(), prefix: 'local' };
  http.requestListener = guardSlackRequests(http.requestListener, {
    signingSecret: options.signingSecret,
    redis: seen.redis,
    prefix: seen.prefix,
    logger: services.logger,
  });
  return http;
}

/** The Web API client's fetch: through the proxy dispatcher when there is one, counted for /metrics. */
function slackFetch(options: SlackAppOptions): { fetch?: ReturnType<typeof fetchThrough> } {
  const base = options.dispatcher ? fetchThrough(options.dispatcher) : undefined;
  if (!options.metrics) return base ? { fetch: base } : {};
  const fetch = base ?? (globalThis.fetch as unknown as ReturnType<typeof fetchThrough>);
  return { fetch: countingFetch(fetch, options.metrics.slackCall) };
}

/** /readyz and /metrics, when the composition root gives what they answer from. */
function monitoringRoutes(options: SlackAppOptions): CustomRoute[] {
  const routes: CustomRoute[] = [];
  const { ready, metrics } = options;
  if (ready) {
    routes.push({
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        ready()
          .catch(() => false)
          .then((ok) => {
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ready: ok }));
          });
      },
    });
  }
  if (metrics) {
    routes.push({
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        metrics
          .metrics()
          .then((text) => {
            res.writeHead(200, { 'content-type': metrics.contentType });
            res.end(text);
          })
          .catch(() => {
            res.writeHead(500);
            res.end();
          });
      },
    });
  }
  return routes;
}

/** Without a shared store (a single process, e.g. a demo): replays to this process are refused. */
function rememberInProcess(): Pick<Redis, 'set'> {
  const until = new Map<string, number>();
  const set = async (key: string, _value: string, _ex: 'EX', seconds: number, _nx: 'NX') => {
    const now = Date.now();
    for (const [k, expires] of until) if (expires <= now) until.delete(k);
    if ((until.get(key) ?? 0) > now) return null;
    until.set(key, now + seconds * 1000);
    return 'OK' as const;
  };
  return { set } as unknown as Pick<Redis, 'set'>;
}

/** Bolt logs through pino, so one log stream carries everything (and nothing logs tokens). */
export function boltLogger(logger: Logger): BoltLogger {
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
