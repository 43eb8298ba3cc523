/**
 * The shapes of local redis-servers: start options (plain, TLS, cluster) and the handles a start
 * returns.
 */

export const LOCAL_HOST = '127.0.0.1';

export interface LocalRedisOptions {
  /** Fixed port; without it a free one is picked (and re-picked if another process wins the race). */
  port?: number;
  /** Extra redis-server arguments, appended last so they override the defaults. */
  args?: string[];
  maxmemoryPolicy?: string;
  password?: string;
  /** Working dir; when given it is kept on stop, otherwise a temp dir is made and removed. */
  dir?: string;
  /** TLS only: the server listens on a TLS port (no plain-text port) and `url` is `rediss://`. */
  tls?: LocalRedisTlsOptions;
}

/** PEM files for a TLS-only server (`--port 0 --tls-port <port>`). */
export interface LocalRedisTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA that signs the client certificates the server accepts (`--tls-ca-cert-file`). */
  caFile: string;
  /** `--tls-auth-clients`: require a client certificate (mutual TLS). @defaultValue 'no' */
  authClients?: 'yes' | 'no' | 'optional';
  /**
   * Client certificate for the start-up probe when `authClients` is `yes`. @defaultValue the server's
   * own certificate and key (which then must be allowed for client authentication).
   */
  probeCertFile?: string;
  probeKeyFile?: string;
}

export interface LocalRedis {
  host: '127.0.0.1';
  port: number;
  /** `redis://127.0.0.1:<port>` (`rediss://` with `tls`), with `:<password>@` when a password is set. */
  url: string;
  pid: number;
  dir: string;
  password?: string;
  /** Last lines the server logged (for error messages). */
  logTail(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface LocalRedisClusterOptions {
  /** Number of primaries (no replicas). Default 3; 1 and 2 are formed without redis-cli. */
  primaries?: number;
  args?: string[];
  maxmemoryPolicy?: string;
}

export interface LocalRedisCluster {
  nodes: { host: '127.0.0.1'; port: number }[];
  /** URL of the first node. */
  url: string;
  servers: LocalRedis[];
  stop(): Promise<void>;
}
