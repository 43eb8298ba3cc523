/**
 * The allkeys-* trap names job-queue and lock keys; a key that merely has `lock` as a middle
 * segment (a user's "lock" preference) is not a lock and must not raise it.
 */
import { describe, expect } from 'vitest';
import { evictionPatterns } from '../../src/capacity/advise.js';
import { walkEvictability } from '../../src/capacity/eviction-walk.js';
import { test } from '../support/fixtures.js';

describe('lock patterns', () => {
  test('`user:lock:pref` is not a lock; `lock:order:42` and `order:42:lock` are', async ({
    admin,
    target,
  }) => {
    await admin.set('user:lock:pref', 'dark');
    await admin.set('lock:order:42', 'owner-a');
    await admin.set('order:42:lock', 'owner-b');
    const walk = await walkEvictability(target, evictionPatterns([], []), { throttle: false });
    const locks = walk.patterns.filter((p) => p.family === 'lock');
    expect(locks.reduce((s, p) => s + p.keys, 0)).toBe(2);
    expect(locks.flatMap((p) => p.sampleNames).sort()).toEqual(['lock:order:42', 'order:42:lock']);
  });
});
