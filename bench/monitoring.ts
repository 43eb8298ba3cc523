/**
 * What the bot's own monitoring costs, measured on real redis-servers:
 * - the target's extra commands per minute: one tick to open the sampler's kept connection (as the
 *   bot does, monitoring/target-connections.ts), CONFIG RESETSTAT, sampling ticks of one cluster,
 *   then INFO commandstats (every command the sampler's connection sent, per tick = per minute at
 *   the default 1-minute schedule) and the connections the target received meanwhile;
 * - the queue Redis bytes per cluster: a day of 1-minute samples (1 440) written through the
 *   history store, plus the alert state, measured with MEMORY USAGE; then the whole 14-day
 *   retention written the same way (every point for 2 days, one per 5 minutes before) and measured;
 * - the bot's CPU at 50 clusters sampled every minute: 50 cluster configs over 5 redis-servers (10
 *   logical DBs each, every one its own connection and INFO, as 50 separate targets are), ticks run
 *   back to back (time scaled down: each tick is one minute's work), process CPU (user + system)
 *   per tick ÷ 60 s = the share of one core at one tick a minute.
 */
import type { Redis } from 'ioredis';
import { Redis as IORedis } from 'ioredis';
import { type LocalRedis, startLocalRedis } from '../src/demo/local-redis.js';
import { parseInfo } from '../src/keyspace/server-facts.js';
import { AlertStateStore } from '../src/monitoring/alert-store.js';
import { HistoryStore } from '../src/monitoring/history-store.js';
import { alertPolicy, type MonitorDeps, runSampleTick } from '../src/monitoring/monitor-tick.js';
import { TargetConnections } from '../src/monitoring/target-connections.js';
import { silentLogger } from '../src/observability/logger.js';
import type { StatusTarget } from '../src/status/check-status.js';
import { printTable } from './stats.js';
import { fmt, ms } from './support.js';

const SERVERS = 5;
const CLUSTERS = 50;
const TICKS = 20;
const ALERTS = { minDurationSeconds: 120, hysteresisPct: 2, evictions: true, keysWithoutTtlPerHour: 10_000 };

function deps(queue: Redis, targets: StatusTarget[], prefix: string): MonitorDeps {
  return {
    clusters: () => targets,
    history: new HistoryStore(queue, { prefix }),
    alerts: new AlertStateStore(queue, prefix),
    reporter: { alert: async () => {} },
    policy: (t) => alertPolicy(ALERTS, t),
    logger: silentLogger(),
    concurrency: 8,
    connections: new TargetConnections(),
  };
}

const target = (name: string, url: string): StatusTarget => ({
  name,
  url,
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
});

async function commandsPerTick(server: LocalRedis, queue: Redis): Promise<[string, string][]> {
  const admin = new IORedis(server.port, server.host);
  try {
    const d = deps(queue, [target('one', server.url)], 'bench-cmd');
    await runSampleTick(d, Date.now() - 60_000); // opens the kept connection: not a steady minute
    await admin.config('RESETSTAT');
    const ticks = 10;
    for (let i = 0; i < ticks; i++) await runSampleTick(d, Date.now() + i);
    const stats = parseInfo(await admin.info('commandstats')).commandstats ?? {};
    const connections = Number(parseInfo(await admin.info('stats')).stats?.total_connections_received);
    await d.connections?.close();
    const perCommand = Object.entries(stats).map(([name, v]) => {
      const calls = Number(/calls=(\d+)/.exec(v)?.[1] ?? 0);
      return [name.replace(/^cmdstat_/, ''), calls] as const;
    });
    // The measuring INFO commandstats itself is counted once: not the sampler's.
    const counted = perCommand
      .filter(([n]) => !n.startsWith('config'))
      .map(([n, c]) => [n, n === 'info' ? c - 1 : c] as const)
      .filter(([, c]) => c > 0);
    const total = counted.reduce((a, [, c]) => a + c, 0);
    return [
      ['commands per sample (= per minute)', fmt(total / ticks)],
      ['by command', counted.map(([n, c]) => `${n} ${fmt(c / ticks)}`).join(', ')],
      [`connections opened in ${ticks} ticks`, fmt(connections)],
    ];
  } finally {
    admin.disconnect();
  }
}

async function bytesPerDay(server: LocalRedis, queue: Redis): Promise<[string, string][]> {
  const d = deps(queue, [target('day', server.url)], 'bench-bytes');
  // One real sample, then a day of minutes with the figures moving as a busy cluster's do.
  const t0 = Date.UTC(2026, 0, 1);
  await runSampleTick(d, t0);
  await d.connections?.close();
  const [first] = await d.history.latest('day', 1);
  if (!first) throw new Error('no sample');
  const point = (i: number) => ({
    ...first,
    at: t0 + i * 60_000,
    usedMemory: first.usedMemory * 1_000 + i * 7_919,
    maxmemory: 2_576_980_378,
    memoryPct: 60 + (i % 300) / 10,
    keys: 2_600_000 + i * 13,
    keysWithTtl: 1_600_000 + i * 5,
    evicted: i * 3,
    expired: 90_000_000 + i * 411,
    opsPerSec: 40_000 + (i % 977),
    clients: 1_200 + (i % 50),
  });
  for (let i = 1; i < 1_440; i++) await d.history.add('day', point(i));
  const history = Number(await queue.memory('USAGE', d.history.key('day'), 'SAMPLES', '0'));
  const state = Number(await queue.memory('USAGE', d.alerts.key('day'), 'SAMPLES', '0'));
  // The full retention, written the same way: every point for 2 days, one per 5 minutes before.
  for (let i = 1_440; i < 14 * 1_440; i++) await d.history.add('day', point(i));
  const full = Number(await queue.memory('USAGE', d.history.key('day'), 'SAMPLES', '0'));
  const points = await queue.zcard(d.history.key('day'));
  return [
    ['history, 1 440 points (a day)', `${fmt(history)} B`],
    ['alert state', `${fmt(state)} B`],
    ['per cluster per day', `${fmt(history + state)} B`],
    [`per cluster, 14 days (${fmt(points)} points, measured)`, `${(full / 2 ** 20).toFixed(2)} MiB`],
    [`${CLUSTERS} clusters, 14 days`, `${fmt((CLUSTERS * (full + state)) / 2 ** 20)} MiB`],
  ];
}

async function cpuAt50(servers: LocalRedis[], queue: Redis): Promise<[string, string][]> {
  const targets = Array.from({ length: CLUSTERS }, (_, i) => {
    const server = servers[i % servers.length] as LocalRedis;
    return target(`c${i}`, `${server.url}/${Math.floor(i / servers.length)}`);
  });
  const d = deps(queue, targets, 'bench-cpu');
  await runSampleTick(d, Date.now()); // opens the kept connections, JIT: not a steady minute
  const cpu = process.cpuUsage();
  const started = performance.now();
  const base = Date.now();
  for (let i = 1; i <= TICKS; i++) {
    const outcome = await runSampleTick(d, base + i * 60_000);
    if (outcome.failed > 0) throw new Error(`${outcome.failed} samples failed`);
  }
  const wall = (performance.now() - started) / TICKS;
  const used = process.cpuUsage(cpu);
  await d.connections?.close();
  const cpuMsPerTick = (used.user + used.system) / 1_000 / TICKS;
  return [
    [`${CLUSTERS} clusters, wall time of one tick`, ms(wall)],
    ['bot CPU per tick (user + system)', ms(cpuMsPerTick)],
    ['bot CPU at one tick a minute', `${((cpuMsPerTick / 60_000) * 100).toFixed(3)} % of one core`],
  ];
}

export async function benchMonitoring(): Promise<void> {
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startLocalRedis()));
  const queueServer = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  const queue = new IORedis(queueServer.port, queueServer.host);
  try {
    const seed = new IORedis(servers[0]?.port ?? 0, servers[0]?.host ?? '127.0.0.1');
    const pipe = seed.pipeline();
    for (let i = 0; i < 10_000; i++) {
      if (i % 2) pipe.set(`k:${i}`, 'v', 'EX', 3600);
      else pipe.set(`k:${i}`, 'v');
    }
    await pipe.exec();
    seed.disconnect();
    printTable(
      'monitoring: target commands per sample',
      await commandsPerTick(servers[0] as LocalRedis, queue),
    );
    printTable(
      'monitoring: queue Redis bytes per cluster',
      await bytesPerDay(servers[0] as LocalRedis, queue),
    );
    printTable(
      `monitoring: bot CPU, ${CLUSTERS} clusters on ${SERVERS} redis-servers`,
      await cpuAt50(servers, queue),
    );
  } finally {
    queue.disconnect();
    await Promise.all([...servers.map((s) => s.stop()), queueServer.stop()]);
  }
}
