/**
 * Slack under load for `npm run test:soak`: RELIABILITY_BURST commands in
 * RELIABILITY_BURST_WINDOW_MS, and RELIABILITY_STATUS_REPORTS status reports under 429s.
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { slackLoadSuites } from './slack-load.cases.js';

slackLoadSuites({
  burst: sizeFromEnv('RELIABILITY_BURST', { fast: 200, soak: 400, full: 400 }),
  burstWindowMs: sizeFromEnv('RELIABILITY_BURST_WINDOW_MS', { fast: 10_000, soak: 20_000 }),
  statusReports: sizeFromEnv('RELIABILITY_STATUS_REPORTS', { fast: 0, soak: 12, full: 30 }),
});
