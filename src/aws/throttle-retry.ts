/**
 * Retries an AWS call that was throttled, with jittered exponential backoff, inside the caller's
 * deadline: a busy account's rate limits should cost a few hundred milliseconds, not the report.
 * Anything else is thrown as is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyAwsError } from './errors.js';

export interface ThrottleRetryOptions {
  /** Attempts in all. @defaultValue 4 */
  attempts?: number;
  /** First backoff; doubled each time. @defaultValue 200 */
  baseMs?: number;
  signal?: AbortSignal;
}

export async function retryThrottled<T>(call: () => Promise<T>, opts: ThrottleRetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const base = opts.baseMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || classifyAwsError(err) !== 'throttled') throw err;
      const backoff = base * 2 ** (attempt - 1);
      await sleep(
        backoff / 2 + Math.random() * (backoff / 2),
        undefined,
        opts.signal ? { signal: opts.signal } : {},
      );
    }
  }
}
