/**
 * What makes a text unusable as a Redis URL, found before anything connects: the config, `--redis`
 * and the connection code all ask here, so each names the same fault the same way.
 */

export type RedisUrlProblem =
  /** Not a redis:// or rediss:// URL with a host. */
  | { kind: 'scheme' }
  /**
   * An `@` after the host part ended: a user name or password holds `/`, `?`, `#` (or `@` before
   * one of them) without percent-encoding. Nothing of the URL is echoed: a "port" or "path"
   * read from it would be a piece of the password.
   */
  | { kind: 'userinfo' }
  /** A port outside 1–65535 (or not a number): `port` is the text as written. */
  | { kind: 'port'; port: string }
  /** The DB named as `?db=` / `?database=` instead of in the path. */
  | { kind: 'db_query' }
  /** A path that is not a DB number (`/aaaa`): `path` is the text after the slash. */
  | { kind: 'db_path'; path: string };

/** The first problem of `raw` as a Redis URL, or undefined when it is usable. */
export function redisUrlProblem(raw: string): RedisUrlProblem | undefined {
  const rest = /^rediss?:\/\/[^/?#]*([/?#].*)$/is.exec(raw)?.[1];
  if (rest?.includes('@')) return { kind: 'userinfo' };
  // WHATWG URL refuses a port above 65535 as a whole "invalid URL": read the port first to say so.
  const port = /^rediss?:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/i.exec(raw)?.[1];
  if (port !== undefined && port !== '' && !validPort(port)) return { kind: 'port', port };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { kind: 'scheme' };
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    return { kind: 'scheme' };
  }
  if (url.searchParams.has('db') || url.searchParams.has('database')) return { kind: 'db_query' };
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (path !== '' && !/^\d{1,9}$/.test(path)) return { kind: 'db_path', path };
  return undefined;
}

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65_535;
}

/** `host:port` to show people; an IPv6 host in brackets (`[::1]:6379`), as a URL writes it. */
export function hostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
