import type { SlackServices } from '../../services.js';
import type { MedicApp } from '../types.js';
import { registerRedisAuditCommand } from './redis-audit.js';
import { INCIDENT_LANG_WAIT_MS, registerRedisIncidentCommand } from './redis-incident.js';
import { registerRedisKeysCommand } from './redis-keys.js';
import { registerRedisMonitoringCommand } from './redis-monitoring.js';
import { NOTIFY_LANG_WAIT_MS, registerRedisNotify } from './redis-notify.js';
import { registerRedisStatusCommand } from './redis-status.js';
import { registerRedisTtlCommand } from './redis-ttl.js';

/** Every slash command the app answers: a command is its file in this folder and a line here. */
export const slashCommands: ReadonlyArray<(app: MedicApp, s: SlackServices) => void> = [
  registerRedisStatusCommand,
  registerRedisKeysCommand,
  registerRedisTtlCommand,
  registerRedisAuditCommand,
  registerRedisNotify,
  registerRedisMonitoringCommand,
  registerRedisIncidentCommand,
];

/** Commands that open a modal wait for the person's language at most this long (a trigger id lives 3 s). */
export const commandLangWaitMs: Readonly<Record<string, number>> = {
  '/redis-notify': NOTIFY_LANG_WAIT_MS,
  '/redis-incident': INCIDENT_LANG_WAIT_MS,
};
