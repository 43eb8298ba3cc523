/**
 * Census speed on a 3-primary Redis Cluster vs one standalone server, the same keys loaded into
 * each, both walked unthrottled by the built CLI. Prints keys/s of each and their ratio (target
 * ≥ 2.5×), and where the CPU went (each server's INFO cpu delta, the client's rusage), because on a
 * small box three servers and the client share few cores and the ratio is then bounded by CPU.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Cluster, Redis } from 'ioredis';
import { loadDataset } from '../src/demo/dataset.js';
import { startLocalRedis, startLocalRedisCluster } from '../src/demo/local-redis.js';
import { type CliCensus, runBuiltCliCensus } from './census-cli.js';
import { printTable } from './stats.js';
import { fmt } from './support.js';

interface Side {
  census: CliCensus;
  /** used_cpu_user + used_cpu_sys each server spent during the census (s). */
  serverCpuSec: number[];
  dbsizes: number[];
  load: string;
}

export async function benchCensusCluster(opts: { keys: number; shape?: 'runbook' | 'mixed' }): Promise<void> {
  const data = { keys: opts.keys, ...(opts.shape ? { shape: opts.shape } : {}) };
  const single = await measureStandalone(data);
  const cluster = await measureCluster(data);
  const ratio = cluster.census.keysPerSec / single.census.keysPerSec;
  const wallRatio = single.census.wallMs / cluster.census.wallMs;
  const cores = availableParallelism();
  const clusterCpu = sum(cluster.serverCpuSec) + cluster.census.cpuSec;
  const clusterWallSec = cluster.census.durationMs / 1000;
  printTable(
    `census on a 3-primary cluster vs one server: ${opts.keys.toLocaleString('en')} keys each, built CLI, unthrottled (${cores} cores)`,
    [
      ['one server', line(single)],
      ['3-primary cluster', line(cluster)],
      ['keys per primary', cluster.dbsizes.map((n) => fmt(n)).join(' / ')],
      [
        'ratio cluster / one server (keys/s)',
        `${ratio.toFixed(2)}× (wall ${wallRatio.toFixed(2)}×; target ≥ 2.5×: ${ratio >= 2.5 ? 'met' : 'MISSED'})`,
      ],
      ['server CPU, one server', `${single.serverCpuSec.map((s) => s.toFixed(2)).join(' / ')} s`],
      ['server CPU, each primary', `${cluster.serverCpuSec.map((s) => s.toFixed(2)).join(' / ')} s`],
      [
        'client CPU, one server / cluster',
        `${single.census.cpuSec.toFixed(1)} / ${cluster.census.cpuSec.toFixed(1)} s (${busy(single)} / ${busy(cluster)} of its process's wall time; one Node thread does all the counting)`,
      ],
      [
        'cluster: CPU used / CPU available in the walk',
        `${clusterCpu.toFixed(1)} s / ${(clusterWallSec * cores).toFixed(1)} s (${cores} cores × ${clusterWallSec.toFixed(1)} s): ${clusterCpu >= 0.8 * clusterWallSec * cores ? 'CPU-bound' : 'not CPU-bound'}`,
      ],
      ['load average (1/5/15 min) during one server / cluster', `${single.load} / ${cluster.load}`],
    ],
  );
}

function line(side: Side): string {
  const c = side.census;
  return `${c.totalKeys} keys in ${(c.durationMs / 1000).toFixed(1)} s = ${fmt(c.keysPerSec)} keys/s, peak RSS ${(c.maxRssKb / 1024).toFixed(0)} MB`;
}

/** Share of one core the census process kept busy over its whole life: near 100 % means the client bounds the walk. */
function busy(side: Side): string {
  return `${((side.census.cpuSec / (side.census.wallMs / 1000)) * 100).toFixed(0)} %`;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

async function measureStandalone(data: { keys: number; shape?: 'runbook' | 'mixed' }): Promise<Side> {
  const server = await startLocalRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    await loadDataset(admin, data);
    const before = await serverCpu(admin);
    const census = await runBuiltCliCensus(server.url);
    const load = loadNow();
    return {
      census,
      serverCpuSec: [(await serverCpu(admin)) - before],
      dbsizes: [await admin.dbsize()],
      load,
    };
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

async function measureCluster(data: { keys: number; shape?: 'runbook' | 'mixed' }): Promise<Side> {
  const cluster = await startLocalRedisCluster({ primaries: 3 });
  const loader = new Cluster(cluster.nodes);
  const nodes = cluster.nodes.map((n) => new Redis(n.port, n.host));
  try {
    await loadDataset(loader, data);
    const before = await Promise.all(nodes.map(serverCpu));
    const census = await runBuiltCliCensus(cluster.url, { clusterMode: true });
    const load = loadNow();
    const after = await Promise.all(nodes.map(serverCpu));
    return {
      census,
      serverCpuSec: after.map((a, i) => a - (before[i] ?? 0)),
      dbsizes: await Promise.all(nodes.map((n) => n.dbsize())),
      load,
    };
  } finally {
    loader.disconnect();
    for (const n of nodes) n.disconnect();
    await cluster.stop();
  }
}

async function serverCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? Number.NaN);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? Number.NaN);
  return user + sys;
}
