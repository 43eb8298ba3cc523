import { defineConfig } from 'vitest/config';

// The long reliability runs (`npm run test:soak`): sizes come from RELIABILITY_* environment
// variables; the defaults are sized for a busy 2-core CI machine (about 5 minutes), and
// RELIABILITY_PROFILE=full runs the full sizes (10,000 fuzz cases a kind, 5 M keys).
process.env.RELIABILITY_SUITE = 'soak';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.soak.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    env: { RELIABILITY_SUITE: 'soak', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    // Two files at a time, like CI's two cores: every scenario holds under the other's load.
    maxWorkers: 2,
    globalSetup: ['test/reliability/report-setup.ts'],
  },
});
