/**
 * Counts failed Slack Web API calls for `/metrics`, at the one place every call passes: the fetch
 * the WebClient uses (uploads and `respond()` included). A 429 is a rate-limit wait; a 200 whose body
 * says `ok: false` is an API error named by Slack's error code; anything else ≥ 400 is an HTTP error.
 */
export type SlackCallFailure = (method: string, outcome: { error: string; rateLimited: boolean }) => void;

/** `https://slack.com/api/chat.postMessage` → `chat.postMessage`; upload URLs and others → `other`. */
export function slackMethodOf(url: string | URL): string {
  const path = new URL(String(url)).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return /^[a-z]+(\.[a-zA-Z]+)+$/.test(last) ? last : 'other';
}

export function countingFetch<I, R extends Response>(
  fetch: (url: string | URL, init?: I) => Promise<R>,
  failed: SlackCallFailure,
): (url: string | URL, init?: I) => Promise<R> {
  return async (url, init) => {
    const method = slackMethodOf(url);
    let res: R;
    try {
      res = await fetch(url, init);
    } catch (err) {
      failed(method, { error: 'request_failed', rateLimited: false });
      throw err;
    }
    if (res.status === 429) failed(method, { error: 'ratelimited', rateLimited: true });
    else if (res.status >= 400) failed(method, { error: `http_${res.status}`, rateLimited: false });
    else if (method !== 'other' && res.headers.get('content-type')?.includes('json')) {
      // Read from a copy, never awaited: the caller's body stays untouched and no call waits on this.
      void res
        .clone()
        .json()
        .then((json: unknown) => {
          const body = (json ?? {}) as { ok?: unknown; error?: unknown };
          if (body.ok === false) failed(method, { error: errorLabel(body.error), rateLimited: false });
        })
        .catch(() => {});
    }
    return res;
  };
}

/** Slack's error codes are short snake_case words; anything else is folded so the label set stays bounded. */
function errorLabel(error: unknown): string {
  return typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? error : 'other';
}
