/** Hostile config files and rule patterns for `npm run test:soak`: RELIABILITY_FUZZ_CASES of each (10,000 by default). */
import { sizeFromEnv } from '../support/reliability-report.js';
import { hostileConfigSuites } from './hostile-config.cases.js';

hostileConfigSuites({
  cases: sizeFromEnv('RELIABILITY_FUZZ_CASES', { fast: 300, soak: 10_000, full: 10_000 }),
});
