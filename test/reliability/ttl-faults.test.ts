/** Fast TTL fault cases for `npm test`: two kills and one dropped connection (see ttl-faults.cases.ts). */
import { ttlFaultSuites } from './ttl-faults.cases.js';

ttlFaultSuites({ keys: 3_000, killRuns: 2, faultRuns: 1 });
