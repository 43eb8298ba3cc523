/**
 * Starts a local Redis Cluster of N primaries (no replicas): one server per primary, slots assigned
 * by redis-cli (or by hand below 3 primaries), ready once every node reports cluster_state:ok.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseInfo } from '../../keyspace/server-facts.js';
import { findRedisCliBinary } from './binaries.js';
import { findFreeClusterPort } from './ports.js';
import { command } from './probe.js';
import { launch, makeUrl } from './server.js';
import { delay } from './time.js';
import { LOCAL_HOST, type LocalRedisCluster, type LocalRedisClusterOptions } from './types.js';

const CLUSTER_READY_TIMEOUT_MS = 30_000;
const CLUSTER_SLOTS = 16_384;

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
        // CLUSTER INFO is INFO's format without section headers.
        const info = parseInfo(String(await command(port, ['CLUSTER', 'INFO']))).default ?? {};
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
