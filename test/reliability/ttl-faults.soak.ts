/**
 * Soak TTL fault cases for `npm run test:soak`: RELIABILITY_KILL_RUNS kills at random pages (20 by
 * default), RELIABILITY_PROXY_RUNS runs with a dropped or a stalled connection in turn, over RELIABILITY_TTL_KEYS keys.
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { ttlFaultSuites } from './ttl-faults.cases.js';

ttlFaultSuites({
  keys: sizeFromEnv('RELIABILITY_TTL_KEYS', { fast: 6_000, soak: 8_000, full: 50_000 }),
  killRuns: sizeFromEnv('RELIABILITY_KILL_RUNS', { fast: 2, soak: 20, full: 50 }),
  proxyRuns: sizeFromEnv('RELIABILITY_PROXY_RUNS', { fast: 1, soak: 4, full: 20 }),
});
