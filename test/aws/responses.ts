// Response shapes from the AWS API reference, for aws-sdk-client-mock stubs.
import type { GetMetricDataCommandOutput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { DescribeReplicationGroupsCommandOutput, ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { TrendPoint } from '../../src/analysis/types.js';

export const RG = 'luckyus-isales-market';

const endpoint = (host: string) => ({
  Address: `${host}.vyllrs.ng.0001.use1.cache.amazonaws.com`,
  Port: 6379,
});

/** A cluster-mode-disabled group after a failover: `-002` is now the primary. */
export function failedOverGroup(nodeType = 'cache.t4g.medium'): ReplicationGroup {
  return {
    ReplicationGroupId: RG,
    Description: 'isales market',
    Status: 'available',
    MemberClusters: [`${RG}-001`, `${RG}-002`],
    NodeGroups: [
      {
        NodeGroupId: '0001',
        Status: 'available',
        PrimaryEndpoint: { Address: `master.${RG}.vyllrs.use1.cache.amazonaws.com`, Port: 6379 },
        ReaderEndpoint: { Address: `replica.${RG}.vyllrs.use1.cache.amazonaws.com`, Port: 6379 },
        NodeGroupMembers: [
          {
            CacheClusterId: `${RG}-001`,
            CacheNodeId: '0001',
            ReadEndpoint: endpoint(`${RG}-001`),
            PreferredAvailabilityZone: 'us-east-1a',
            CurrentRole: 'replica',
          },
          {
            CacheClusterId: `${RG}-002`,
            CacheNodeId: '0001',
            ReadEndpoint: endpoint(`${RG}-002`),
            PreferredAvailabilityZone: 'us-east-1b',
            CurrentRole: 'primary',
          },
        ],
      },
    ],
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    ClusterEnabled: false,
    CacheNodeType: nodeType,
    Engine: 'redis',
    TransitEncryptionEnabled: true,
  };
}

export function describeOutput(groups: ReplicationGroup[]): DescribeReplicationGroupsCommandOutput {
  return { ReplicationGroups: groups, $metadata: { httpStatusCode: 200, requestId: 'req-1' } };
}

/** What the SDK throws for a service error: `name` is the error code, plus `$metadata`. */
export function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

/** One MetricDataResult with its points newest first, as GetMetricData returns them by default. */
export function metricResult(
  id: string,
  label: string,
  points: TrendPoint[],
  status: MetricDataResult['StatusCode'] = 'Complete',
): MetricDataResult {
  const newestFirst = [...points].sort((a, b) => b.at.getTime() - a.at.getTime());
  return {
    Id: id,
    Label: label,
    Timestamps: newestFirst.map((p) => p.at),
    Values: newestFirst.map((p) => p.value),
    StatusCode: status,
  };
}

export function metricDataOutput(
  results: MetricDataResult[],
  nextToken?: string,
): GetMetricDataCommandOutput {
  return {
    MetricDataResults: results,
    Messages: [],
    ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    $metadata: { httpStatusCode: 200, requestId: 'req-2' },
  };
}

export function constantPoints(end: Date, minutes: number, value: number, stepMinutes = 1): TrendPoint[] {
  const out: TrendPoint[] = [];
  for (let m = minutes; m >= 0; m -= stepMinutes)
    out.push({ at: new Date(end.getTime() - m * 60_000), value });
  return out;
}
