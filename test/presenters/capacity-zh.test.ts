/**
 * The capacity and policy reports as a Chinese reader gets them in Slack (mrkdwn, escaped) pass
 * the zh style rules, rendered from real-shaped data: the runbook's cost table and a policy walk
 * with both traps.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyAdvice } from '../../src/capacity/policy-advice.js';
import type { CapacityReport } from '../../src/capacity/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import { capacityDoc } from '../../src/presenters/capacity-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { policyDoc } from '../../src/presenters/policy-view.js';
import { zhStyleProblems } from '../support/zh-style.js';

const GIB = 1024 ** 3;
const i18n = createI18n({ strict: true });
const t = i18n.slack('zh');

const point = (day: number, bytes: number) => ({ day, baselineBytes: bytes, peakBytes: bytes * 1.4 });
const curve = (bytes: number) => Array.from({ length: 91 }, (_, d) => point(d, bytes - d * 1e6));

const report: CapacityReport = {
  cluster: 'luckyus-isales-market',
  at: '2026-02-12T14:35:00.000Z',
  horizonDays: 90,
  source: 'elasticache',
  elasticache: {
    replicationGroupId: 'luckyus-isales-market',
    region: 'us-east-1',
    status: 'available',
    nodeType: 'cache.t4g.medium',
    engine: 'redis',
    engineVersion: '7.1.0',
    clusterMode: false,
    shards: 1,
    nodes: 2,
    members: [],
    multiAz: true,
    automaticFailover: 'enabled',
    parameterGroup: {
      name: 'isales-redis7',
      isDefault: false,
      maxmemoryPolicy: 'volatile-lfu',
      policyFromGroup: true,
      reservedMemoryPercent: 25,
      reservedFromGroup: true,
    },
    scaleUpTargets: ['cache.m7g.large'],
    scaleDownTargets: [],
  },
  redis: {
    usedBytes: 1.42 * GIB,
    peakBytes: 2.07 * GIB,
    maxmemoryBytes: 2.32 * GIB,
    policy: 'volatile-lfu',
    evictedKeys: 0,
    keys: 6_658_630,
    keysWithTtl: 4_034_921,
    totalSystemMemoryBytes: 3.09 * GIB,
    shards: 1,
    configAllowed: false,
  },
  growth: { bytesPerDay: -2_000_000, source: 'cloudwatch', days: 14, points: [] },
  releases: [
    {
      rule: 'coupon-unread',
      action: 'set-missing',
      keys: 147_111,
      bytes: 0.2 * GIB,
      fromSec: 54 * 86_400,
      toSec: 60 * 86_400,
    },
  ],
  rows: [
    {
      nodeType: 'cache.t4g.medium',
      current: true,
      memoryGib: 3.09,
      maxmemoryBytes: 2.32 * GIB,
      maxmemoryEstimated: false,
      vcpu: 2,
      network: 'Up to 5 Gigabit',
      burstable: true,
      usdPerHourPerNode: 0.065,
      monthlyUsd: 94.9,
      deltaUsd: 0,
      deltaPct: 0,
    },
    {
      nodeType: 'cache.m7g.large',
      current: false,
      memoryGib: 6.38,
      maxmemoryBytes: 4.785 * GIB,
      maxmemoryEstimated: true,
      vcpu: 2,
      network: 'Up to 12.5 Gigabit',
      burstable: false,
      usdPerHourPerNode: 0.158,
      monthlyUsd: 230.68,
      deltaUsd: 135.78,
      deltaPct: 143,
    },
  ],
  unpriced: ['cache.c7gn.large', 'cache.x2gd.large'],
  sizing: {
    projections: [
      {
        nodeType: 'cache.t4g.medium',
        current: true,
        maxmemoryBytes: 2.32 * GIB,
        withRules: curve(1.42 * GIB),
        withoutRules: curve(1.42 * GIB),
        maxPeakPct: 85.7,
        maxPeakPctWithoutRules: 89.4,
      },
    ],
    recommendation: {
      kind: 'fix_ttls_first',
      reassessOn: '2026-02-26',
      reassessInDays: 14,
      freedBytes: 0.2 * GIB,
      peakPctAtReassess: 84.1,
      ifInsufficient: 'cache.m7g.large',
    },
    burstBytes: 0.65 * GIB,
    freedBytes: 0.2 * GIB,
  },
  cpuCredits: { latest: 30, perHour: -12, low: true, falling: true },
  catalog: { pricesAsOf: '2026-02-12', source: 'AWS ElastiCache on-demand pricing', hoursPerMonth: 730 },
  unknowns: ['cpu_credits', 'growth'],
  notes: [{ key: 'notes.aws_throttled', values: { action: 'cloudwatch:GetMetricData' } }],
};

const policy: PolicyAdvice = {
  policy: 'volatile-lfu',
  family: 'volatile',
  volatile: { keys: 4_034_921, bytes: 1.1 * GIB },
  allkeys: { keys: 6_658_630, bytes: 1.96 * GIB },
  withoutTtl: { keys: 2_623_709, bytes: 0.86 * GIB },
  patterns: [
    {
      pattern: 'contact:userGroupLabel:set:*',
      source: 'rule',
      rule: 'user-group-label',
      risk: 'medium',
      note: 'verify the group label rebuild logic first',
      keys: 177_450,
      keysWithoutTtl: 177_450,
      bytes: 0.1 * GIB,
      bytesWithoutTtl: 0.1 * GIB,
      hotness: { measure: 'lfu_freq', sampled: 20, median: 3, level: 'cold' },
    },
    {
      pattern: 'bull:*',
      source: 'queue',
      family: 'bullmq',
      risk: 'high',
      keys: 12,
      keysWithoutTtl: 12,
      bytes: 4096,
      bytesWithoutTtl: 4096,
    },
  ],
  volatileTrap: {
    keysWithoutTtl: 2_623_709,
    bytesWithoutTtl: 0.86 * GIB,
    evictableBytes: 1.1 * GIB,
    maxmemoryBytes: 2.32 * GIB,
  },
  allkeysTrap: {
    patterns: [
      {
        pattern: 'bull:*',
        source: 'queue',
        family: 'bullmq',
        risk: 'high',
        keys: 12,
        keysWithoutTtl: 12,
        bytes: 4096,
        bytesWithoutTtl: 4096,
      },
      {
        pattern: 'lock:*',
        source: 'queue',
        family: 'lock',
        risk: 'high',
        keys: 2,
        keysWithoutTtl: 0,
        bytes: 100,
        bytesWithoutTtl: 0,
      },
    ],
    keys: 14,
    bytes: 4196,
  },
  recommendation: { kind: 'keep_queues_present', alternative: 'allkeys-lfu' },
  complete: false,
};

describe('capacity and policy reports in Chinese', () => {
  it('pass the zh style rules as Slack shows them', () => {
    const texts = [
      docToMrkdwn(capacityDoc(report, { t, lang: 'zh', esc: escapeMrkdwn })),
      docToMrkdwn(policyDoc(policy, report.cluster, { t, lang: 'zh', esc: escapeMrkdwn })),
      // A URL naming one DB: the scope line and the server-wide trap.
      docToMrkdwn(
        policyDoc(
          { ...policy, scope: { db: 3, otherKeys: 23_642, otherKeysWithoutTtl: 23_642 } },
          report.cluster,
          { t, lang: 'zh', esc: escapeMrkdwn },
        ),
      ),
    ];
    for (const text of texts) {
      expect(
        zhStyleProblems(text, {
          mrkdwn: true,
          verbatim: ['luckyus-isales-market', 'verify the group label rebuild logic first'],
        }),
      ).toEqual([]);
    }
    expect(texts[0]).toContain('先修复 TTL，再于 2026-02-26 重新评估');
    expect(texts[1]).toContain('、');
  });
});
