import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own redis-server(s) on free loopback ports, so files can run in parallel.
    pool: 'forks',
    // The reliability suite's fast cases save results; its setup writes docs/reliability.md on request.
    globalSetup: ['test/reliability/report-setup.ts'],
  },
});
