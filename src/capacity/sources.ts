/**
 * Where a front end's advice gets its inputs: the cluster's rules, each rule's dry-run (a stored
 * one young enough to approve from, else a fresh read-only walk), the bot's own memory samples and
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
  const maxAgeMs = config.approvals.dryRunMaxAgeMinutes * 60_000;
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
      // Same freshness as an approval needs: older counts may no longer describe the keyspace.
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
