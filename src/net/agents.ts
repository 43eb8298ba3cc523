import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { Agent, Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { type ProxySettings, proxyFor } from './proxy.js';

/**
 * The transports that honour {@link ProxySettings}: an undici dispatcher (for Slack's Web API,
 * uploads, `respond()` and the Socket Mode websocket) and an AWS SDK request handler. Both ask
 * {@link proxyFor} per request, so they can never disagree about what is proxied.
 */

/** An undici dispatcher that sends each request directly or through its proxy (a CONNECT tunnel). */
export class ProxyRoutingDispatcher extends Dispatcher {
  readonly #direct = new Agent();
  readonly #proxies = new Map<string, ProxyAgent>();

  constructor(readonly settings: ProxySettings) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = options.origin === undefined ? undefined : String(options.origin);
    const proxy = origin === undefined ? undefined : proxyFor(origin, this.settings);
    return this.#agentFor(proxy).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    const done = Promise.all([
      this.#direct.close(),
      ...[...this.#proxies.values()].map((p) => p.close()),
    ]).then(() => undefined);
    if (!callback) return done;
    done.then(callback, callback);
    return undefined;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(
    errOrCallback?: Error | null | (() => void),
    callback?: () => void,
  ): Promise<void> | undefined {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const agents: Dispatcher[] = [this.#direct, ...this.#proxies.values()];
    const done = Promise.all(agents.map((a) => a.destroy(err))).then(() => undefined);
    if (!cb) return done;
    done.then(cb, cb);
    return undefined;
  }

  #agentFor(proxy: URL | undefined): Dispatcher {
    if (!proxy) return this.#direct;
    let agent = this.#proxies.get(proxy.href);
    if (!agent) {
      // ProxyAgent takes user:password from the URL and sends it as Proxy-Authorization.
      agent = new ProxyAgent({ uri: proxy.href });
      this.#proxies.set(proxy.href, agent);
    }
    return agent;
  }
}

/** What @slack/web-api and Bolt's respond() pass to fetch. */
export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  redirect?: 'error' | 'follow' | 'manual';
  signal?: AbortSignal;
}

/**
 * The fetch the Slack clients get: undici's, through `dispatcher`. A multipart body (web-api's file
 * upload) is a FormData of Node's built-in fetch; it is encoded here with Node's own Response, so
 * the bytes don't depend on two fetch implementations agreeing about each other's FormData.
 * A request that fails names what it was for (web-api logs only "fetch failed").
 */
export function fetchThrough(
  dispatcher: Dispatcher,
): (url: string | URL, init?: FetchInit) => ReturnType<typeof undiciFetch> {
  const send = sendThrough(dispatcher);
  return async (url, init = {}) => {
    try {
      return await send(url, init);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new Error(`${messageOf(err)} (${requestName(url)}: ${rootCauseMessage(err)})`, { cause: err });
    }
  };
}

/**
 * What a failed request was for, safe for a log: the Web API method and host for `…/api/<method>`,
 * else only the host (a response_url or upload URL carries a secret in its path).
 */
export function requestName(url: string | URL): string {
  const parsed = new URL(String(url));
  const method = /\/api\/([A-Za-z][\w.]*)$/.exec(parsed.pathname)?.[1];
  return method ? `${method} at ${parsed.host}` : parsed.host;
}

/** The innermost cause's message: undici's "fetch failed" wraps the socket error that says why. */
export function rootCauseMessage(err: unknown): string {
  let current = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return messageOf(current);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sendThrough(
  dispatcher: Dispatcher,
): (url: string | URL, init?: FetchInit) => ReturnType<typeof undiciFetch> {
  return async (url, init = {}) => {
    const { body, headers = {}, ...rest } = init;
    if (body instanceof FormData) {
      const encoded = new Response(body);
      const plain = Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type');
      return undiciFetch(url, {
        ...rest,
        headers: { ...Object.fromEntries(plain), 'content-type': encoded.headers.get('content-type') ?? '' },
        body: Buffer.from(await encoded.arrayBuffer()),
        dispatcher,
      });
    }
    return undiciFetch(url, { ...rest, headers, ...(body !== undefined ? { body } : {}), dispatcher });
  };
}

type AwsHttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type AwsHandleOptions = Parameters<NodeHttpHandler['handle']>[1];

/**
 * The AWS SDK's Node handler, except that a request whose endpoint needs a proxy goes through a
 * second handler whose agents tunnel through it (https-proxy-agent). Decided per request from the
 * endpoint the SDK actually resolved, so custom endpoints (VPC, FIPS, AWS_ENDPOINT_URL) work too.
 */
export class ProxyAwareHttpHandler extends NodeHttpHandler {
  readonly #proxied = new Map<string, NodeHttpHandler>();

  constructor(
    private readonly options: NodeHttpHandlerOptions,
    readonly settings: ProxySettings,
  ) {
    super(options);
  }

  /** The proxy a request to this endpoint goes through, or undefined for a direct connection. */
  proxyForEndpoint(request: Pick<AwsHttpRequest, 'protocol' | 'hostname' | 'port'>): URL | undefined {
    const host = request.hostname.includes(':') ? `[${request.hostname}]` : request.hostname;
    return proxyFor(`${request.protocol}//${host}${request.port ? `:${request.port}` : ''}/`, this.settings);
  }

  override handle(
    request: AwsHttpRequest,
    options?: AwsHandleOptions,
  ): ReturnType<NodeHttpHandler['handle']> {
    const proxy = this.proxyForEndpoint(request);
    if (!proxy) return super.handle(request, options);
    let handler = this.#proxied.get(proxy.href);
    if (!handler) {
      const agent = new HttpsProxyAgent(proxy.href, { keepAlive: true });
      handler = new NodeHttpHandler({ ...this.options, httpAgent: agent, httpsAgent: agent });
      this.#proxied.set(proxy.href, handler);
    }
    return handler.handle(request, options);
  }

  override updateHttpClientConfig(
    key: keyof NodeHttpHandlerOptions,
    value: NodeHttpHandlerOptions[typeof key],
  ): void {
    super.updateHttpClientConfig(key, value);
    for (const handler of this.#proxied.values()) handler.updateHttpClientConfig(key, value);
  }

  override destroy(): void {
    super.destroy();
    for (const handler of this.#proxied.values()) handler.destroy();
    this.#proxied.clear();
  }
}
