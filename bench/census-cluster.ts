/**
 * Census speed on a 3-primary Redis Cluster vs one standalone server, the same keys loaded into
 * each, both walked unthrottled by the built CLI. Prints keys/s of each and their ratio (target
 * ≥ 2.5×), and where the CPU went (each server's INFO cpu delta, the client's rusage), because on a
 * small box three servers and the client share few cores and the ratio is then bounded by CPU.
 *
 * Then the same keys again with every server behind a modelled network link (latency-link.ts, one
 * process for all links; the cluster's primaries announce their link's port so the client's whole
 * traffic crosses them): over a real network a walk waits on round trips, not only on CPU, which
 * loopback on a small box cannot show. Both ratios are printed, each with its CPU ceiling.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Cluster, Redis } from 'ioredis';
import { loadDataset } from '../src/demo/dataset.js';
import { startLocalRedis, startLocalRedisCluster } from '../src/demo/local-redis.js';
import { type CliCensus, runBuiltCliCensus } from './census-cli.js';
import { type LatencyLinks, startLatencyLinks } from './latency-link.js';
import { printTable } from './stats.js';
import { fmt } from './support.js';

/**
 * One-way delay of the modelled link (ms): +1 ms per round trip, a modelling assumption (a cross-AZ
 * ElastiCache round trip with TLS), not a measurement of any deployment.
 */
export const DEFAULT_CLUSTER_LINK_ONE_WAY_MS = 0.5;

interface Side {
  census: CliCensus;
  /** used_cpu_user + used_cpu_sys each server spent during the census (s). */
  serverCpuSec: number[];
  dbsizes: number[];
  load: string;
  /** Share of the whole machine's CPU time that was idle during the census (/proc/stat). */
  machineIdle: number;
  /** CPU the modelled link's process used during the census (s), when the walk went through it. */
  linkCpuSec?: number;
}

export async function benchCensusCluster(opts: {
  keys: number;
  shape?: 'runbook' | 'mixed';
  /** One-way delay of the modelled link (ms); 0 skips the linked measurement. */
  linkOneWayMs?: number;
}): Promise<void> {
  const data = { keys: opts.keys, ...(opts.shape ? { shape: opts.shape } : {}) };
  const linkMs = opts.linkOneWayMs ?? 0;
  const single = await measureStandalone(data, linkMs);
  const cluster = await measureCluster(data, linkMs);
  const cores = availableParallelism();
  const loop = compare(single.loopback, cluster.loopback, cores);
  printTable(
    `census on a 3-primary cluster vs one server, over loopback: ${opts.keys.toLocaleString('en')} keys each, built CLI, unthrottled (${cores} cores)`,
    sideRows(single.loopback, cluster.loopback, cores),
  );
  const summary: [string, string][] = [['loopback', verdict(loop)]];
  if (single.linked && cluster.linked) {
    const rtt = `+${(2 * linkMs).toFixed(2)} ms RTT`;
    printTable(
      `the same, each server behind a modelled network link (${linkMs} ms each way, ${rtt}; one link process for all servers)`,
      [
        ...sideRows(single.linked, cluster.linked, cores),
        [
          'link process CPU, one server / cluster',
          `${(single.linked.linkCpuSec ?? 0).toFixed(1)} / ${(cluster.linked.linkCpuSec ?? 0).toFixed(1)} s (it polls for due chunks, so it keeps a core busy while a reply is held)`,
        ],
      ],
    );
    summary.push([`modelled link (${rtt})`, verdict(compare(single.linked, cluster.linked, cores))]);
  }
  printTable(
    'census keys/s, 3-primary cluster / one server (target ≥ 2.5×, which needs a core per server: on fewer cores the ceiling is the bound)',
    summary,
  );
}

interface Comparison {
  ratio: number;
  wallRatio: number;
  ceiling: number;
}

function compare(single: Side, cluster: Side, cores: number): Comparison {
  return {
    ratio: cluster.census.keysPerSec / single.census.keysPerSec,
    wallRatio: single.census.wallMs / cluster.census.wallMs,
    ceiling: cpuCeiling(single, cluster, cores),
  };
}

function verdict(c: Comparison): string {
  return `${c.ratio.toFixed(2)}× (wall ${c.wallRatio.toFixed(2)}×; CPU ceiling on this box ${c.ceiling.toFixed(2)}×; target ≥ 2.5×: ${c.ratio >= 2.5 ? 'met' : 'MISSED'})`;
}

function sideRows(single: Side, cluster: Side, cores: number): [string, string][] {
  const c = compare(single, cluster, cores);
  return [
    ['one server', line(single)],
    ['3-primary cluster', line(cluster)],
    ['keys per primary', cluster.dbsizes.map((n) => fmt(n)).join(' / ')],
    ['ratio cluster / one server (keys/s)', verdict(c)],
    ['server CPU, one server', `${single.serverCpuSec.map((s) => s.toFixed(2)).join(' / ')} s`],
    ['server CPU, each primary', `${cluster.serverCpuSec.map((s) => s.toFixed(2)).join(' / ')} s`],
    [
      'client CPU, one server / cluster',
      `${single.census.cpuSec.toFixed(1)} / ${cluster.census.cpuSec.toFixed(1)} s (${busy(single)} / ${busy(cluster)} of its process's wall time; one Node thread does all the counting)`,
    ],
    [
      `ceiling of the ratio from CPU alone on ${cores} cores`,
      `${c.ceiling.toFixed(2)}× (one server's walk needs ≥ its busiest process's CPU; the cluster's ≥ all its CPU / ${cores} cores and ≥ its busiest process's; assumes the cores are the census's alone)`,
    ],
    [
      'servers one census thread keeps up with',
      `${clientHeadroom(single).toFixed(1)} (one server's CPU / the census process's on the same keys, its start-up included, so a lower bound: all reply parsing and counting run on one Node thread, which bounds the walk beyond this many servers)`,
    ],
    [
      'machine CPU idle during one server / cluster',
      `${pct(single.machineIdle)} / ${pct(cluster.machineIdle)} (other work shares the box: 0 % idle means every process waited for a core)`,
    ],
    ['load average (1/5/15 min) during one server / cluster', `${single.load} / ${cluster.load}`],
  ];
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
 * The best ratio CPU arithmetic allows when the box's cores are the census's alone: a walk cannot
 * end before its busiest process has had its CPU, nor before the cores have run all of its
 * processes' CPU (the modelled link's process included). Unthrottled, the one-server walk is bound
 * by its server (or client); three servers and a client on fewer than four cores are bound by their
 * sum over the cores, whatever the walk's parallelism. Other work on the box (machine idle 0 %)
 * lowers what is reachable further.
 */
function cpuCeiling(single: Side, cluster: Side, cores: number): number {
  const one = Math.max(...single.serverCpuSec, single.census.cpuSec, single.linkCpuSec ?? 0);
  const all = [...cluster.serverCpuSec, cluster.census.cpuSec, cluster.linkCpuSec ?? 0];
  const three = Math.max(sum(all) / cores, ...all);
  return one / three;
}

/** How many servers' worth of pages one census process can take in: server CPU / client CPU, same keys. */
function clientHeadroom(single: Side): number {
  return sum(single.serverCpuSec) / Math.max(0.001, single.census.cpuSec);
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

/** Both walks of one side: straight over loopback, then (when asked) through the modelled link. */
interface Sides {
  loopback: Side;
  linked?: Side;
}

async function measureStandalone(
  data: { keys: number; shape?: 'runbook' | 'mixed' },
  linkOneWayMs: number,
): Promise<Sides> {
  const server = await startLocalRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    await loadDataset(admin, data);
    const walk = async (url: string, link?: LatencyLinks): Promise<Side> => {
      const before = await serverCpu(admin);
      const linkBefore = link?.cpuSec() ?? 0;
      const machine = machineCpu();
      const census = await runBuiltCliCensus(url);
      const machineIdle = idleSince(machine);
      return {
        census,
        serverCpuSec: [(await serverCpu(admin)) - before],
        dbsizes: [await admin.dbsize()],
        load: loadNow(),
        machineIdle,
        ...(link ? { linkCpuSec: link.cpuSec() - linkBefore } : {}),
      };
    };
    const loopback = await walk(server.url);
    if (linkOneWayMs <= 0) return { loopback };
    const link = await startLatencyLinks([server.port], linkOneWayMs);
    try {
      return { loopback, linked: await walk(`redis://127.0.0.1:${link.ports[0]}`, link) };
    } finally {
      await link.stop();
    }
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

async function measureCluster(
  data: { keys: number; shape?: 'runbook' | 'mixed' },
  linkOneWayMs: number,
): Promise<Sides> {
  const cluster = await startLocalRedisCluster({ primaries: 3 });
  const loader = new Cluster(cluster.nodes);
  const nodes = cluster.nodes.map((n) => new Redis(n.port, n.host));
  try {
    await loadDataset(loader, data);
    const walk = async (url: string, link?: LatencyLinks): Promise<Side> => {
      const before = await Promise.all(nodes.map(serverCpu));
      const linkBefore = link?.cpuSec() ?? 0;
      const machine = machineCpu();
      const census = await runBuiltCliCensus(url, { clusterMode: true });
      const machineIdle = idleSince(machine);
      const load = loadNow();
      const after = await Promise.all(nodes.map(serverCpu));
      return {
        census,
        serverCpuSec: after.map((a, i) => a - (before[i] ?? 0)),
        dbsizes: await Promise.all(nodes.map((n) => n.dbsize())),
        load,
        machineIdle,
        ...(link ? { linkCpuSec: link.cpuSec() - linkBefore } : {}),
      };
    };
    const loopback = await walk(cluster.url);
    if (linkOneWayMs <= 0) return { loopback };
    const link = await startLatencyLinks(
      cluster.nodes.map((n) => n.port),
      linkOneWayMs,
    );
    try {
      await announcePorts(nodes, link.ports);
      return { loopback, linked: await walk(`redis://127.0.0.1:${link.ports[0]}`, link) };
    } finally {
      await link.stop();
    }
  } finally {
    loader.disconnect();
    for (const n of nodes) n.disconnect();
    await cluster.stop();
  }
}

/**
 * Makes every primary announce its link's port (`cluster-announce-port`), so a cluster client that
 * starts at one link learns the other links from CLUSTER SLOTS and all its traffic crosses them; waits
 * until every primary's CLUSTER SLOTS lists only link ports (the change spreads by gossip).
 */
async function announcePorts(nodes: Redis[], ports: number[]): Promise<void> {
  await Promise.all(nodes.map((n, i) => n.config('SET', 'cluster-announce-port', String(ports[i]))));
  const wanted = new Set(ports);
  const deadline = performance.now() + 60_000;
  for (;;) {
    const views = await Promise.all(nodes.map((n) => n.call('CLUSTER', 'SLOTS') as Promise<unknown[][]>));
    const seen = views.flatMap((slots) => slots.map((range) => Number((range[2] as unknown[])[1])));
    if (seen.every((p) => wanted.has(p))) return;
    if (performance.now() > deadline) {
      throw new Error(`cluster-announce-port not seen by every primary after 60 s: ${seen.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function serverCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? Number.NaN);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? Number.NaN);
  return user + sys;
}
