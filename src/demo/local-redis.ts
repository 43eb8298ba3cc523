/**
 * Private redis-server processes on 127.0.0.1 for the demo, the tests and the benchmarks.
 *
 * Every server gets its own temp dir, no persistence, and is killed when this process exits. A
 * server whose owner died without cleaning up (SIGKILL, OOM) is reaped by the next start.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { accessSync, constants as fsConstants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

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

const READY_TIMEOUT_MS = 10_000;
const CLUSTER_READY_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 8;
const CLUSTER_SLOTS = 16_384;
const CLUSTER_BUS_OFFSET = 10_000;
const DIR_PREFIX = 'redis-medic-redis-';
const OWNER_FILE = 'owner.json';

// Internal: the demo retries on another port; never reaches a person.
class PortInUseError extends Error {}

// ---------------------------------------------------------------------------------------------
// Binaries and ports

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** `REDIS_SERVER_BIN` when set and executable, otherwise `redis-server` from PATH. */
export function findRedisServerBinary(): string | undefined {
  const override = process.env.REDIS_SERVER_BIN;
  if (override) return isExecutable(override) ? override : undefined;
  return whichSync('redis-server');
}

/** `REDIS_CLI_BIN`, then redis-cli next to the server binary, then PATH. */
export function findRedisCliBinary(): string | undefined {
  const override = process.env.REDIS_CLI_BIN;
  if (override) return isExecutable(override) ? override : undefined;
  const server = findRedisServerBinary();
  if (server) {
    const sibling = join(dirname(server), 'redis-cli');
    if (isExecutable(sibling)) return sibling;
  }
  return whichSync('redis-cli');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: LOCAL_HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return listenOnce(0);
}

// Ports handed to our own servers; parallel starts in this process must not pick each other's.
const reservedPorts = new Set<number>();

/** A port below 55000 whose cluster bus port (port + 10000) is free too. */
export async function findFreeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(20_000, 55_000);
    const bus = port + CLUSTER_BUS_OFFSET;
    if ([port, bus].some((p) => reservedPorts.has(p))) continue;
    try {
      await listenOnce(port);
      await listenOnce(bus);
      return port;
    } catch {
      // Taken: try another.
    }
  }
  throw new Error('no free port pair (port, port + 10000) found on 127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// A minimal RESP client: enough for PING / INFO / CLUSTER while a server comes up, without a
// client library's reconnect logic getting in the way.

type RespValue = string | number | null | Error | RespValue[];

function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

function parseReply(buf: Buffer, start: number): { value: RespValue; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (kind) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new Error(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: afterLine };
      if (buf.length < afterLine + len + 2) return undefined;
      return { value: buf.toString('utf8', afterLine, afterLine + len), next: afterLine + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(kind)}`);
  }
}

/** How the start-up probe speaks TLS to a TLS-only server (it checks liveness, not the certificate). */
interface ProbeTls {
  cert?: Buffer;
  key?: Buffer;
}

/** Sends the commands on one connection and resolves with one reply per command. */
function sendCommands(
  port: number,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
  tls?: ProbeTls,
): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({ host: LOCAL_HOST, port, rejectUnauthorized: false, cert: tls.cert, key: tls.key })
      : createConnection({ host: LOCAL_HOST, port });
    let buf: Buffer = Buffer.alloc(0);
    const replies: RespValue[] = [];
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let offset = 0;
      try {
        for (;;) {
          const parsed = parseReply(buf, offset);
          if (!parsed) break;
          replies.push(parsed.value);
          offset = parsed.next;
        }
      } catch (err) {
        finish(err as Error);
        return;
      }
      buf = buf.subarray(offset);
      if (replies.length >= commands.length) finish(undefined);
    });
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('connection closed before all replies arrived')));
  });
}

async function command(
  port: number,
  args: readonly string[],
  password?: string,
  timeoutMs = 1_000,
  tls?: ProbeTls,
) {
  const commands = password ? [['AUTH', password], args] : [args];
  const replies = await sendCommands(port, commands, timeoutMs, tls);
  for (const reply of replies) if (reply instanceof Error) throw reply;
  return replies[replies.length - 1] ?? null;
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit, and reaping servers whose owner died without it

interface Tracked {
  child: ChildProcess;
  dir: string;
  ownsDir: boolean;
}

const live = new Map<number, Tracked>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function killAllSync(): void {
  for (const [pid, tracked] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    if (tracked.ownsDir) rmSync(tracked.dir, { recursive: true, force: true });
  }
  live.clear();
}

function onExit(): void {
  killAllSync();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync();
  // When we are the only listener, our listener suppressed Node's default (terminate): re-raise.
  const sole = process.listenerCount(signal) === 1;
  uninstallHandlers();
  if (sole) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function track(pid: number, tracked: Tracked): void {
  live.set(pid, tracked);
  installHandlers();
}

function untrack(pid: number): void {
  live.delete(pid);
  if (live.size === 0) uninstallHandlers();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills redis-servers whose owner died without cleanup (SIGKILL, OOM kill): only servers this module
 * started, found by the owner file in their temp dir. Runs before every start; it is a readdir.
 */
function reapOrphans(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    let owner: { ownerPid: number; pid: number };
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { ownerPid: number; pid: number };
    } catch {
      // No owner file yet (its owner is still starting it): not ours to judge.
      continue;
    }
    if (isAlive(owner.ownerPid)) continue;
    try {
      // Guard against pid reuse: only kill what is still a redis-server.
      if (readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8').includes('redis-server')) {
        process.kill(owner.pid, 'SIGKILL');
      }
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Starting one server

interface LaunchOptions extends LocalRedisOptions {
  pickPort: () => Promise<number>;
  extraArgs?: (port: number, dir: string) => string[];
  reserveBusPort?: boolean;
}

function requireServerBinary(): string {
  const bin = findRedisServerBinary();
  if (!bin) {
    throw new Error(
      'redis-server not found: install it (apt-get install redis-server) or set REDIS_SERVER_BIN to its path',
    );
  }
  return bin;
}

function makeUrl(port: number, password?: string, tls = false): string {
  const scheme = tls ? 'rediss' : 'redis';
  return password
    ? `${scheme}://:${encodeURIComponent(password)}@${LOCAL_HOST}:${port}`
    : `${scheme}://${LOCAL_HOST}:${port}`;
}

/** TLS only: no plain-text port, so nothing can reach the server without a handshake. */
function tlsArgs(port: number, tls: LocalRedisTlsOptions): string[] {
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    '--tls-ca-cert-file',
    tls.caFile,
    '--tls-auth-clients',
    tls.authClients ?? 'no',
  ];
}

function probeTls(tls: LocalRedisTlsOptions): ProbeTls {
  if (tls.authClients !== 'yes') return {};
  return {
    cert: readFileSync(tls.probeCertFile ?? tls.certFile),
    key: readFileSync(tls.probeKeyFile ?? tls.keyFile),
  };
}

async function launch(opts: LaunchOptions): Promise<LocalRedis> {
  const bin = requireServerBinary();
  reapOrphans();
  const attempts = opts.port === undefined ? PORT_ATTEMPTS : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = opts.port ?? (await opts.pickPort());
    try {
      return await launchOnce(bin, port, opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw lastError;
}

async function launchOnce(bin: string, port: number, opts: LaunchOptions): Promise<LocalRedis> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), DIR_PREFIX)));
  const reserved = opts.reserveBusPort ? [port, port + CLUSTER_BUS_OFFSET] : [port];
  for (const p of reserved) reservedPorts.add(p);
  const release = () => {
    for (const p of reserved) reservedPorts.delete(p);
  };

  const tls = opts.tls;
  const args = [
    ...(tls ? tlsArgs(port, tls) : ['--port', String(port)]),
    '--bind',
    LOCAL_HOST,
    '--protected-mode',
    'yes',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...(opts.maxmemoryPolicy ? ['--maxmemory-policy', opts.maxmemoryPolicy] : []),
    ...(opts.password ? ['--requirepass', opts.password] : []),
    ...(opts.extraArgs?.(port, dir) ?? []),
    ...(opts.args ?? []),
  ];

  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // A forgotten stop() must not keep Node alive; the exit handler kills the server then.
  child.unref();
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8_192);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', append);
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  const logTail = () => tail.split('\n').slice(-15).join('\n').trim();

  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });

  const cleanupFailed = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await within(exitPromise, 2_000);
    }
    if (child.pid) untrack(child.pid);
    release();
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };

  if (child.pid) {
    track(child.pid, { child, dir, ownsDir });
    if (ownsDir) {
      await writeFile(join(dir, OWNER_FILE), JSON.stringify({ ownerPid: process.pid, pid: child.pid, port }));
    }
  }

  const probe = tls ? probeTls(tls) : undefined;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    if (exited) {
      // Let the last log lines arrive before quoting them.
      await delay(50);
      await cleanupFailed();
      if (/Address already in use/i.test(tail)) throw new PortInUseError(`port ${port} is in use`);
      const how = spawnError
        ? spawnError.message
        : `exit code ${exitCode ?? 'none'}, signal ${exitSignal ?? 'none'}`;
      throw new Error(`redis-server on port ${port} exited before it was ready (${how}):\n${logTail()}`);
    }
    if (Date.now() > deadline) {
      await cleanupFailed();
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${logTail()}`,
      );
    }
    try {
      // process_id proves the answer comes from our child, not from a server that won the port race.
      const info = await command(port, ['INFO', 'server'], opts.password, 500, probe);
      ready = typeof info === 'string' && parseInfo(info).process_id === String(child.pid);
    } catch {
      // Not listening yet.
    }
    if (!ready) await delay(25);
  }

  const pid = child.pid as number;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        child.ref();
        child.kill('SIGTERM');
        if (!(await within(exitPromise, 5_000))) {
          child.kill('SIGKILL');
          await within(exitPromise, 5_000);
        }
      }
      untrack(pid);
      release();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  return {
    host: LOCAL_HOST,
    port,
    url: makeUrl(port, opts.password, tls !== undefined),
    pid,
    dir,
    ...(opts.password ? { password: opts.password } : {}),
    logTail,
    stop,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true when `promise` settles within `ms`, false otherwise; never leaves a timer behind. */
function within(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts a redis-server bound to 127.0.0.1 with no persistence and waits until it answers.
 * Rejects with the server's log tail when it exits early or is not up within 10 s.
 */
export async function startLocalRedis(opts: LocalRedisOptions = {}): Promise<LocalRedis> {
  return launch({ ...opts, pickPort: findFreePort });
}

// ---------------------------------------------------------------------------------------------
// Cluster

function runRedisCli(args: string[], timeoutMs: number): Promise<string> {
  const cli = findRedisCliBinary();
  if (!cli) return Promise.reject(new Error('redis-cli not found: install redis-tools or set REDIS_CLI_BIN'));
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (err)
        reject(
          new Error(
            `redis-cli ${args.slice(0, 2).join(' ')} failed: ${err.message}\n${output.slice(-2_000)}`,
          ),
        );
      else resolve(output);
    });
  });
}

/** Assigns slots and introduces the nodes by hand (redis-cli insists on at least 3 primaries). */
async function formClusterManually(ports: number[]): Promise<void> {
  const per = Math.floor(CLUSTER_SLOTS / ports.length);
  for (const [i, port] of ports.entries()) {
    const first = i * per;
    const last = i === ports.length - 1 ? CLUSTER_SLOTS - 1 : first + per - 1;
    await command(port, ['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
  }
  const [seed, ...others] = ports;
  for (const port of others) await command(port, ['CLUSTER', 'MEET', LOCAL_HOST, String(seed)]);
}

async function waitForClusterOk(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<number, string> = {};
  for (;;) {
    last = {};
    let ok = true;
    for (const port of ports) {
      try {
        const info = parseInfo(String(await command(port, ['CLUSTER', 'INFO'])));
        last[port] = `${info.cluster_state} slots=${info.cluster_slots_ok} known=${info.cluster_known_nodes}`;
        ok &&=
          info.cluster_state === 'ok' &&
          info.cluster_slots_assigned === String(CLUSTER_SLOTS) &&
          info.cluster_slots_ok === String(CLUSTER_SLOTS) &&
          info.cluster_known_nodes === String(ports.length) &&
          info.cluster_size === String(ports.length);
      } catch (err) {
        last[port] = (err as Error).message;
        ok = false;
      }
    }
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(
        `cluster did not reach cluster_state:ok within ${timeoutMs} ms: ${JSON.stringify(last)}`,
      );
    }
    await delay(100);
  }
}

/**
 * Starts N primaries with cluster mode on, forms the cluster (redis-cli --cluster create) and
 * waits until every node reports cluster_state:ok with all 16384 slots and all N nodes known.
 */
export async function startLocalRedisCluster(
  opts: LocalRedisClusterOptions = {},
): Promise<LocalRedisCluster> {
  const primaries = opts.primaries ?? 3;
  if (!Number.isInteger(primaries) || primaries < 1)
    throw new Error(`primaries must be >= 1, got ${primaries}`);
  const settled = await Promise.allSettled(
    Array.from({ length: primaries }, () =>
      launch({
        pickPort: findFreeClusterPort,
        reserveBusPort: true,
        ...(opts.maxmemoryPolicy ? { maxmemoryPolicy: opts.maxmemoryPolicy } : {}),
        ...(opts.args ? { args: opts.args } : {}),
        extraArgs: (port, dir) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
        ],
      }),
    ),
  );
  const servers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const ports = servers.map((s) => s.port);
  try {
    if (primaries >= 3) {
      const addrs = ports.map((p) => `${LOCAL_HOST}:${p}`);
      await runRedisCli(
        ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'],
        30_000,
      );
    } else {
      await formClusterManually(ports);
    }
    await waitForClusterOk(ports, CLUSTER_READY_TIMEOUT_MS);
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    nodes: ports.map((port) => ({ host: LOCAL_HOST, port })),
    url: makeUrl(ports[0] as number),
    servers,
    stop: () => {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
