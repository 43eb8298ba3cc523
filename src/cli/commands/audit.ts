import { ErrorCode } from '../../errors.js';
import { formatDateTime } from '../../i18n/format.js';
import type { Lang, Translate } from '../../i18n/types.js';
import { type AuditEntry, AuditLog } from '../../incidents/audit-log.js';
import { auditCountsText, auditReasonText } from '../../presenters/audit-text.js';
import { displayWidth, padEndDisplay } from '../../presenters/text-layout.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { snakeKeys } from '../render/snake-json.js';
import { configPath, loadCliConfig, requireCluster } from '../targets.js';

export interface AuditCommandOptions {
  cluster?: string;
  limit?: number;
  json?: boolean;
  config?: string;
}

/** `redis-medic audit`: the audit log on the queue Redis, newest first, as a table or JSON. */
export async function auditCommand(opts: AuditCommandOptions, ctx: CliContext): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadCliConfig(path, ctx);
  if (opts.cluster !== undefined) requireCluster(config, opts.cluster, ctx.lang);
  const entries: AuditEntry[] = await withQueueRedis(config, (redis) =>
    new AuditLog(redis, { prefix: config.queue.prefix }).list({
      ...(opts.cluster ? { cluster: opts.cluster } : {}),
      limit: opts.limit ?? 50,
    }),
  );
  if (opts.json) {
    ctx.out(`${JSON.stringify(snakeKeys({ entries }), null, 2)}\n`);
    return EXIT_OK;
  }
  ctx.out(renderAuditTable(entries, ctx.t, ctx.lang));
  return EXIT_OK;
}

/** Columns: time, who, action, cluster, rule, counts, reason, incident. */
export function renderAuditTable(entries: AuditEntry[], t: Translate, lang: Lang): string {
  if (entries.length === 0) return `${t('approval:cli.empty')}\n`;
  const header = ['at', 'actor', 'action', 'cluster', 'rule', 'counts', 'reason', 'incident'].map((c) =>
    t(`approval:cli.col.${c}`),
  );
  const rows = entries.map((e) => [
    formatDateTime(new Date(e.at), lang),
    e.actor,
    t(`approval:audit.action.${e.action}`),
    e.cluster || '—',
    e.rule ?? (e.channel ? `#${e.channel}` : ''),
    e.counts ? auditCountsText(t, lang, e.counts) : '',
    e.reason ? auditReasonText(t, e.reason) : '',
    e.incidentId ?? '',
  ]);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padEndDisplay(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
