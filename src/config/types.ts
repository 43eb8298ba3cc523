import type { Thresholds } from '../analysis/types.js';
import type { RawConfig } from './schema.js';

export interface Approvers {
  users: string[];
  groups: string[];
}

export interface AwsTargetConfig {
  region: string;
  replicationGroupId?: string;
  cacheNodeIds?: string[];
}

/** A Redis the bot inspects (and later remediates), with every default already applied. */
export interface ClusterConfig {
  name: string;
  url: string;
  username?: string;
  password?: string;
  mode: 'standalone' | 'cluster';
  aws?: AwsTargetConfig;
  thresholds: Thresholds;
  approvers: Approvers;
}

export interface MedicConfig {
  queue: { url: string; prefix: string };
  slack: { channels: Record<string, string>; devTeamChannel?: string };
  watch: RawConfig['watch'];
  trend: RawConfig['trend'];
  incidents: RawConfig['incidents'];
  defaultThresholds: Thresholds;
  clusters: ClusterConfig[];
}
