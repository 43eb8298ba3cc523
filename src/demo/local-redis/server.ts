/**
 * Starts one redis-server process on 127.0.0.1 (plain or TLS-only, no persistence), waits until it
 * answers as itself, and stops it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverFacts } from '../../keyspace/server-facts.js';
import { requireServerBinary } from './binaries.js';
import { track, untrack } from './exit-cleanup.js';
import { DIR_PREFIX, OWNER_FILE, reapOrphans } from './orphans.js';
import { CLUSTER_BUS_OFFSET, findFreePort, reservePorts } from './ports.js';
import { command, type ProbeTls } from './probe.js';
import { delay, within } from './time.js';
import { LOCAL_HOST, type LocalRedis, type LocalRedisOptions, type LocalRedisTlsOptions } from './types.js';

const READY_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 8;

// Internal: the demo retries on another port; never reaches a person.
class PortInUseError extends Error {}

export interface LaunchOptions extends LocalRedisOptions {
  pickPort: () => Promise<number>;
  extraArgs?: (port: number, dir: string) => string[];
  reserveBusPort?: boolean;
}

export function makeUrl(port: number, password?: string, tls = false): string {
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

export async function launch(opts: LaunchOptions): Promise<LocalRedis> {
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
  const release = reservePorts(opts.reserveBusPort ? [port, port + CLUSTER_BUS_OFFSET] : [port]);

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
      ready = typeof info === 'string' && serverFacts(info).processId === String(child.pid);
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

/**
 * Starts a redis-server bound to 127.0.0.1 with no persistence and waits until it answers.
 * Rejects with the server's log tail when it exits early or is not up within 10 s.
 */
export async function startLocalRedis(opts: LocalRedisOptions = {}): Promise<LocalRedis> {
  return launch({ ...opts, pickPort: findFreePort });
}
