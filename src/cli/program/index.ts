import { registerAdvise } from './advise.js';
import { registerAudit } from './audit.js';
import { registerBurst } from './burst.js';
import { registerCheckConfig } from './check-config.js';
import { registerDemo } from './demo.js';
import { registerIncident } from './incident.js';
import { registerKeys } from './keys.js';
import { registerMonitoring } from './monitoring.js';
import { registerNotify } from './notify.js';
import type { RegisterCommand } from './options.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerTtl } from './ttl.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const cliCommands: readonly RegisterCommand[] = [
  registerStatus,
  registerDemo,
  registerKeys,
  registerTtl,
  registerServe,
  registerAudit,
  registerIncident,
  registerNotify,
  registerMonitoring,
  registerBurst,
  registerAdvise,
  registerCheckConfig,
];
