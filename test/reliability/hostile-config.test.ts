/** Hostile config files and rule patterns for `npm test`: 300 of each (see hostile-config.cases.ts). */
import { hostileConfigSuites } from './hostile-config.cases.js';

hostileConfigSuites({ cases: 300 });
