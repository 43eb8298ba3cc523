/**
 * A modelled network link for the benchmarks: a TCP proxy on 127.0.0.1 in front of a server that
 * holds every chunk, in each direction, for a fixed one-way delay before forwarding it, in order.
 *
 * Why: over loopback a round trip costs ~30–50 µs, far below any real deployment (the runbook's
 * scripts talk to ElastiCache over the network, with TLS), so a one-key-at-a-time loop looks several
 * times faster than it is in production and a ratio against it says little. The link adds a known
 * round trip to BOTH sides of a comparison. The default, +0.2 ms RTT (0.1 ms each way), is a
 * modelling assumption, a conservative same-AZ EC2 ↔ ElastiCache round trip (TLS, cross-AZ or a busy
 * node add more), not a measured fact about any deployment. `measureAddedRtt` reports what the link
 * really adds on this machine (PING through it vs direct), the proxy's own hops included, and
 * `startCalibratedLink` lowers the configured delay by that overhead so the measured gain is the
 * target.
 *
 * Timing: Node's timers have 1 ms granularity and Atomics.wait oversleeps by ~0.1 ms here, so each
 * chunk is stamped with its due time (performance.now()) on arrival, and a setImmediate loop forwards
 * every due chunk, the event loop polling the sockets between passes. That loop spins only while a
 * chunk is pending and sleeps otherwise; a wait of more than 2 ms goes to setTimeout. It runs in its
 * own process (`startLatencyLink` spawns this file) so it neither waits for the benchmark's event
 * loop nor slows it down.
 *
 * Order: one FIFO per direction per connection. Every chunk gets the same delay, so due times are
 * monotonic and only a queue's head has to be checked.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { percentile } from './stats.js';

const SELF = fileURLToPath(import.meta.url);
const HOST = '127.0.0.1';

/** +0.2 ms per round trip, 0.1 ms each way (a modelling assumption, see the module comment). */
export const DEFAULT_LINK_RTT_MS = 0.2;

export interface LatencyLink {
  /** The link's port on 127.0.0.1: connect here instead of the server's port. */
  port: number;
  oneWayMs: number;
  stop(): Promise<void>;
}

/** Starts the link in a child process in front of 127.0.0.1:`targetPort`. */
export async function startLatencyLink(targetPort: number, oneWayMs: number): Promise<LatencyLink> {
  const links = await startLatencyLinks([targetPort], oneWayMs);
  return { port: links.ports[0] as number, oneWayMs, stop: links.stop };
}

export interface LatencyLinks {
  /** One port on 127.0.0.1 per target, in the targets' order. */
  ports: number[];
  oneWayMs: number;
  /** CPU time (user + system) the link's process has used so far, in seconds (Linux; NaN elsewhere). */
  cpuSec(): number;
  stop(): Promise<void>;
}

/**
 * One link per target port, all in ONE child process: several proxies each polling for due chunks
 * would each keep a core busy, which on a small box would starve the servers they stand in front of.
 */
export async function startLatencyLinks(targetPorts: number[], oneWayMs: number): Promise<LatencyLinks> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, SELF, '--link', targetPorts.join(','), String(oneWayMs)],
    // stdin stays open: the child exits when it closes (also if this process dies).
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ports = await new Promise<number[]>((resolvePorts, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = /^\{.*\}$/m.exec(out);
      if (line) resolvePorts((JSON.parse(line[0]) as { ports: number[] }).ports);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`latency link exited with ${code} before listening`)));
  });
  return {
    ports,
    oneWayMs,
    cpuSec: () => processCpuSec(child.pid),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.stdin.end();
      }),
  };
}

/** utime + stime of a process from /proc/PID/stat, in seconds (clock ticks of 1/100 s). */
function processCpuSec(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * PING round trips, `rounds` batches of `perRound` alternating direct and through the link (so drift
 * hits both alike); medians, and what the link adds.
 */
export async function measureAddedRtt(
  directPort: number,
  linkPort: number,
  opts: { rounds?: number; perRound?: number } = {},
): Promise<{ directMs: number; linkMs: number; addedMs: number; linkP99Ms: number }> {
  const direct = new Redis(directPort, HOST);
  const link = new Redis(linkPort, HOST);
  const d: number[] = [];
  const l: number[] = [];
  try {
    const pings = async (redis: Redis, into: number[], n: number) => {
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await redis.ping();
        into.push(performance.now() - t);
      }
    };
    await pings(direct, [], 200);
    await pings(link, [], 200);
    for (let r = 0; r < (opts.rounds ?? 10); r++) {
      await pings(direct, d, opts.perRound ?? 200);
      await pings(link, l, opts.perRound ?? 200);
    }
  } finally {
    direct.disconnect();
    link.disconnect();
  }
  const directMs = percentile(d, 50);
  const linkMs = percentile(l, 50);
  return { directMs, linkMs, addedMs: linkMs - directMs, linkP99Ms: percentile(l, 99) };
}

export interface CalibratedLink {
  link: LatencyLink;
  /** The link as used: the median of three measurements. */
  rtt: Awaited<ReturnType<typeof measureAddedRtt>>;
  /** The one-way delays tried, in order (the last one is the link's). */
  tried: number[];
}

/**
 * A link whose MEASURED added round trip is `rttMs`: the proxy's own forwarding (two extra hops and
 * wake-ups per round trip, ~0.05–0.15 ms on this VM) comes on top of the configured delay, so the
 * delay is lowered by what the measurement (the median of three, this VM is noisy) finds above the
 * target, up to 4 tries (stops within 10 % or 0.02 ms). Where the overhead alone exceeds the target,
 * the delay ends at 0 and the measurement printed says so.
 */
export async function startCalibratedLink(targetPort: number, rttMs: number): Promise<CalibratedLink> {
  let oneWay = rttMs / 2;
  const tried: number[] = [];
  for (let attempt = 1; ; attempt++) {
    tried.push(oneWay);
    const link = await startLatencyLink(targetPort, oneWay);
    const three = [];
    for (let i = 0; i < 3; i++) three.push(await measureAddedRtt(targetPort, link.port));
    three.sort((a, b) => a.addedMs - b.addedMs);
    const rtt = three[1] as (typeof three)[number];
    const off = rtt.addedMs - rttMs;
    if (attempt >= 4 || Math.abs(off) <= Math.max(0.02, rttMs * 0.1)) return { link, rtt, tried };
    await link.stop();
    oneWay = Math.max(0, oneWay - off / 2);
  }
}

// ---------------------------------------------------------------------------------------------
// The child: the proxy itself

/** One direction of one connection: chunks read from `from`, each due at `due`, for `to`. */
interface Pipe {
  from: Socket;
  to: Socket;
  /** `null` marks the end of the stream (forwarded as `to.end()` once due). */
  queue: { due: number; chunk: Buffer | null }[];
  paused: boolean;
}

function runLinks(targetPorts: number[], oneWayMs: number): void {
  const active = new Set<Pipe>();
  let scheduled = false;

  const tick = (): void => {
    scheduled = false;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const pipe of active) {
      let i = 0;
      while (i < pipe.queue.length && (pipe.queue[i]?.due ?? 0) <= now) {
        const { chunk } = pipe.queue[i] as { chunk: Buffer | null };
        i++;
        if (chunk === null) pipe.to.end();
        else if (!pipe.to.write(chunk) && !pipe.paused) {
          // Backpressure: stop reading until the far side drains (the queue keeps what is in it).
          pipe.paused = true;
          pipe.from.pause();
          pipe.to.once('drain', () => {
            pipe.paused = false;
            pipe.from.resume();
          });
        }
      }
      if (i > 0) pipe.queue.splice(0, i);
      const head = pipe.queue[0];
      if (head) next = Math.min(next, head.due);
      else active.delete(pipe);
    }
    if (active.size > 0) schedule(next - now);
  };
  const schedule = (inMs: number): void => {
    if (scheduled) return;
    scheduled = true;
    // setTimeout only where its 1 ms granularity can't make a chunk late; else poll.
    if (inMs > 2) setTimeout(tick, inMs - 1.5);
    else setImmediate(tick);
  };

  const pipe = (from: Socket, to: Socket): void => {
    const p: Pipe = { from, to, queue: [], paused: false };
    const push = (chunk: Buffer | null): void => {
      p.queue.push({ due: performance.now() + oneWayMs, chunk });
      active.add(p);
      schedule(oneWayMs);
    };
    let ended = false;
    from.on('data', (chunk: Buffer) => push(chunk));
    from.on('end', () => {
      ended = true;
      push(null);
    });
    // Closed without an orderly end (reset, error): nothing more will come, drop the other side too.
    from.on('close', () => {
      if (!ended) to.destroy();
    });
  };

  const listen = (targetPort: number): Promise<number> => {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      const upstream = createConnection({ host: HOST, port: targetPort, allowHalfOpen: true, noDelay: true });
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
      pipe(client, upstream);
      pipe(upstream, client);
    });
    return new Promise((done) =>
      server.listen({ host: HOST, port: 0 }, () => {
        const address = server.address();
        done(typeof address === 'object' && address ? address.port : 0);
      }),
    );
  };
  Promise.all(targetPorts.map(listen)).then((ports) => {
    process.stdout.write(`${JSON.stringify({ ports })}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (process.argv[2] === '--link' && resolve(process.argv[1] ?? '') === SELF) {
  runLinks((process.argv[3] ?? '').split(',').map(Number), Number(process.argv[4]));
}
