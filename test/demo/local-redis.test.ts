import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  findFreeClusterPort,
  findFreePort,
  findRedisServerBinary,
  type LocalRedis,
  startLocalRedis,
  startLocalRedisCluster,
} from '../../src/demo/local-redis.js';

/** Resolves with the socket error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** First reply line to an inline command, on a fresh connection. */
function rawReply(port: number, inline: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(inline));
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      resolve(chunk.toString('utf8').split('\r\n')[0] ?? '');
    });
    socket.once('error', reject);
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function started(opts?: Parameters<typeof startLocalRedis>[0]): Promise<LocalRedis> {
  const server = await startLocalRedis(opts);
  cleanups.push(() => server.stop());
  return server;
}

describe('ports and binaries', () => {
  it('findFreePort returns a port that can be listened on', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('findFreeClusterPort keeps the bus port in range', async () => {
    const port = await findFreeClusterPort();
    expect(port).toBeLessThan(55_000);
    expect(await tryConnect(port + 10_000)).toBe('ECONNREFUSED');
  });

  it('findRedisServerBinary honours REDIS_SERVER_BIN', () => {
    const saved = process.env.REDIS_SERVER_BIN;
    try {
      delete process.env.REDIS_SERVER_BIN;
      const found = findRedisServerBinary();
      expect(found).toMatch(/redis-server$/);
      process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
      expect(findRedisServerBinary()).toBeUndefined();
      process.env.REDIS_SERVER_BIN = found;
      expect(findRedisServerBinary()).toBe(found);
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });
});

describe('startLocalRedis', () => {
  it('runs a private loopback server without persistence and stop() really ends it', async () => {
    const server = await startLocalRedis({ maxmemoryPolicy: 'allkeys-lru', args: ['--hz', '20'] });
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(existsSync(server.dir)).toBe(true);
    const redis = new Redis(server.url);
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      expect(await redis.config('GET', 'save')).toEqual(['save', '']);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      expect(await redis.config('GET', 'hz')).toEqual(['hz', '20']);
      expect((await redis.info('server')).includes(`process_id:${server.pid}`)).toBe(true);
    } finally {
      redis.disconnect();
    }
    await server.stop();
    expect(isRunning(server.pid)).toBe(false);
    expect(await tryConnect(server.port)).toBe('ECONNREFUSED');
    expect(existsSync(server.dir)).toBe(false);
    // Idempotent.
    await server.stop();
  });

  it('requires the password when one is set', async () => {
    const server = await started({ password: 's3cr:t@x' });
    expect(server.url).toBe(`redis://:s3cr%3At%40x@127.0.0.1:${server.port}`);
    const authed = new Redis(server.url);
    try {
      expect(await authed.ping()).toBe('PONG');
    } finally {
      authed.disconnect();
    }
    expect(await rawReply(server.port, 'PING\r\n')).toMatch(/^-NOAUTH/);
  });

  it('fails fast with the port named when a fixed port is taken', async () => {
    // Drop connections at once: the readiness probe connects here too, and an unread socket would
    // keep close() waiting forever.
    const blocker: Server = createServer((socket) => socket.destroy());
    const port = await findFreePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startLocalRedis({ port })).rejects.toThrow(new RegExp(`port ${port} is in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('quotes the server log when redis-server refuses its arguments', async () => {
    await expect(startLocalRedis({ args: ['--no-such-directive', 'x'] })).rejects.toThrow(
      /exited before it was ready[\s\S]*no-such-directive/i,
    );
  });

  it('starts servers in parallel on distinct ports', async () => {
    const servers = await Promise.all([started(), started(), started(), started()]);
    expect(new Set(servers.map((s) => s.port)).size).toBe(4);
  });
});

describe('startLocalRedisCluster', () => {
  it('forms a 3-primary cluster with every slot served, and stops every node', async () => {
    const cluster = await startLocalRedisCluster();
    cleanups.push(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.url).toBe(`redis://127.0.0.1:${cluster.nodes[0]?.port}`);
    for (const node of cluster.nodes) {
      expect(node.port).toBeLessThan(55_000);
      const redis = new Redis(node.port, node.host);
      try {
        const info = await redis.cluster('INFO');
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_slots_ok:16384');
        expect(info).toContain('cluster_known_nodes:3');
      } finally {
        redis.disconnect();
      }
    }
    await cluster.stop();
    for (const server of cluster.servers) expect(isRunning(server.pid)).toBe(false);
    for (const node of cluster.nodes) expect(await tryConnect(node.port)).toBe('ECONNREFUSED');
  });
});

describe('no leaked servers', () => {
  const moduleUrl = new URL('../../src/demo/local-redis.js', import.meta.url).href;
  // The children register their servers in a temp dir of their own: a start in another test file
  // (they run in parallel) would otherwise reap the SIGKILLed child's orphan before we look at it.
  let privateTmp = '';
  beforeAll(async () => {
    privateTmp = await mkdtemp(join(tmpdir(), 'redis-medic-reap-'));
  });
  afterAll(async () => {
    await rm(privateTmp, { recursive: true, force: true });
  });

  /** Runs a child Node that starts a server, prints its pid and port, then waits to be killed. */
  async function childWithServer(): Promise<{ child: ChildProcess; pid: number; port: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'redis-medic-test-'));
    const script = join(dir, 'child.mts');
    await writeFile(
      script,
      `import { startLocalRedis } from ${JSON.stringify(moduleUrl)};\n` +
        'const s = await startLocalRedis();\n' +
        'console.log(JSON.stringify({ pid: s.pid, port: s.port }));\n' +
        'setInterval(() => {}, 1000);\n',
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TMPDIR: privateTmp },
    });
    const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    await rm(dir, { recursive: true, force: true });
    return { child, ...(JSON.parse(line.toString('utf8')) as { pid: number; port: number }) };
  }

  /** Dead or a zombie (an orphan's exit is reaped by init, which may be slow to do it). */
  function isGone(pid: number): boolean {
    try {
      return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return true;
    }
  }

  it('kills the servers of a process that gets SIGTERM', async () => {
    const { child, pid, port } = await childWithServer();
    expect(await tryConnect(port)).toBe('connected');
    child.kill('SIGTERM');
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGTERM');
    expect(isGone(pid)).toBe(true);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  it('reaps the server of a process that was SIGKILLed on the next start', async () => {
    const { child, pid, port } = await childWithServer();
    child.kill('SIGKILL');
    await once(child, 'exit');
    // The orphan survives its owner...
    expect(await tryConnect(port)).toBe('connected');
    // ...until the next start anywhere reaps it (here: one that looks in the same temp dir).
    const tmpBefore = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      await started();
    } finally {
      if (tmpBefore === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpBefore;
    }
    expect(isGone(pid)).toBe(true);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });
});
