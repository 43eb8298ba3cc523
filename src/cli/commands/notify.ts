import { SnapshotStore } from '../../census/snapshot-store.js';
import { channelTimeZone } from '../../config/load.js';
import type { ClusterConfig } from '../../config/types.js';
import { ErrorCode } from '../../errors.js';
import { AuditLog } from '../../incidents/audit-log.js';
import { IncidentStore } from '../../incidents/incident-store.js';
import { isDeadlinePast } from '../../notify/deadline.js';
import type { MemoryReading } from '../../notify/incident-facts.js';
import { type IncidentRef, loadIncidentFacts } from '../../notify/load-facts.js';
import { incidentMessage, langsOf, type MessageLangMode } from '../../presenters/incident-message.js';
import { docToMarkdown, docToMrkdwn } from '../../presenters/message-doc.js';
import { loadRulesFile, rulesContext } from '../../remediation/rules.js';
import { checkStatus } from '../../status/check-status.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { cliActor, configPath, loadCliConfig, requireCluster } from '../targets.js';

export interface NotifyCommandOptions {
  incident?: string;
  cluster?: string;
  config?: string;
  /** Rules file, as `ttl --rules`; default: the `rules:` section of the config. */
  rules?: string;
  lang?: MessageLangMode;
  format?: 'mrkdwn' | 'markdown';
  owner?: string;
  deadline?: string;
  summary?: string;
}

/**
 * `redis-medic notify`: the incident message for the application team, from the
 * incident record on the queue Redis, printed as Markdown (email, wiki) or Slack mrkdwn.
 */
export async function notifyCommand(opts: NotifyCommandOptions, ctx: CliContext): Promise<number> {
  if ((opts.incident === undefined) === (opts.cluster === undefined))
    throw new UsageError(ErrorCode.IncidentOrCluster);
  if (opts.deadline !== undefined && !isDate(opts.deadline))
    throw new UsageError(ErrorCode.BadDeadline, { value: opts.deadline });
  if (opts.deadline !== undefined && isDeadlinePast(opts.deadline))
    throw new UsageError(ErrorCode.DeadlinePast, { value: opts.deadline });
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadCliConfig(path, ctx);
  if (opts.cluster !== undefined) requireCluster(config, opts.cluster, ctx.lang);
  // The rules `ttl run --rules FILE` applied: without them the policy and code changes can't name them.
  const rules = opts.rules ? loadRulesFile(opts.rules, rulesContext(config, ctx.lang)) : config.rules;
  const ref: IncidentRef = opts.incident ? { incidentId: opts.incident } : { cluster: opts.cluster ?? '' };
  const prefix = config.queue.prefix;
  const loaded = await withQueueRedis(config, (redis) =>
    loadIncidentFacts(
      {
        incidents: new IncidentStore(redis, { prefix, idleHours: config.incidents.idleHours }),
        audit: new AuditLog(redis, { prefix }),
        snapshots: new SnapshotStore(redis, { prefix }),
        rules: (name) => rules.filter((r) => r.cluster === undefined || r.cluster === name),
      },
      ref,
    ),
  );
  if (!loaded) throw new UsageError(ErrorCode.UnknownIncident, { id: opts.incident ?? '' });
  // No memory reading on record (no incident, no status check): read it now, so the opening says
  // what memory is rather than assume it ran short.
  const target = config.clusters.find((c) => c.name === loaded.cluster);
  const reading = loaded.peak || !target ? undefined : await readMemory(target);
  const facts = reading ? { ...loaded, reading } : loaded;

  const flavor = opts.format === 'mrkdwn' ? 'slack' : 'markdown';
  const docs = langsOf(opts.lang ?? 'both').map((lang) =>
    incidentMessage(
      facts,
      lang,
      ctx.i18n,
      {
        author: cliActor(),
        targetPct: config.watch.targetPct,
        // Typed text, never turned into a mention (a team called `USA` is not user USA).
        ...(opts.owner ? { ownerText: opts.owner } : {}),
        ...(opts.deadline ? { deadline: opts.deadline } : {}),
        ...(opts.summary ? { summary: { en: opts.summary, zh: opts.summary } } : {}),
      },
      // Times as the application team reads them: the dev-team channel's zone when configured.
      { flavor, timeZone: channelTimeZone(config, config.slack.devTeamChannel) },
    ),
  );
  const render = opts.format === 'mrkdwn' ? docToMrkdwn : docToMarkdown;
  ctx.out(`${docs.map(render).join(opts.format === 'mrkdwn' ? '\n\n' : '\n---\n\n')}\n`);
  return EXIT_OK;
}

/** Memory % and level from INFO (no trend, short timeouts); undefined when the cluster can't be read. */
async function readMemory(target: ClusterConfig): Promise<MemoryReading | undefined> {
  try {
    const report = await checkStatus(target, { connect: { connectTimeoutMs: 3000, commandTimeoutMs: 3000 } });
    return {
      pct: report.redis.memoryPct,
      at: report.takenAt,
      level: report.level,
      warningPct: report.thresholds.warning,
    };
  } catch {
    return undefined;
  }
}

/** YYYY-MM-DD that is a real calendar date. */
export function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}
