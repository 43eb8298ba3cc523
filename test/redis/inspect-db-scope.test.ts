// A target URL naming a DB scopes the key counts of status, monitoring and advice to that DB (the
// README's "`/N`: DB N only"); without one every DB counts. Memory is the server's either way.
import { expect } from 'vitest';
import { connectTarget } from '../../src/redis/connect.js';
import { inspectRedis } from '../../src/redis/inspect.js';
import { it } from '../support/fixtures.js';

it('counts only the URL’s DB when the URL names one, every DB otherwise', async ({ admin, localRedis }) => {
  await admin.flushall();
  await admin.mset('a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
  await admin.select(3);
  await admin.set('x', '1', 'EX', 600);
  await admin.set('y', '2');
  await admin.select(0);

  const scoped = await connectTarget({ name: 'db3', url: `${localRedis.url}/3`, mode: 'standalone' });
  const whole = await connectTarget({ name: 'all', url: localRedis.url, mode: 'standalone' });
  try {
    const inDb3 = await inspectRedis(scoped);
    expect(inDb3.keys).toBe(2);
    expect(inDb3.keysWithTtl).toBe(1);
    const everywhere = await inspectRedis(whole);
    expect(everywhere.keys).toBe(7);
    expect(everywhere.keysWithTtl).toBe(1);
    // Memory is one figure per server, whichever DB the URL names.
    expect(inDb3.maxmemoryBytes).toBe(everywhere.maxmemoryBytes);
  } finally {
    await scoped.close();
    await whole.close();
    await admin.flushall();
  }
});
