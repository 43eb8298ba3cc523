/** The latency guard of a paced walk: pauses while the server's PING round trip is above its idle baseline. */
import { sleep } from './sleep.js';

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
