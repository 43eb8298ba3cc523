// An IPv6 target (`redis://[::1]:6379`) is named as a URL writes it, `[::1]:6379`, in reports and
// errors: `::1:6379` does not say where the host ends and the port begins.
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';

describe('an IPv6 Redis URL', () => {
  it('a refused connection names [::1]:PORT', async () => {
    const port = await findFreePort();
    const run = await runCli(['status', '--redis', `redis://[::1]:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`[::1]:${port}`);
    expect(run.stderr).not.toMatch(new RegExp(`(^|[^[])::1:${port}`));
  });
});
