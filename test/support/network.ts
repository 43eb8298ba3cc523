/**
 * Seeing the network from inside a test: a loopback HTTP proxy that records what it is asked for,
 * a record of every outbound request and TCP connection this process makes (diagnostics channels,
 * so it sees Node's fetch, undici, node:http and raw sockets alike), and a DNS guard that answers
 * every non-loopback lookup with ENOTFOUND instead of asking a real resolver.
 */

import dc from 'node:diagnostics_channel';
import dns from 'node:dns';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, isIP, type Socket } from 'node:net';

export interface ProxiedRequest {
  /** `host:port` of a CONNECT, or the absolute URL of a forwarded (absolute-form) request. */
  target: string;
  kind: 'connect' | 'forward';
  /** The Proxy-Authorization header, when the client sent one. */
  auth?: string;
}

export interface LoopbackProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: ProxiedRequest[];
  /** CONNECT targets only, in arrival order. */
  connectTargets(): string[];
  close(): Promise<void>;
}

export interface LoopbackProxyOptions {
  /**
   * Where a target really is: any `host:port` the proxy is asked for can be mapped to a loopback
   * port (the fake Slack API). Unmapped targets get `502 Bad Gateway`, like a proxy that can't
   * reach them; nothing ever leaves the machine.
   */
  route?: (host: string, port: number) => number | undefined;
}

/** An HTTP proxy on 127.0.0.1 that handles CONNECT tunnels and plain forward requests. */
export async function startLoopbackProxy(options: LoopbackProxyOptions = {}): Promise<LoopbackProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const auth = (req: IncomingMessage) => {
    const value = req.headers['proxy-authorization'];
    return typeof value === 'string' ? { auth: value } : {};
  };
  const server = createServer((req, res) => {
    // Forward proxying: the request line carries the absolute URL.
    const target = req.url ?? '';
    requests.push({ target, kind: 'forward', ...auth(req) });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = options.route?.(url.hostname, Number(url.port) || 80);
    if (port === undefined) {
      res.writeHead(502).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    requests.push({ target, kind: 'connect', ...auth(req) });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const match = /^(.*):(\d+)$/.exec(target);
    const port =
      match?.[1] && match[2]
        ? options.route?.(match[1].replace(/^\[|\]$/g, ''), Number(match[2]))
        : undefined;
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connectTargets: () => requests.filter((r) => r.kind === 'connect').map((r) => r.target),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface OutboundRecord {
  /** `origin + path` of every request made with undici or Node's fetch. */
  fetches: string[];
  /** `protocol//host[:port] path` (the Host header) of every node:http(s) request (the AWS SDK uses these). */
  httpRequests: string[];
  /** `address:port` of every TCP connection this process opened. */
  connections: string[];
  stop(): void;
}

interface UndiciCreate {
  request: { origin?: string | URL; path?: string };
}
interface HttpStart {
  request: { protocol?: string; host?: string; path?: string; getHeader?(name: string): unknown };
}
interface NetSocket {
  socket: Socket;
}

/** Records every outbound request and connection from now until `stop()`. */
export function recordOutbound(): OutboundRecord {
  const record: Omit<OutboundRecord, 'stop'> = { fetches: [], httpRequests: [], connections: [] };
  const onFetch = (message: unknown) => {
    const { request } = message as UndiciCreate;
    record.fetches.push(`${String(request.origin ?? '')}${request.path ?? ''}`);
  };
  const onHttp = (message: unknown) => {
    const { request } = message as HttpStart;
    const host = request.getHeader?.('host') ?? request.host ?? '';
    record.httpRequests.push(`${request.protocol ?? ''}//${String(host)} ${request.path ?? ''}`);
  };
  const onSocket = (message: unknown) => {
    const { socket } = message as NetSocket;
    socket.once('connect', () => record.connections.push(`${socket.remoteAddress}:${socket.remotePort}`));
  };
  dc.subscribe('undici:request:create', onFetch);
  dc.subscribe('http.client.request.start', onHttp);
  dc.subscribe('net.client.socket', onSocket);
  return {
    ...record,
    stop() {
      dc.unsubscribe('undici:request:create', onFetch);
      dc.unsubscribe('http.client.request.start', onHttp);
      dc.unsubscribe('net.client.socket', onSocket);
    },
  };
}

export interface DnsGuard {
  /** Every host name looked up while the guard was on. */
  lookups: string[];
  restore(): void;
}

/**
 * Replaces `dns.lookup` (which net.connect uses) so that only `localhost` and literal addresses
 * resolve; any other name fails at once with ENOTFOUND. Names are recorded (literals are not). No
 * test should ever ask a real resolver.
 */
export function guardDns(): DnsGuard {
  const original = dns.lookup;
  const lookups: string[] = [];
  const guarded = (hostname: string, ...rest: unknown[]) => {
    const callback = rest[rest.length - 1];
    // Literal addresses (server.listen passes its host through lookup) and localhost never leave.
    if (hostname === 'localhost' || isIP(hostname) !== 0) {
      return (original as (...args: unknown[]) => void).call(dns, hostname, ...rest);
    }
    lookups.push(hostname);
    if (typeof callback === 'function') {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (blocked by the test)`), {
        code: 'ENOTFOUND',
        hostname,
      });
      process.nextTick(() => (callback as (e: Error) => void)(err));
    }
  };
  dns.lookup = guarded as typeof dns.lookup;
  return {
    lookups,
    restore() {
      dns.lookup = original;
    },
  };
}
