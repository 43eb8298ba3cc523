/** Fast TTL fault cases for `npm test`: two kills, one drop and one stall (see ttl-faults.cases.ts). */
import { ttlFaultSuites } from './ttl-faults.cases.js';

ttlFaultSuites({ keys: 6_000, killRuns: 2, proxyRuns: 1 });
