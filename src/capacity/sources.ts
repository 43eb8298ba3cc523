/**
 * Where a front end's advice gets its inputs: the cluster's rules, each rule's dry-run (a stored
 * one up to a day old, else a fresh read-only walk), the bot's own memory samples and
 * the latest census's patterns on the queue Redis, the AWS clients when the cluster names AWS.
 */
import type { Redis } from 'ioredis';
import { createAwsClients } from '../aws/cloudwatch-trend.js';
import { SnapshotStore } from '../census/snapshot-store.js';
import type { ClusterConfig, MedicConfig } from '../config/types.js';
import type { ThrottleOptions } from '../keyspace/pacing/throttle.js';
import { HistoryStore } from '../monitoring/history-store.js';
import type { ProxySettings } from '../net/proxy.js';
import type { TargetConnection } from '../redis/connect.js';
import { DryRunStore, dryRun } from '../remediation/dry-run.js';
import type { TtlRule } from '../remediation/types.js';
import type { AdviseDeps } from './advise.js';
import { loadNodeCatalog } from './node-catalog.js';

/** How old a stored dry-run may be to size from (an approval still needs its own fresh one). */
export const STORED_DRY_RUN_MAX_AGE_MS = 24 * 3_600_000;

/** The config's rules that apply to the cluster (none is fine: sizing then projects no fixes). */
export function clusterRules(config: MedicConfig, cluster: string): TtlRule[] {
  return config.rules.filter((r) => r.cluster === undefined || r.cluster === cluster);
}

export function adviseDeps(input: {
  config: MedicConfig;
  cluster: ClusterConfig;
  conn: TargetConnection;
  /** The queue Redis (stored dry-runs, history, census); absent: fresh dry-runs, no history. */
  queue?: Redis;
  proxy?: ProxySettings;
  throttle?: ThrottleOptions | false;
  now?: () => Date;
}): AdviseDeps {
  const { config, cluster, conn, queue } = input;
  const prefix = config.queue.prefix;
  const dryRuns = queue ? new DryRunStore(queue, { prefix }) : undefined;
  const maxAgeMs = Math.max(config.approvals.dryRunMaxAgeMinutes * 60_000, STORED_DRY_RUN_MAX_AGE_MS);
  const now = input.now ?? (() => new Date());
  const aws =
    cluster.aws !== undefined
      ? createAwsClients(cluster.aws.region, { ...(input.proxy ? { proxy: input.proxy } : {}) })
      : undefined;
  return {
    conn,
    ...(aws ? { aws } : {}),
    catalog: loadNodeCatalog(config.capacity?.nodeCatalog),
    ...(queue ? { history: new HistoryStore(queue, { prefix }) } : {}),
    dryRunOf: async (rule) => {
      const stored = await dryRuns?.latest(cluster.name, rule.name).catch(() => undefined);
      // Sizing is a forecast, not an approval: a stored dry-run up to a day old is close enough,
      // and each fresh one is a walk of the whole keyspace (minutes on millions of keys).
      if (stored?.complete && now().getTime() - Date.parse(stored.at) <= maxAgeMs) return stored;
      return dryRun(conn, rule, {
        cluster: cluster.name,
        ...(input.throttle !== undefined ? { throttle: input.throttle } : {}),
      });
    },
    ...(queue
      ? {
          censusPatterns: async () => {
            const store = new SnapshotStore(queue, { prefix });
            const id = await store.latestId(cluster.name);
            const result = id ? await store.get(cluster.name, id) : undefined;
            return (result?.patterns ?? []).filter((p) => p.source !== 'overflow').map((p) => p.pattern);
          },
        }
      : {}),
  };
}
