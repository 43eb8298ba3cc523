/**
 * The one way tests wait for something that happens asynchronously: poll with a deadline, never a
 * fixed sleep. `fn` answers `undefined` or `false` while the thing has not happened yet, and the
 * value once it has; after `timeoutMs` the wait fails naming `what` and the budget.
 *
 * Not `vi.waitFor`: it retries when the callback throws, so a read that fails for a real reason
 * (a refused connection, a wrong reply) would be retried until the deadline and reported late. Here
 * an error from `fn` ends the wait at once, unless `ignoreErrors` says the errors are expected while
 * waiting (a node that is still starting or failing over).
 */

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between two polls. */
  intervalMs?: number;
  /** Treat an error from `fn` as "not yet" instead of failing the wait. */
  ignoreErrors?: boolean;
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  options: number | WaitOptions,
): Promise<T> {
  const {
    timeoutMs,
    intervalMs = 50,
    ignoreErrors = false,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined | false;
    try {
      value = await fn();
    } catch (err) {
      if (!ignoreErrors) throw err;
      value = undefined;
    }
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
