import type { ClusterConfig, MedicConfig } from '../config/types.js';
import { truncate } from '../i18n/mrkdwn.js';

export type ClusterArgs =
  | { kind: 'cluster'; cluster: ClusterConfig }
  | { kind: 'help'; problemKey?: string; problemValues?: Record<string, string> };

/**
 * `/redis-status [cluster]`, `/redis-keys [cluster]`: no argument means the channel's cluster (or the only one configured);
 * anything else that isn't exactly one known cluster name gets the help.
 */
export function parseClusterArgs(
  text: string | undefined,
  config: MedicConfig,
  channelId: string,
): ClusterArgs {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    const name =
      config.slack.channels[channelId] ??
      (config.clusters.length === 1 ? config.clusters[0]?.name : undefined);
    const cluster = config.clusters.find((c) => c.name === name);
    return cluster ? { kind: 'cluster', cluster } : { kind: 'help', problemKey: 'slack:help.no_default' };
  }
  if (words.length === 1 && (words[0] === 'help' || words[0] === '-h' || words[0] === '--help'))
    return { kind: 'help' };
  if (words.length > 1) {
    return {
      kind: 'help',
      problemKey: 'slack:help.too_many_args',
      problemValues: { text: truncate(words.join(' '), 100) },
    };
  }
  const cluster = config.clusters.find((c) => c.name === words[0]);
  if (!cluster)
    return {
      kind: 'help',
      problemKey: 'slack:help.unknown_cluster',
      problemValues: { name: truncate(words[0] ?? '', 100) },
    };
  return { kind: 'cluster', cluster };
}
