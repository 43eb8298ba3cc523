/**
 * Soak TTL fault cases for `npm run test:soak`: RELIABILITY_KILL_RUNS kills at random pages (20 by
 * default), RELIABILITY_FAULT_RUNS runs with a dropped connection, a stalled one or a queue Redis restart in turn, over RELIABILITY_TTL_KEYS keys.
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { ttlFaultSuites } from './ttl-faults.cases.js';

ttlFaultSuites({
  keys: sizeFromEnv('RELIABILITY_TTL_KEYS', { fast: 6_000, soak: 8_000, full: 50_000 }),
  killRuns: sizeFromEnv('RELIABILITY_KILL_RUNS', { fast: 2, soak: 20, full: 50 }),
  faultRuns: sizeFromEnv('RELIABILITY_FAULT_RUNS', { fast: 1, soak: 6, full: 30 }),
});
