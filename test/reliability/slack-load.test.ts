/** Slack under load for `npm test`: the burst (200 commands in 10 s); the 429 run is in the soak. */
import { slackLoadSuites } from './slack-load.cases.js';

slackLoadSuites({ burst: 200, burstWindowMs: 10_000, statusReports: 0 });
