/**
 * What a failed Slack Web API call means for the caller: how long Slack asks us to wait, and whether
 * another try can succeed. Read from the error codes and classes of `@slack/web-api` (the client
 * Bolt uses), never from message text, except where the client only says it in the message.
 */
import { webApi } from '@slack/bolt';

const SLACK_CALL_ERROR_CODES: ReadonlySet<unknown> = new Set([
  webApi.ErrorCode.RequestError,
  webApi.ErrorCode.HTTPError,
  webApi.ErrorCode.PlatformError,
  webApi.ErrorCode.RateLimitedError,
]);

/** Whether `err` is one of the errors the Web API client throws for a failed call. */
export function isSlackCallError(err: unknown): err is webApi.WebAPICallError {
  return (
    typeof err === 'object' && err !== null && SLACK_CALL_ERROR_CODES.has((err as { code?: unknown }).code)
  );
}

/** How long a rate-limited call asks us to wait (ms), or undefined when it was not rate limited. */
export function rateLimitWaitMs(err: unknown): number | undefined {
  if (!isSlackCallError(err)) return undefined;
  switch (err.code) {
    case webApi.ErrorCode.RateLimitedError:
      return err.retryAfter * 1000;
    case webApi.ErrorCode.HTTPError: {
      if (err.statusCode !== 429) return undefined;
      const sec = Number(err.headers?.['retry-after']);
      return Number.isFinite(sec) ? sec * 1000 : 1000;
    }
    case webApi.ErrorCode.RequestError:
      // With retries off, the WebClient has already waited out Retry-After, then fails the call.
      return /rate limit/i.test(`${err.message} ${err.original?.message ?? ''}`) ? 0 : undefined;
    default:
      return undefined;
  }
}

const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** The wait before the next try, or undefined for an error retrying cannot fix. */
export function retryDelayMs(err: unknown, attempt: number): number | undefined {
  const backoff = Math.min(30_000, 500 * 2 ** attempt);
  const limited = rateLimitWaitMs(err);
  if (limited !== undefined) return Math.max(limited, 100);
  if (!isSlackCallError(err)) return undefined;
  switch (err.code) {
    case webApi.ErrorCode.RequestError:
      return backoff;
    case webApi.ErrorCode.HTTPError:
      return err.statusCode >= 500 ? backoff : undefined;
    case webApi.ErrorCode.PlatformError:
      return TRANSIENT_PLATFORM_ERRORS.has(err.data.error) ? backoff : undefined;
    default:
      return undefined;
  }
}
