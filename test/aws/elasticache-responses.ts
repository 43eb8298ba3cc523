// ElastiCache response shapes from the AWS API reference (DescribeCacheClusters,
// DescribeCacheParameters, ListAllowedNodeTypeModifications), for aws-sdk-client-mock stubs.
import type {
  DescribeCacheClustersCommandOutput,
  DescribeCacheParametersCommandOutput,
  ListAllowedNodeTypeModificationsCommandOutput,
  Parameter,
  ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { RG } from './responses.js';

const meta = { httpStatusCode: 200, requestId: 'req-ec' };

export function cacheClusterOutput(
  cacheClusterId: string,
  opts: { nodeType?: string; parameterGroup?: string; engine?: string; engineVersion?: string } = {},
): DescribeCacheClustersCommandOutput {
  return {
    CacheClusters: [
      {
        CacheClusterId: cacheClusterId,
        CacheNodeType: opts.nodeType ?? 'cache.t4g.medium',
        Engine: opts.engine ?? 'redis',
        EngineVersion: opts.engineVersion ?? '7.1.0',
        CacheClusterStatus: 'available',
        NumCacheNodes: 1,
        PreferredAvailabilityZone: 'us-east-1a',
        CacheParameterGroup: {
          CacheParameterGroupName: opts.parameterGroup ?? 'isales-redis7',
          ParameterApplyStatus: 'in-sync',
          CacheNodeIdsToReboot: [],
        },
        ReplicationGroupId: RG,
        SnapshotRetentionLimit: 1,
        TransitEncryptionEnabled: true,
      },
    ],
    $metadata: meta,
  };
}

function parameter(name: string, value: string | undefined, dataType = 'string'): Parameter {
  return {
    ParameterName: name,
    ...(value !== undefined ? { ParameterValue: value } : {}),
    Source: value !== undefined ? 'user' : 'system',
    DataType: dataType,
    IsModifiable: true,
    MinimumEngineVersion: '2.8.22',
    ChangeType: 'immediate',
  };
}

/** Two pages (Marker) so pagination is exercised: the policy sits on the second page. */
export function parameterPages(
  policy: string | undefined,
  reservedPct: string | undefined,
): DescribeCacheParametersCommandOutput[] {
  return [
    {
      Parameters: [
        parameter('activerehashing', 'yes'),
        parameter('reserved-memory-percent', reservedPct, 'integer'),
        parameter('lfu-log-factor', '10', 'integer'),
      ],
      Marker: 'page-2',
      $metadata: meta,
    },
    {
      Parameters: [parameter('maxmemory-policy', policy), parameter('timeout', '0', 'integer')],
      $metadata: meta,
    },
  ];
}

export function allowedOutput(
  scaleUp: string[],
  scaleDown: string[] = [],
): ListAllowedNodeTypeModificationsCommandOutput {
  return { ScaleUpModifications: scaleUp, ScaleDownModifications: scaleDown, $metadata: meta };
}

/** The runbook's scale-up options, as ElastiCache lists them for a t4g.medium. */
export const RUNBOOK_SCALE_UP = [
  'cache.m6g.large',
  'cache.m7g.large',
  'cache.r6g.large',
  'cache.r7g.large',
  'cache.r7g.xlarge',
];

/** A cluster-mode-enabled group of two shards with one replica each. */
export function clusterModeGroup(): ReplicationGroup {
  return {
    ReplicationGroupId: 'carts',
    Status: 'available',
    ClusterEnabled: true,
    ClusterMode: 'enabled',
    CacheNodeType: 'cache.r7g.large',
    Engine: 'valkey',
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    MemberClusters: ['carts-0001-001', 'carts-0001-002', 'carts-0002-001', 'carts-0002-002'],
    ConfigurationEndpoint: { Address: 'clustercfg.carts.vyllrs.use1.cache.amazonaws.com', Port: 6379 },
    NodeGroups: ['0001', '0002'].map((ng) => ({
      NodeGroupId: ng,
      Status: 'available',
      Slots: ng === '0001' ? '0-8191' : '8192-16383',
      NodeGroupMembers: ['001', '002'].map((m) => ({
        CacheClusterId: `carts-${ng}-${m}`,
        CacheNodeId: '0001',
        PreferredAvailabilityZone: m === '001' ? 'us-east-1a' : 'us-east-1b',
      })),
    })),
  };
}
