/**
 * Hostile Slack input for `npm run test:soak`: RELIABILITY_FUZZ_CASES cases of each kind; 10,000 by
 * default (each a signed HTTP request the bot answers).
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { hostileSlackSuites } from './hostile-slack.cases.js';

hostileSlackSuites({
  cases: sizeFromEnv('RELIABILITY_FUZZ_CASES', { fast: 300, soak: 10_000, full: 10_000 }),
});
