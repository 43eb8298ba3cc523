/** Fast TTL fault cases for `npm test`: a couple of kills, one drop and one stall (see ttl-faults.cases.ts). */
import { sizeFromEnv } from '../support/reliability-report.js';
import { ttlFaultSuites } from './ttl-faults.cases.js';

ttlFaultSuites({
  keys: sizeFromEnv('RELIABILITY_TTL_KEYS', { fast: 10_000, soak: 20_000 }),
  killRuns: 2,
  proxyRuns: 1,
});
