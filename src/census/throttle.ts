/**
 * Pacing for the key census on a production server: a keys/s budget (token bucket over pages) and
 * a latency guard that pauses while the server's PING round trip is above its idle baseline.
 *
 * What hurts other clients is how long each server call blocks the (single-threaded) server and how
 * often it does: measured here (Redis 7.0, loopback), one census page (SCAN + PTTL + TYPE + MEMORY
 * USAGE per key, in one Lua call) blocks the server for about 4 µs per key: COUNT 50 ≈ 0.2 ms,
 * COUNT 200 ≈ 0.8 ms, COUNT 1000 ≈ 5 ms. The default keeps pages at ≤ 100 keys and ~100 pages/s,
 * so the server is busy with the census ~4 % of the time, ~0.4 ms at a stretch.
 */

export interface ThrottleOptions {
  /**
   * Keys examined per second, per primary (each shard of a cluster is its own server with its own
   * budget). A page costs max(keys returned, SCAN COUNT): with MATCH the server examines COUNT keys
   * even when none match.
   */
  keysPerSec?: number;
  /** Pause while a PING round trip exceeds the idle baseline (measured at start) by more than this. */
  latencyGuardMs?: number;
  /** How long one pause lasts before PING is measured again. */
  pauseMs?: number;
  /** SCAN COUNT cap: bounds how long one server call blocks the server. */
  pageSize?: number;
}

/**
 * Safe for a 2-vCPU burstable node (t4g.small / medium: baseline 20 % per vCPU). 10 000 keys/s
 * costs the server ~4 % of one core (≈ 4 µs per key here; budget twice that on a small Graviton),
 * well under the baseline, so a long census does not drain CPU credits; 100-key pages block the
 * server ~0.4 ms at a time. 6.6 M keys take about 11 minutes.
 */
export const DEFAULT_THROTTLE: Readonly<Required<ThrottleOptions>> = Object.freeze({
  keysPerSec: 10_000,
  latencyGuardMs: 2,
  pauseMs: 250,
  pageSize: 100,
});

/** `false` = unthrottled; `undefined` = the default; a partial object is completed from the default. */
export function resolveThrottle(
  throttle: ThrottleOptions | false | undefined,
): Readonly<Required<ThrottleOptions>> | null {
  if (throttle === false) return null;
  const merged = { ...DEFAULT_THROTTLE, ...stripUndefined(throttle ?? {}) };
  for (const [name, value] of Object.entries(merged)) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`throttle.${name} must be a positive number, got ${value}`);
    }
  }
  return { ...merged, pageSize: Math.max(1, Math.floor(merged.pageSize)) };
}

function stripUndefined(o: ThrottleOptions): ThrottleOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ThrottleOptions;
}

/** Resolves after `ms`, or rejects at once when `signal` aborts (with the signal's reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Token bucket: `rate` tokens per second, holding at most `burst`. `take(n)` waits until n tokens
 * are there; `charge(n)` spends without waiting (the balance may go negative: the next take waits
 * longer). Time comes from `now` so tests can drive it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Milliseconds until `n` tokens are available (0 when they are). */
  waitMs(n: number): number {
    this.refill();
    const need = Math.min(n, this.burst) - this.tokens;
    return need <= 0 ? 0 : (need / this.rate) * 1000;
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    for (let wait = this.waitMs(n); wait > 0; wait = this.waitMs(n)) await sleep(wait, signal);
    this.tokens -= n;
  }

  charge(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}

export interface LatencyGuardOptions {
  guardMs: number;
  pauseMs: number;
  /** Measure at most this often (between pages). @defaultValue 200 */
  checkEveryMs?: number;
  /** PINGs for the idle baseline (their median). @defaultValue 7 */
  baselineSamples?: number;
}

/**
 * Pauses a walk while the server answers slowly. The baseline is the median PING round trip at
 * start; afterwards, at most every `checkEveryMs` between pages, one PING is timed and while it
 * exceeds baseline + guardMs the walk sleeps `pauseMs` and measures again.
 */
export class LatencyGuard {
  baselineMs = 0;
  pauses = 0;
  pausedMs = 0;
  private lastCheck = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ping: () => Promise<unknown>,
    private readonly opts: LatencyGuardOptions,
  ) {}

  async calibrate(): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < (this.opts.baselineSamples ?? 7); i++) samples.push(await this.rtt());
    samples.sort((a, b) => a - b);
    this.baselineMs = samples[Math.floor(samples.length / 2)] as number;
    this.lastCheck = performance.now();
    return this.baselineMs;
  }

  get thresholdMs(): number {
    return this.baselineMs + this.opts.guardMs;
  }

  /** Between pages: maybe measure, and pause while slow. `onPause` runs at each pause (progress). */
  async check(signal?: AbortSignal, onPause?: () => void): Promise<void> {
    if (performance.now() - this.lastCheck < (this.opts.checkEveryMs ?? 200)) return;
    let rtt = await this.rtt();
    if (rtt > this.thresholdMs) {
      this.pauses++;
      const started = performance.now();
      try {
        while (rtt > this.thresholdMs) {
          onPause?.();
          await sleep(this.opts.pauseMs, signal);
          rtt = await this.rtt();
        }
      } finally {
        this.pausedMs += performance.now() - started;
      }
    }
    this.lastCheck = performance.now();
  }

  private async rtt(): Promise<number> {
    const started = performance.now();
    await this.ping();
    return performance.now() - started;
  }
}
