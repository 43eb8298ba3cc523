import { BlockList, isIP } from 'node:net';
import { ErrorCode, MedicError } from '../errors.js';

/**
 * Which outbound HTTP(S) requests go through a proxy, from the usual variables, decided in one pure
 * function ({@link proxyFor}) that both the Slack fetch and the AWS SDK handler use.
 *
 * Conventions followed (curl, undici's EnvHttpProxyAgent):
 * - `https_proxy` / `HTTPS_PROXY` for https:// URLs, falling back to the HTTP proxy (as undici does);
 *   `http_proxy` / `HTTP_PROXY` for http:// URLs. Lower case wins over upper case.
 * - `no_proxy` / `NO_PROXY`: comma- or space-separated; `*` turns proxying off; `host` matches the
 *   host and its subdomains (`.host` and `*.host` too); `host:port` only that port; an IP or a CIDR
 *   block (`10.0.0.0/8`) matches addresses.
 * - Loopback (127.0.0.0/8, ::1, localhost) and link-local addresses (169.254.0.0/16, fe80::/10: the
 *   EC2 / ECS credential endpoints) are never proxied, nor are the hosts passed as `direct` (the
 *   configured Redis hosts).
 */
export type Env = Readonly<Record<string, string | undefined>>;

interface HostRule {
  kind: 'host';
  /** Lower case, without a leading `.` or `*.`. */
  host: string;
  port?: number;
}

interface AddressRule {
  kind: 'address';
  /** Exact address or CIDR block, as written. */
  text: string;
  port?: number;
  list: BlockList;
}

type NoProxyRule = HostRule | AddressRule;

export interface ProxySettings {
  /** For http:// URLs. */
  readonly httpProxy?: URL;
  /** For https:// (and wss://) URLs. */
  readonly httpsProxy?: URL;
  /** `NO_PROXY=*`: nothing is proxied. */
  readonly noProxyAll: boolean;
  /** The effective no-proxy list (the user's entries, then the built-in ones), for the start-up log. */
  readonly noProxy: readonly string[];
  readonly rules: readonly NoProxyRule[];
}

/**
 * A proxy variable that is not a URL (`HTTPS_PROXY=:::`), or a scheme undici can't use (socks5://).
 * Its values name the variable only: the value may hold credentials.
 */
export class ProxyConfigError extends MedicError {
  constructor(
    readonly variable: string,
    readonly value: string,
  ) {
    super(
      ErrorCode.ProxyUrl,
      { variable },
      `${variable} is not an http:// or https:// proxy URL: ${redactProxyText(value)}`,
    );
    this.name = 'ProxyConfigError';
  }
}

/** Never proxied, whatever NO_PROXY says. */
export const ALWAYS_DIRECT = ['localhost', '127.0.0.0/8', '::1', '169.254.0.0/16', 'fe80::/10'] as const;

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 };

export interface ProxySettingsOptions {
  /** Hosts that must never be proxied on top of {@link ALWAYS_DIRECT} (the Redis hosts). */
  direct?: readonly string[];
}

/** Reads the proxy variables from `env`. Throws {@link ProxyConfigError} on an unusable proxy URL. */
export function proxySettings(env: Env, options: ProxySettingsOptions = {}): ProxySettings {
  const http = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  const https = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  const httpProxy = http ? parseProxyUrl(http.name, http.value) : undefined;
  const httpsProxy = https ? parseProxyUrl(https.name, https.value) : httpProxy;
  const userEntries = splitList(firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '');
  const noProxyAll = userEntries.includes('*');
  const entries = dedupe([
    ...userEntries.filter((e) => e !== '*'),
    ...ALWAYS_DIRECT,
    ...(options.direct ?? []).map((h) => h.toLowerCase()),
  ]);
  return {
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    noProxyAll,
    noProxy: noProxyAll ? ['*', ...entries] : entries,
    rules: entries.map(parseRule),
  };
}

/** True when some proxy is set (and NO_PROXY is not `*`). */
export function hasProxy(settings: ProxySettings): boolean {
  return !settings.noProxyAll && (settings.httpProxy !== undefined || settings.httpsProxy !== undefined);
}

/** The proxy a request to `url` must go through, or undefined to connect directly. Pure. */
export function proxyFor(url: string | URL, settings: ProxySettings): URL | undefined {
  let target: URL;
  try {
    target = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  const proxy = secure ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || settings.noProxyAll) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
  return settings.rules.some((rule) => matches(rule, host, port)) ? undefined : proxy;
}

/** A URL for logs: `user:password@` becomes `***@`. */
export function redactUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}

/** What the start-up log says about proxies: no credentials, ever. */
export function describeProxy(settings: ProxySettings): {
  httpsProxy: string;
  httpProxy: string;
  noProxy: readonly string[];
} {
  const show = (u: URL | undefined) => (u && !settings.noProxyAll ? redactUrl(u) : 'none');
  return {
    httpsProxy: show(settings.httpsProxy),
    httpProxy: show(settings.httpProxy),
    noProxy: settings.noProxy,
  };
}

function matches(rule: NoProxyRule, host: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.kind === 'address') {
    const family = isIP(host);
    return family !== 0 && rule.list.check(host, family === 6 ? 'ipv6' : 'ipv4');
  }
  return host === rule.host || host.endsWith(`.${rule.host}`);
}

function parseRule(entry: string): NoProxyRule {
  // `host:port` and `[v6]:port`; a bare IPv6 address has colons but no port.
  let text = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed?.[1]) {
    text = bracketed[1];
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else if (isIP(entry) === 0 && !entry.includes('/')) {
    const withPort = /^(.+):(\d+)$/.exec(entry);
    if (withPort?.[1] && withPort[2]) {
      text = withPort[1];
      port = Number(withPort[2]);
    }
  }
  const [address, bits] = text.split('/');
  const family = address ? isIP(address) : 0;
  if (family !== 0 && address) {
    const list = new BlockList();
    const type = family === 6 ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? undefined : Number(bits);
    if (
      prefix !== undefined &&
      Number.isInteger(prefix) &&
      prefix >= 0 &&
      prefix <= (family === 6 ? 128 : 32)
    ) {
      list.addSubnet(address, prefix, type);
    } else {
      list.addAddress(address, type);
    }
    return { kind: 'address', text, list, ...(port !== undefined ? { port } : {}) };
  }
  return {
    kind: 'host',
    host: text.replace(/^\*?\./, '').toLowerCase(),
    ...(port !== undefined ? { port } : {}),
  };
}

function parseProxyUrl(variable: string, value: string): URL {
  // `proxy.corp:3128` without a scheme means http:// (curl does the same).
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyConfigError(variable, value);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ProxyConfigError(variable, value);
  }
  return url;
}

function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
}

function dedupe(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** For error messages about a value that did not even parse: hide anything before an `@`. */
function redactProxyText(value: string): string {
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i,
    (_m, scheme: string | undefined) => `${scheme ?? ''}***@`,
  );
}
