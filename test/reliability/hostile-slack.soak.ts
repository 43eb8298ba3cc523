/**
 * Hostile Slack input for `npm run test:soak`: RELIABILITY_FUZZ_CASES cases of each kind; 1,000 by
 * default (each is a signed HTTP request the bot answers), 10,000 with RELIABILITY_PROFILE=full.
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { hostileSlackSuites } from './hostile-slack.cases.js';

hostileSlackSuites({
  cases: sizeFromEnv('RELIABILITY_FUZZ_CASES', { fast: 300, soak: 1_000, full: 10_000 }),
});
