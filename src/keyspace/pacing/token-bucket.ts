/** The keys/s budget of a paced walk: a token bucket over pages. */
import { sleep } from './sleep.js';

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
