import type { Logger } from 'pino';
import type { ClusterConfig, MedicConfig } from '../config/types.js';
import type { I18n } from '../i18n/index.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { CensusService } from '../jobs/census-job.js';
import type { WatchService } from '../jobs/watch.js';
import type { StatusDeps } from '../status/check-status.js';

/** What the Slack front end needs from the rest of the bot; listeners get nothing else. */
export interface SlackServices {
  config: MedicConfig;
  i18n: I18n;
  logger: Logger;
  status: StatusDeps;
  incidents: IncidentStore;
  watches: WatchService;
  census: CensusService;
  cluster(name: string): ClusterConfig | undefined;
}
