import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own redis-server(s) on free loopback ports, so files can run in parallel.
    pool: 'forks',
    // Two files at a time on CI's two cores (vitest's default there is one): most of a test's time is
    // spent waiting on redis-servers and child processes, and every test's budget already assumes a
    // busy machine.
    maxWorkers: 2,
    // The AWS SDK's Node-version warning (on Node < 22) is the operator's concern, not every test run's;
    // test/aws/node-version.test.ts checks it in child processes of its own.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // The reliability suite's fast cases save results; its setup writes docs/reliability.md on request.
    globalSetup: ['test/reliability/report-setup.ts'],
  },
});
