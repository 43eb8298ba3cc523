/** A status must never hang on AWS: every call of one request shares one deadline. */
export const DEFAULT_AWS_TIMEOUT_MS = 5_000;

export function deadlineSignal(timeoutMs: number, outer?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return outer === undefined ? timeout : AbortSignal.any([timeout, outer]);
}

/**
 * Runs one SDK call bounded by `signal`. The SDK only honours `abortSignal` inside the HTTP handler,
 * so a credential provider that hangs (IMDS off EC2) would not be cut short: race it as well.
 * On abort the rejection is the signal's reason (`TimeoutError` / `AbortError` DOMException).
 */
export async function bounded<T>(
  call: (abortSignal?: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (signal === undefined) return call();
  signal.throwIfAborted();
  // Promise.resolve: a stubbed client may hand back a plain value where the SDK returns a promise.
  const pending = Promise.resolve(call(signal));
  // The losing call still settles later; keep its rejection from becoming an unhandled one.
  pending.catch(() => {});
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, aborted]);
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
