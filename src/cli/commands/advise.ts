import { writeFile } from 'node:fs/promises';
import { advise } from '../../capacity/advise.js';
import { adviseDeps, clusterRules } from '../../capacity/sources.js';
import { ErrorCode } from '../../errors.js';
import { proxySettings } from '../../net/proxy.js';
import { renderCapacityChart } from '../../presenters/capacity-chart.js';
import { capacityDoc } from '../../presenters/capacity-view.js';
import { docToMarkdown } from '../../presenters/message-doc.js';
import { policyDoc } from '../../presenters/policy-view.js';
import { connectTarget } from '../../redis/connect.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { withQueueRedis } from '../queue-redis.js';
import { snakeKeys } from '../render/snake-json.js';
import { configPath, loadCliConfig, requireCluster } from '../targets.js';

export interface AdviseCommandOptions {
  cluster: string;
  chart?: string;
  unthrottled?: boolean;
  json?: boolean;
  config?: string;
}

/**
 * `redis-medic advise --cluster NAME`: both analyses, printed as Markdown (or snake_case JSON).
 * Read-only: INFO, one paced walk of the keys, the rules' dry-runs (stored ones when fresh), AWS
 * Describe/List calls and CloudWatch. Changes are requested from Slack, behind approval.
 */
export async function adviseCommand(opts: AdviseCommandOptions, ctx: CliContext): Promise<number> {
  const path = configPath(opts, ctx);
  if (!path) throw new UsageError(ErrorCode.ConfigRequired);
  const config = loadCliConfig(path, ctx);
  const cluster = requireCluster(config, opts.cluster, ctx.lang);
  const rules = clusterRules(config, cluster.name);
  const conn = await connectTarget(cluster);
  try {
    const result = await withQueueRedis(config, (queue) =>
      advise(
        adviseDeps({
          config,
          cluster,
          conn,
          queue,
          proxy: proxySettings(ctx.env),
          ...(opts.unthrottled ? { throttle: false } : {}),
        }),
        {
          cluster,
          rules,
          horizonDays: config.capacity?.horizonDays,
          ...(opts.unthrottled ? { throttle: false } : {}),
        },
      ),
    );
    if (opts.chart !== undefined) {
      const png = await renderCapacityChart(result.capacity, ctx.t);
      if (png) await writeFile(opts.chart, png);
    }
    if (opts.json) {
      ctx.out(`${JSON.stringify(snakeKeys(result), null, 2)}\n`);
      return EXIT_OK;
    }
    const view = { t: ctx.t, lang: ctx.lang };
    ctx.out(`${docToMarkdown(capacityDoc(result.capacity, view))}\n\n`);
    ctx.out(`${docToMarkdown(policyDoc(result.policy, cluster.name, view))}\n`);
    return EXIT_OK;
  } finally {
    await conn.close();
  }
}
