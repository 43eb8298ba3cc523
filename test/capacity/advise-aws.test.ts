/**
 * Sizing of an ElastiCache cluster end to end: ElastiCache and CloudWatch stubbed with
 * aws-sdk-client-mock (response shapes from the API reference), Redis real. The growth rate comes
 * from BytesUsedForCache of the current primary, the CPU-credit warning from CPUCreditBalance, the
 * cost table from the node catalog, and the report words it all.
 */
import 'aws-sdk-client-mock-vitest/extend';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListAllowedNodeTypeModificationsCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect } from 'vitest';
import { adviseCapacity } from '../../src/capacity/advise.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { capacityDoc } from '../../src/presenters/capacity-view.js';
import { docToMarkdown } from '../../src/presenters/message-doc.js';
import {
  allowedOutput,
  cacheClusterOutput,
  parameterPages,
  RUNBOOK_SCALE_UP,
} from '../aws/elasticache-responses.js';
import { describeOutput, failedOverGroup, metricDataOutput, metricResult, RG } from '../aws/responses.js';
import { test } from '../support/fixtures.js';

const MIB = 1024 ** 2;
const GROWTH_PER_DAY = 10 * MIB;
const NOW = new Date('2026-02-12T14:00:00Z');

const ec = new ElastiCacheClient({ region: 'us-east-1' });
const cw = new CloudWatchClient({ region: 'us-east-1' });
const ecMock = mockClient(ec);
const cwMock = mockClient(cw);

function stubAws(): void {
  ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
  ecMock.on(DescribeCacheClustersCommand).resolves(cacheClusterOutput(`${RG}-002`));
  ecMock.on(DescribeCacheParametersCommand).resolves(parameterPages('volatile-lfu', '25')[1] ?? {});
  ecMock.on(ListAllowedNodeTypeModificationsCommand).resolves(allowedOutput(RUNBOOK_SCALE_UP));
  cwMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
    const end = input.EndTime ? new Date(input.EndTime).getTime() : NOW.getTime();
    const start = input.StartTime ? new Date(input.StartTime).getTime() : end;
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
      const id = q.Id ?? '';
      const period = (q.MetricStat?.Period ?? 3600) * 1000;
      const points: { at: Date; value: number }[] = [];
      for (let t = start; t <= end; t += period) {
        const days = (t - start) / 86_400_000;
        if (id === 'credits')
          points.push({ at: new Date(t), value: 100 - 80 * ((t - start) / (end - start)) });
        else
          points.push({
            at: new Date(t),
            value: 1024 * MIB + GROWTH_PER_DAY * days + (id === 'bytesmax' ? 100 * MIB : 0),
          });
      }
      return metricResult(id, id, points);
    });
    return metricDataOutput(results);
  });
}

const cluster: ClusterConfig = {
  name: 'isales',
  url: 'redis://127.0.0.1:1',
  mode: 'standalone',
  aws: { region: 'us-east-1', replicationGroupId: RG },
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
};

describe('adviseCapacity with ElastiCache and CloudWatch', () => {
  test('growth from BytesUsedForCache of the primary, CPU credits warned, the cost table worded', async ({
    admin,
    target,
  }) => {
    await admin.flushall();
    await admin.config('SET', 'maxmemory', String(Math.round(2.32 * 1024 * MIB)));
    stubAws();
    const report = await adviseCapacity(
      {
        conn: target,
        aws: { elasticache: ec, cloudwatch: cw },
        catalog: loadNodeCatalog(),
        dryRunOf: async () => ({ toChange: 0, bytesToFree: 0 }),
      },
      { cluster, rules: [], now: NOW },
    );
    expect(report.source).toBe('elasticache');
    expect(report.growth.source).toBe('cloudwatch');
    expect(report.growth.bytesPerDay).toBeCloseTo(GROWTH_PER_DAY, -3);
    expect(report.cpuCredits).toMatchObject({ low: true, falling: true });
    expect(report.rows[0]).toMatchObject({ nodeType: 'cache.t4g.medium', monthlyUsd: 94.9, current: true });
    // Metrics of the primary after the failover (-002), not the convention's -001.
    const queries = cwMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? []);
    const ids = new Set(
      queries
        .flatMap((q) => q.MetricStat?.Metric?.Dimensions ?? [])
        .filter((d) => d.Name === 'CacheClusterId')
        .map((d) => d.Value),
    );
    expect([...ids]).toEqual([`${RG}-002`]);
    // The baseline grows 10 MiB a day: day 90 is 900 MiB above day 0.
    const current = report.sizing.projections[0];
    expect(
      (current?.withRules[90]?.baselineBytes ?? 0) - (current?.withRules[0]?.baselineBytes ?? 0),
    ).toBeCloseTo(90 * GROWTH_PER_DAY, -5);

    const i18n = createI18n({ strict: true });
    const md = docToMarkdown(capacityDoc(report, { t: i18n.plain('en'), lang: 'en' }));
    expect(md).toContain('$94.90');
    expect(md).toContain('$230.68');
    expect(md).toContain('+$135.78 (+143%)');
    expect(md).toContain('CPU credit balance');
    const zh = docToMarkdown(capacityDoc(report, { t: i18n.plain('zh'), lang: 'zh' }));
    expect(zh).toContain('CPU 积分余额');
  });
});
