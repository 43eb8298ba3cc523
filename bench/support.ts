/**
 * Helpers shared by the benchmarks: a GET loop for tail latency, "idle vs during a load" with the
 * load in a child process (so its event loop never delays the probe's), and a child-process runner
 * that speaks the benches' line protocol (a start marker line, then one JSON line).
 */
import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { percentile } from './stats.js';

/** Sequential GETs of `key` for `ms`; the round trip of each, in ms. */
export async function getLoop(redis: Redis, key: string, ms: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now();
    await redis.get(key);
    out.push(performance.now() - t);
  }
  return out;
}

export interface LatencyComparison<T> {
  idle: number[];
  busy: number[];
  idleP99: number;
  busyP99: number;
  /** What the load resolved with. */
  load: T;
}

export interface LatencyOptions {
  /** @defaultValue 500 */
  warmupMs?: number;
  /** Idle loop before and again after the load. @defaultValue 5000 */
  idleMs?: number;
  /** Skips the load's start-up (INFO, SCRIPT LOAD, PING baseline) before measuring. @defaultValue 1000 */
  settleMs?: number;
  /** @defaultValue 10000 */
  busyMs?: number;
}

/**
 * GET latency idle (before and after) vs while `load` runs. `load` gets a callback to call once it
 * is really working (e.g. the child printed its start marker); the busy loop starts `settleMs` later.
 */
export async function latencyDuring<T>(
  probe: Redis,
  key: string,
  load: (started: () => void) => Promise<T>,
  opts: LatencyOptions = {},
): Promise<LatencyComparison<T>> {
  await getLoop(probe, key, opts.warmupMs ?? 500);
  const idleBefore = await getLoop(probe, key, opts.idleMs ?? 5_000);
  let started: () => void = () => {};
  const working = new Promise<void>((resolve) => {
    started = resolve;
  });
  const running = load(() => started());
  await Promise.race([working, running]);
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 1_000));
  const busy = await getLoop(probe, key, opts.busyMs ?? 10_000);
  const result = await running;
  const idleAfter = await getLoop(probe, key, opts.idleMs ?? 5_000);
  const idle = [...idleBefore, ...idleAfter];
  return { idle, busy, idleP99: percentile(idle, 99), busyP99: percentile(busy, 99), load: result };
}

/**
 * Runs `node <execArgv> file ...args`, resolving with the JSON object of its last `{…}` stdout line.
 * `onStarted` fires when the child prints `marker` on a line of its own.
 */
export function runJsonChild<T>(
  file: string,
  args: string[],
  opts: { marker?: string; onStarted?: () => void } = {},
): Promise<T> {
  const marker = opts.marker ?? 'walking';
  const child = spawn(process.execPath, [...process.execArgv, file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let result: T | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === marker) opts.onStarted?.();
        else if (line.startsWith('{')) result = JSON.parse(line) as T;
        nl = buffered.indexOf('\n');
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${file} child exited with ${code}`));
    });
  });
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

export function ms(n: number): string {
  return `${n.toFixed(3)} ms`;
}
