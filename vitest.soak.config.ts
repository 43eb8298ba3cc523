import { defineConfig } from 'vitest/config';

// The long reliability runs (`npm run test:soak`): sizes come from RELIABILITY_* environment
// variables; the defaults are sized for a busy 2-core CI machine (about 5 minutes).
process.env.RELIABILITY_SUITE = 'soak';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.soak.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    env: { RELIABILITY_SUITE: 'soak' },
    pool: 'forks',
    // One scenario at a time: each one loads the machine on its own and measures under that load.
    fileParallelism: false,
    globalSetup: ['test/reliability/report-setup.ts'],
  },
});
