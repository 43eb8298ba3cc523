// Slack user-group members for approver checks: cached, time-bounded, failures never cached.
import type { GroupMembers } from './policy.js';

/**
 * Group members cached for `ttlMs` (a busy incident channel must not cost a Slack call per click),
 * each lookup bounded by `timeoutMs`. Failures are not cached and reject: `isApprover` fails closed.
 */
export function cachedGroupMembers(
  fetch: GroupMembers,
  options: { ttlMs?: number; timeoutMs?: number; now?: () => number } = {},
): GroupMembers {
  const ttlMs = options.ttlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { users: readonly string[]; at: number }>();
  const inFlight = new Map<string, Promise<readonly string[]>>();
  return async (group) => {
    const hit = cache.get(group);
    if (hit && now() - hit.at < ttlMs) return hit.users;
    const pending = inFlight.get(group);
    if (pending) return pending;
    const lookup = withTimeout(fetch(group), timeoutMs)
      .then((users) => {
        if (cache.size > 1_000) cache.clear();
        cache.set(group, { users, at: now() });
        return users;
      })
      .finally(() => inFlight.delete(group));
    inFlight.set(group, lookup);
    return lookup;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
