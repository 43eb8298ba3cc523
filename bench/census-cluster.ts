/**
 * Census speed on a 3-primary Redis Cluster vs one standalone server, the same keys loaded into
 * each, both walked unthrottled by the built CLI. Prints keys/s of each and their ratio (target
 * ≥ 2.5×), and where the CPU went (each server's INFO cpu delta, the client's rusage), because on a
 * small box three servers and the client share few cores and the ratio is then bounded by CPU.
 */
import { readFileSync } from 'node:fs';
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
  /** Share of the whole machine's CPU time that was idle during the census (/proc/stat). */
  machineIdle: number;
}

export async function benchCensusCluster(opts: { keys: number; shape?: 'runbook' | 'mixed' }): Promise<void> {
  const data = { keys: opts.keys, ...(opts.shape ? { shape: opts.shape } : {}) };
  const single = await measureStandalone(data);
  const cluster = await measureCluster(data);
  const ratio = cluster.census.keysPerSec / single.census.keysPerSec;
  const wallRatio = single.census.wallMs / cluster.census.wallMs;
  const cores = availableParallelism();
  const ceiling = cpuCeiling(single, cluster, cores);
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
        `ceiling of the ratio from CPU alone on ${cores} cores`,
        `${ceiling.toFixed(2)}× (one server's walk needs ≥ its busiest process's CPU; the cluster's ≥ all its CPU / ${cores} cores and ≥ its busiest process's)`,
      ],
      [
        'machine CPU idle during one server / cluster',
        `${pct(single.machineIdle)} / ${pct(cluster.machineIdle)} (other work shares the box: 0 % idle means every process waited for a core)`,
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

/**
 * The best ratio CPU arithmetic allows: a walk cannot end before its busiest process has had its
 * CPU, nor before the cores have run all of its processes' CPU. Unthrottled, the one-server walk is
 * bound by its server (or client); three servers and a client on fewer than four cores are bound by
 * their sum over the cores, whatever the walk's parallelism.
 */
function cpuCeiling(single: Side, cluster: Side, cores: number): number {
  const one = Math.max(...single.serverCpuSec, single.census.cpuSec);
  const all = [...cluster.serverCpuSec, cluster.census.cpuSec];
  const three = Math.max(sum(all) / cores, ...all);
  return one / three;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

/** Idle and total jiffies of all CPUs (Linux /proc/stat; zeros elsewhere). */
function machineCpu(): { idle: number; total: number } {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { idle, total: sum(fields.slice(0, 8)) };
  } catch {
    return { idle: 0, total: 0 };
  }
}

function idleSince(before: { idle: number; total: number }): number {
  const now = machineCpu();
  const total = now.total - before.total;
  return total > 0 ? (now.idle - before.idle) / total : Number.NaN;
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
    const machine = machineCpu();
    const census = await runBuiltCliCensus(server.url);
    const machineIdle = idleSince(machine);
    const load = loadNow();
    return {
      census,
      serverCpuSec: [(await serverCpu(admin)) - before],
      dbsizes: [await admin.dbsize()],
      load,
      machineIdle,
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
    const machine = machineCpu();
    const census = await runBuiltCliCensus(cluster.url, { clusterMode: true });
    const machineIdle = idleSince(machine);
    const load = loadNow();
    const after = await Promise.all(nodes.map(serverCpu));
    return {
      census,
      serverCpuSec: after.map((a, i) => a - (before[i] ?? 0)),
      dbsizes: await Promise.all(nodes.map((n) => n.dbsize())),
      load,
      machineIdle,
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
