/** Worker resources for `npm test`: a small keyspace, a few repeats (see resources.cases.ts). */
import { resourceSuites } from './resources.cases.js';

resourceSuites({ keys: 50_000, repeats: 3 });
