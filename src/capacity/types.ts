/** The capacity and eviction-policy advice as data: what the presenters word for Slack and the terminal. */
import type { ElastiCacheFacts } from '../aws/elasticache-facts.js';
import type { Note, TrendPoint } from '../domain/types.js';
import type { CostRow } from './cost-table.js';
import type { PolicyAdvice } from './policy-advice.js';
import type { RuleRelease } from './projection.js';
import type { CpuCreditsState, Sizing } from './sizing.js';

/** Something the advice could not know on this deployment, as an i18n key suffix. */
export type Unknown =
  | 'node_type'
  | 'prices'
  | 'allowed_node_types'
  | 'parameter_group'
  | 'growth'
  | 'cpu_credits'
  | 'config_command'
  | 'maxmemory_unset';

export interface RedisMemoryFacts {
  usedBytes: number;
  peakBytes: number;
  maxmemoryBytes: number;
  policy: string;
  evictedKeys: number;
  keys: number;
  keysWithTtl: number;
  /** Host memory (INFO total_system_memory): the ceiling of a self-hosted server. */
  totalSystemMemoryBytes: number;
  /** Primaries read; sizing uses the fullest one, since one full shard is enough to refuse writes. */
  shards: number;
  /** CONFIG GET answered (self-hosted: a policy change by CONFIG SET is possible). */
  configAllowed: boolean;
  /** The server's engine (INFO server): a self-hosted report names it. @defaultValue redis */
  engine?: 'redis' | 'valkey';
}

export interface Growth {
  bytesPerDay: number;
  source: 'cloudwatch' | 'history' | 'none';
  /** Days the points span. */
  days: number;
  points: TrendPoint[];
}

export interface CapacityReport {
  cluster: string;
  at: string;
  horizonDays: number;
  source: 'elasticache' | 'self_hosted';
  elasticache?: ElastiCacheFacts;
  redis: RedisMemoryFacts;
  growth: Growth;
  releases: RuleRelease[];
  rows: CostRow[];
  /** Allowed larger node types the catalog has no price for. */
  unpriced: string[];
  sizing: Sizing;
  cpuCredits?: CpuCreditsState;
  catalog: { pricesAsOf: string; source: string; hoursPerMonth: number };
  unknowns: Unknown[];
  notes: Note[];
}

export interface Advice {
  capacity: CapacityReport;
  policy: PolicyAdvice;
}
