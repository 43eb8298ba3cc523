import type { CensusResult, PatternStats } from '../../src/census/types.js';
import type { Incident, TimelineEntry } from '../../src/incidents/incident-store.js';
import type { TtlRule } from '../../src/remediation/types.js';

/**
 * The runbook's incident (iSales market cache, 2026-02-12) as an incident record: the four TTL
 * rules, a census, and a timeline from the first status check to the end of the watch.
 */
export const CLUSTER = 'isales-market';
export const REQUESTER = 'U07REQ1ST';
export const APPROVER = 'U07APPROV';

export const incident: Incident = {
  id: '20260212-1410-k3f9',
  cluster: CLUSTER,
  channel: 'C0MARKET',
  threadTs: '1770905400.000100',
  openedBy: REQUESTER,
  openedAt: '2026-02-12T14:10:00.000Z',
};

const MiB = 1024 * 1024;

function pattern(
  name: string,
  keys: number,
  keysWithoutTtl: number,
  bytes: number,
  source: PatternStats['source'] = 'inferred',
): PatternStats {
  return {
    pattern: name,
    source,
    keys,
    keysWithoutTtl,
    bytes,
    ttlBuckets: {
      none: keysWithoutTtl,
      lt1h: 0,
      lt1d: 0,
      lt7d: 0,
      lt30d: 0,
      lt90d: 0,
      ge90d: keys - keysWithoutTtl,
    },
    types: { string: keys },
    largest: [],
  };
}

export const patterns = {
  coupon: pattern('MARKETING:COUPON:UNREAD:*', 147_111, 147_111, 512 * MiB),
  groupLabel: pattern('contact:userGroupLabel:set:*', 177_450, 177_450, 300 * MiB),
  price: pattern('exchange:coupon:high:commodity:price:*', 473, 473, 2 * MiB),
  lastActivity: pattern('contact:last:activity:*', 374_639, 0, 700 * MiB),
  session: pattern('tmp:session:*', 5_000, 4_000, 8 * MiB),
  /** A key name is user data: it must never ping anyone. */
  evil: pattern('evil:<!channel>:*', 10, 10, 4096),
};

export const census: CensusResult & { snapshotId: string } = {
  snapshotId: '20260212T142200Z',
  cluster: CLUSTER,
  startedAt: '2026-02-12T14:21:00.000Z',
  finishedAt: '2026-02-12T14:22:00.000Z',
  scannedKeys: 2_623_709,
  dbsize: 2_623_709,
  sampled: false,
  fraction: 1,
  totalKeys: 2_623_709,
  totalKeysWithoutTtl: 329_044,
  totalBytes: 1600 * MiB,
  bytesEstimated: false,
  patterns: Object.values(patterns),
  overflowFolded: 0,
  durationMs: 60_000,
  keysPerSec: 43_000,
  vanished: 0,
  throttlePauses: 0,
};

const rule = (r: Partial<TtlRule> & Pick<TtlRule, 'name' | 'match' | 'ttlSec'>): TtlRule => ({
  action: 'set-missing',
  jitter: 0.1,
  includeMissing: false,
  allowBroad: false,
  risk: 'low',
  ...r,
});

export const rules: TtlRule[] = [
  rule({
    name: 'coupon-unread',
    match: 'MARKETING:COUPON:UNREAD:*',
    ttlSec: 60 * 86_400,
    note: 'read-heavy, regenerated on coupon events',
  }),
  rule({
    name: 'user-group-label',
    match: 'contact:userGroupLabel:set:*',
    ttlSec: 30 * 86_400,
    risk: 'medium',
  }),
  rule({ name: 'exchange-price', match: 'exchange:coupon:high:commodity:price:*', ttlSec: 7 * 86_400 }),
  rule({ name: 'last-activity', match: 'contact:last:activity:*', ttlSec: 90 * 86_400, action: 'cap' }),
  rule({ name: 'other-cluster', match: 'x:*', ttlSec: 3600, cluster: 'elsewhere' }),
];

const at = (hhmm: string) => `2026-02-12T${hhmm}:00.000Z`;

export const timeline: TimelineEntry[] = [
  { at: at('14:10'), kind: 'opened', actor: REQUESTER },
  {
    at: at('14:10'),
    kind: 'status',
    actor: REQUESTER,
    data: { memoryPct: 87.1, verdict: 'critical', keysWithoutTtl: 2_623_709 },
  },
  {
    at: at('14:16'),
    kind: 'status',
    actor: REQUESTER,
    data: { memoryPct: 89.4, verdict: 'emergency', keysWithoutTtl: 2_623_700 },
  },
  {
    at: at('14:18'),
    kind: 'status',
    actor: APPROVER,
    data: { memoryPct: 88.9, verdict: 'critical', keysWithoutTtl: 2_623_000 },
  },
  {
    at: at('14:19'),
    kind: 'status',
    actor: APPROVER,
    data: { memoryPct: 88.2, verdict: 'critical', keysWithoutTtl: 2_622_000 },
  },
  { at: at('14:21'), kind: 'census_requested', actor: REQUESTER },
  {
    at: at('14:22'),
    kind: 'census',
    actor: REQUESTER,
    data: {
      snapshot: census.snapshotId,
      keys: 2_623_709,
      keysWithoutTtl: 329_044,
      bytes: 1600 * MiB,
      sampled: false,
    },
  },
  {
    at: at('14:24'),
    kind: 'ttl_dry_run',
    actor: REQUESTER,
    data: { rule: 'coupon-unread', dryRun: 'd1', matched: 147_111, toChange: 147_111 },
  },
  {
    at: at('14:25'),
    kind: 'ttl_approval_requested',
    actor: REQUESTER,
    data: { rule: 'coupon-unread', request: 'r1', toChange: 147_111 },
  },
  {
    at: at('14:26'),
    kind: 'ttl_refused',
    actor: REQUESTER,
    data: { rule: 'coupon-unread', request: 'r1', reason: 'self_approval' },
  },
  {
    at: at('14:27'),
    kind: 'ttl_approved',
    actor: APPROVER,
    data: { rule: 'coupon-unread', request: 'r1', run: 'run1', recounted: 147_111 },
  },
  { at: at('14:27'), kind: 'ttl_run_started', actor: APPROVER, data: { run: 'run1', rule: 'coupon-unread' } },
  {
    at: at('14:31'),
    kind: 'ttl_run_finished',
    actor: 'job',
    data: { run: 'run1', rule: 'coupon-unread', changed: 147_111, remainingWithoutTtl: 0 },
  },
  {
    at: at('14:32'),
    kind: 'watch_started',
    actor: REQUESTER,
    data: { targetPct: 75, intervalMinutes: 5, maxHours: 6 },
  },
  {
    at: at('15:02'),
    kind: 'status',
    actor: REQUESTER,
    data: { memoryPct: 80.3, verdict: 'warning', keysWithoutTtl: 2_475_000 },
  },
  // Shapes as the writers store them: a Refresh is a status reading; a failed run carries its code.
  { at: at('15:20'), kind: 'refresh', actor: APPROVER, data: { memoryPct: 78.2, verdict: 'warning' } },
  {
    at: at('15:30'),
    kind: 'ttl_run_failed',
    actor: 'job',
    data: { run: 'run2', rule: 'user-group-label', code: 'redis_timeout' },
  },
  { at: at('16:40'), kind: 'watch_ended', data: { end: 'reached', memoryPct: 74.6, targetPct: 75 } },
];
