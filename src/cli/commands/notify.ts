import { SnapshotStore } from '../../census/snapshot-store.js';
import { channelTimeZone } from '../../config/load.js';
import { ErrorCode } from '../../errors.js';
import { formatList } from '../../i18n/format.js';
import { AuditLog } from '../../incidents/audit-log.js';
import { IncidentStore } from '../../incidents/incident-store.js';
import { type IncidentRef, loadIncidentFacts } from '../../notify/load-facts.js';
import { incidentMessage, langsOf, type MessageLangMode } from '../../presenters/incident-message.js';
import { docToMarkdown, docToMrkdwn } from '../../presenters/message-doc.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { cliActor, configPath, loadCliConfig } from '../targets.js';

export interface NotifyCommandOptions {
  incident?: string;
  cluster?: string;
  config?: string;
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
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadCliConfig(path, ctx);
  if (opts.cluster !== undefined && !config.clusters.some((c) => c.name === opts.cluster)) {
    throw new UsageError(ErrorCode.ClusterNotInConfig, {
      name: opts.cluster,
      known: formatList(
        config.clusters.map((c) => c.name),
        ctx.lang,
      ),
    });
  }
  const ref: IncidentRef = opts.incident ? { incidentId: opts.incident } : { cluster: opts.cluster ?? '' };
  const prefix = config.queue.prefix;
  const facts = await withQueueRedis(config, (redis) =>
    loadIncidentFacts(
      {
        incidents: new IncidentStore(redis, { prefix, idleHours: config.incidents.idleHours }),
        audit: new AuditLog(redis, { prefix }),
        snapshots: new SnapshotStore(redis, { prefix }),
        rules: (name) => config.rules.filter((r) => r.cluster === undefined || r.cluster === name),
      },
      ref,
    ),
  );
  if (!facts) throw new UsageError(ErrorCode.UnknownIncident, { id: opts.incident ?? '' });

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
