import type { Thresholds } from '../analysis/types.js';
import type { TtlRuleConfig } from './rule-schema.js';
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

/**
 * TLS to a `rediss://` Redis, with the PEM files already read (at start: a missing file is a config
 * error, not a failure at 3 a.m.). `files` keeps the paths for logs; the contents never get logged.
 */
export interface TlsConfig {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** SNI and the name the certificate must carry, when it differs from the URL's host. */
  servername?: string;
  /** Verification off (self-signed test setups): logged as a warning at start and noted in reports. */
  insecure: boolean;
  files: { ca?: string; cert?: string; key?: string };
}

/** A Redis the bot inspects (and later remediates), with every default already applied. */
export interface ClusterConfig {
  name: string;
  url: string;
  username?: string;
  password?: string;
  mode: 'standalone' | 'cluster';
  tls?: TlsConfig;
  aws?: AwsTargetConfig;
  thresholds: Thresholds;
  approvers: Approvers;
}

export interface MedicConfig {
  queue: { url: string; prefix: string; tls?: TlsConfig };
  /** `apiUrl`: the Web API base URL from the file (SLACK_API_URL wins over it at start). */
  slack: { apiUrl?: string; channels: Record<string, string>; devTeamChannel?: string };
  watch: RawConfig['watch'];
  trend: RawConfig['trend'];
  incidents: RawConfig['incidents'];
  approvals: RawConfig['approvals'];
  defaultThresholds: Thresholds;
  clusters: ClusterConfig[];
  /** TTL remediation rules of the `rules:` section, validated, defaults applied. */
  rules: TtlRuleConfig[];
}
