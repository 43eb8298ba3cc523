/** Hostile Slack input for `npm test`: 300 cases of each kind (see hostile-slack.cases.ts). */
import { hostileSlackSuites } from './hostile-slack.cases.js';

hostileSlackSuites({ cases: 300 });
