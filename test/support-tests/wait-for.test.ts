/**
 * The tests' one wait helper: it hands back the value once there is one, fails after its budget
 * naming what it waited for, and ends at once on an error unless told errors mean "not yet".
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';

describe('waitFor', () => {
  it('polls until the callback has a value and returns it; false and undefined mean not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      'the third call',
      () => {
        calls += 1;
        if (calls === 1) return false;
        return calls >= 3 ? { calls } : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('fails after its budget, naming what it waited for and the budget', async () => {
    const started = Date.now();
    await expect(
      waitFor('the replica to sync', async () => false, { timeoutMs: 100, intervalMs: 5 }),
    ).rejects.toThrow('timed out after 100 ms waiting for the replica to sync');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('an error ends the wait at once; with ignoreErrors it is "not yet"', async () => {
    let calls = 0;
    await expect(
      waitFor(
        'x',
        () => {
          calls += 1;
          throw new Error('connection refused');
        },
        10_000,
      ),
    ).rejects.toThrow('connection refused');
    expect(calls).toBe(1);

    let tries = 0;
    const ok = await waitFor(
      'a node that is still starting',
      async () => {
        tries += 1;
        if (tries < 3) throw new Error('LOADING');
        return true;
      },
      { timeoutMs: 5_000, intervalMs: 1, ignoreErrors: true },
    );
    expect(ok).toBe(true);
    expect(tries).toBe(3);
  });
});
