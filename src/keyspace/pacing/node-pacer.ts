/**
 * The pacing of one primary during a walk: its own keys/s budget and latency guard (each shard of a
 * cluster is its own server, so each gets its own), built from the resolved throttle settings.
 */
import { LatencyGuard } from './latency-guard.js';
import type { ThrottleOptions } from './throttle.js';
import { TokenBucket } from './token-bucket.js';

export class NodePacer {
  readonly bucket: TokenBucket;
  readonly guard: LatencyGuard;

  constructor(throttle: Readonly<Required<ThrottleOptions>>, ping: () => Promise<unknown>) {
    // A tenth of a second of budget as burst (at least a page): short stalls are not made up in a rush.
    this.bucket = new TokenBucket(throttle.keysPerSec, Math.max(throttle.pageSize, throttle.keysPerSec / 10));
    this.guard = new LatencyGuard(ping, { guardMs: throttle.latencyGuardMs, pauseMs: throttle.pauseMs });
  }

  /** Measures the idle PING baseline the latency guard compares against. */
  calibrate(): Promise<number> {
    return this.guard.calibrate();
  }

  /** Before a page: waits while the server answers slowly (`onPause` at each pause). */
  latency(signal: AbortSignal, onPause?: () => void): Promise<void> {
    return this.guard.check(signal, onPause);
  }

  /** Before a page: waits until `keys` keys of budget are there, and spends them. */
  budget(keys: number, signal: AbortSignal): Promise<void> {
    return this.bucket.take(keys, signal);
  }

  /** After a page: a page that returned more than it was budgeted for pays the rest later. */
  charge(extra: number): void {
    this.bucket.charge(Math.max(0, extra));
  }

  get pauses(): number {
    return this.guard.pauses;
  }

  get pausedMs(): number {
    return this.guard.pausedMs;
  }

  get baselineMs(): number {
    return this.guard.baselineMs;
  }
}
