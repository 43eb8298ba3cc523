import { existsSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
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
    const anonymous = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      expect(await authed.ping()).toBe('PONG');
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      authed.disconnect();
      anonymous.disconnect();
    }
  });

  it('fails fast with the port named when a fixed port is taken', async () => {
    const blocker: Server = createServer();
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
