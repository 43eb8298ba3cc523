import type { ClusterConfig, MedicConfig } from '../config/types.js';
import { truncate } from '../i18n/mrkdwn.js';

/** What a slash command takes after its optional cluster name. */
export interface ArgsShape {
  /** Words allowed after the cluster (a rule name for `/redis-ttl`); default none. */
  rest?: number;
  /** `all` (or no argument outside a cluster's channel) means every cluster. */
  all?: boolean;
}

export type ClusterArgs =
  | { kind: 'cluster'; cluster: ClusterConfig; rest: string[] }
  | { kind: 'all'; rest: string[] }
  | { kind: 'help'; problemKey?: string; problemValues?: Record<string, string> };

/**
 * `/redis-<command> [cluster] …` for every slash command. No cluster named means the channel's
 * cluster (or the only one configured; every cluster where the command takes `all`). A first word
 * that is no cluster is taken as the rest when the channel has a cluster; anything else that doesn't
 * fit gets the help, saying what was wrong.
 */
export function parseClusterArgs(
  text: string | undefined,
  config: MedicConfig,
  channelId: string,
  shape: ArgsShape = {},
): ClusterArgs {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const maxRest = shape.rest ?? 0;
  const byName = (name: string | undefined) => config.clusters.find((c) => c.name === name);
  const channelCluster = config.slack.channels[channelId];
  const fallback = byName(
    channelCluster ?? (!shape.all && config.clusters.length === 1 ? config.clusters[0]?.name : undefined),
  );
  if (words.length === 1 && ['help', '-h', '--help'].includes(words[0] ?? '')) return { kind: 'help' };
  if (words.length === 0) {
    if (fallback) return { kind: 'cluster', cluster: fallback, rest: [] };
    return shape.all ? { kind: 'all', rest: [] } : { kind: 'help', problemKey: 'slack:help.no_default' };
  }
  if (words.length > 1 + maxRest) {
    return {
      kind: 'help',
      problemKey: 'slack:help.too_many_args',
      problemValues: { text: truncate(words.join(' '), 100) },
    };
  }
  const [first = '', ...rest] = words;
  if (shape.all && words.length === 1 && first === 'all') return { kind: 'all', rest: [] };
  const named = byName(first);
  if (named) return { kind: 'cluster', cluster: named, rest };
  if (fallback && words.length <= maxRest) return { kind: 'cluster', cluster: fallback, rest: words };
  return {
    kind: 'help',
    problemKey: 'slack:help.unknown_cluster',
    problemValues: { name: truncate(first, 100) },
  };
}
