/**
 * Worker resources for `npm run test:soak`: RELIABILITY_RESOURCE_KEYS keys (500 K by default, sized
 * for the CI budget; 5 M with RELIABILITY_PROFILE=full) and RELIABILITY_RESOURCE_REPEATS census +
 * TTL-run pairs (10).
 */
import { sizeFromEnv } from '../support/reliability-report.js';
import { resourceSuites } from './resources.cases.js';

resourceSuites({
  keys: sizeFromEnv('RELIABILITY_RESOURCE_KEYS', { fast: 50_000, soak: 500_000, full: 5_000_000 }),
  repeats: sizeFromEnv('RELIABILITY_RESOURCE_REPEATS', { fast: 3, soak: 10, full: 10 }),
});
