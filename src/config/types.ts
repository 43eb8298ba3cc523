import type { Resource } from 'i18next';
import type { Thresholds } from '../domain/types.js';
import type { Lang } from '../i18n/types.js';
import type { OffPeakWindow } from './off-peak.js';
import type { TtlRuleConfig } from './rule-schema.js';
import type { RawBurstSources, RawConfig } from './schema.js';

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
  /** The runbook the exported alerting rules link to (`runbook_url`); absent: the generic default. */
  runbookUrl?: string;
  /** The burst hunt's optional AWS sources (log groups, rule name filters, ECS services). */
  burst?: RawBurstSources;
  /** When approved TTL plans run; absent: at once (config/off-peak.ts). */
  offPeak?: OffPeakWindow;
  /** The order a TTL plan runs its rules: the runbook's (risk, then fewest keys) or the config's. */
  planOrder?: 'runbook' | 'config';
}

/** A channel's own language (wins over each user's Slack locale) and time zone (canonical IANA name). */
export interface ChannelLocale {
  lang?: Lang;
  timeZone?: string;
}

export interface MedicConfig {
  queue: { url: string; prefix: string; tls?: TlsConfig };
  /**
   * `apiUrl`: the Web API base URL from the file (SLACK_API_URL wins over it at start).
   * `channelLocales`: channel id → language / time zone (always set by parseConfig).
   */
  slack: {
    apiUrl?: string;
    channels: Record<string, string>;
    channelLocales?: Record<string, ChannelLocale>;
    devTeamChannel?: string;
  };
  watch: RawConfig['watch'];
  trend: RawConfig['trend'];
  incidents: RawConfig['incidents'];
  approvals: RawConfig['approvals'];
  /** The bot's own sampling, history, alerts and daily summary (defaults applied). */
  monitoring: RawConfig['monitoring'];
  defaultThresholds: Thresholds;
  clusters: ClusterConfig[];
  /** TTL remediation rules of the `rules:` section, validated, defaults applied. */
  rules: TtlRuleConfig[];
  /** Capacity advice: the node catalog override (absolute path) and the projection's days. */
  capacity?: { nodeCatalog?: string; horizonDays: number };
  /**
   * `i18n.overridesDir` resolved against the config file's folder, and its texts, read and checked
   * at load (unknown keys, namespaces, placeholders are config errors): merged over the shipped ones.
   */
  i18n?: { overridesDir: string; overrides: Resource };
}
