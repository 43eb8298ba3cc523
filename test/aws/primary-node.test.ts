import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hasAwsTarget,
  isBurstableNodeType,
  resolvePrimaryCacheClusterId,
} from '../../src/aws/primary-node.js';
import { awsError, describeOutput, failedOverGroup, RG } from './responses.js';

const ec = new ElastiCacheClient({ region: 'us-east-1' });
const ecMock = mockClient(ec);
afterEach(() => ecMock.reset());

describe('resolvePrimaryCacheClusterId', () => {
  it('finds the failed-over primary (-002) and the node type', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    const primary = await resolvePrimaryCacheClusterId(ec, { region: 'us-east-1', replicationGroupId: RG });
    expect(primary).toEqual({
      cacheClusterId: `${RG}-002`,
      cacheNodeId: '0001',
      primaries: [{ nodeGroupId: '0001', cacheClusterId: `${RG}-002`, cacheNodeId: '0001' }],
      nodeType: 'cache.t4g.medium',
      source: 'describe',
      notes: [],
    });
    expect(ecMock).toHaveReceivedCommandExactlyOnceWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: RG,
    });
  });

  it('lists every shard in cluster mode, first member of each, and says the role was assumed', async () => {
    const group: ReplicationGroup = {
      ReplicationGroupId: 'carts',
      Status: 'available',
      ClusterEnabled: true,
      CacheNodeType: 'cache.r7g.large',
      ConfigurationEndpoint: { Address: 'clustercfg.carts.vyllrs.use1.cache.amazonaws.com', Port: 6379 },
      NodeGroups: ['0001', '0002'].map((ng) => ({
        NodeGroupId: ng,
        Status: 'available',
        Slots: ng === '0001' ? '0-8191' : '8192-16383',
        // CurrentRole is absent in cluster mode (API reference: cluster mode disabled only).
        NodeGroupMembers: ['001', '002'].map((m) => ({
          CacheClusterId: `carts-${ng}-${m}`,
          CacheNodeId: '0001',
          PreferredAvailabilityZone: 'us-east-1a',
        })),
      })),
    };
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([group]));
    const primary = await resolvePrimaryCacheClusterId(ec, {
      region: 'us-east-1',
      replicationGroupId: 'carts',
    });
    expect(primary.cacheClusterId).toBe('carts-0001-001');
    expect(primary.primaries.map((p) => p.cacheClusterId)).toEqual(['carts-0001-001', 'carts-0002-001']);
    expect(primary.nodeType).toBe('cache.r7g.large');
    expect(primary.notes).toEqual([
      {
        key: 'notes.aws_primary_role_unknown',
        values: { replicationGroupId: 'carts', cacheClusterId: 'carts-0001-001' },
      },
    ]);
  });

  it('falls back to cacheNodeIds[0] when Describe is denied, naming the IAM action', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .rejects(awsError('AccessDenied', 'User: arn:aws:iam::123456789012:user/bot is not authorized', 403));
    const primary = await resolvePrimaryCacheClusterId(ec, {
      region: 'us-east-1',
      replicationGroupId: RG,
      cacheNodeIds: [`${RG}-002`, `${RG}-001`],
    });
    expect(primary).toMatchObject({ cacheClusterId: `${RG}-002`, source: 'config', error: 'access_denied' });
    expect(primary.nodeType).toBeUndefined();
    expect(primary.notes).toEqual([
      { key: 'notes.aws_access_denied', values: { action: 'elasticache:DescribeReplicationGroups' } },
      { key: 'notes.aws_primary_fallback', values: { cacheClusterId: `${RG}-002`, source: 'config' } },
    ]);
    expect(JSON.stringify(primary)).not.toContain('123456789012');
  });

  it('falls back to <rg>-001 by convention when nothing else is known', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const primary = await resolvePrimaryCacheClusterId(ec, { region: 'us-east-1', replicationGroupId: RG });
    expect(primary.cacheClusterId).toBe(`${RG}-001`);
    expect(primary.source).toBe('convention');
    expect(primary.notes.map((n) => n.key)).toEqual(['notes.aws_throttled', 'notes.aws_primary_guessed']);
  });

  it('says so when the replication group does not exist', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .rejects(awsError('ReplicationGroupNotFoundFault', 'ReplicationGroup not found', 404));
    const primary = await resolvePrimaryCacheClusterId(ec, {
      region: 'us-east-1',
      replicationGroupId: 'nope',
    });
    expect(primary.notes[0]).toEqual({
      key: 'notes.aws_replication_group_not_found',
      values: { replicationGroupId: 'nope' },
    });
  });

  it('falls back when the group has no members yet', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(describeOutput([{ ReplicationGroupId: RG, Status: 'creating', NodeGroups: [] }]));
    const primary = await resolvePrimaryCacheClusterId(ec, { region: 'us-east-1', replicationGroupId: RG });
    expect(primary.source).toBe('convention');
  });

  it('uses the configured member without calling AWS when there is no replication group id', async () => {
    const primary = await resolvePrimaryCacheClusterId(ec, {
      region: 'eu-west-1',
      cacheNodeIds: ['solo-001'],
    });
    expect(primary.cacheClusterId).toBe('solo-001');
    expect(primary.source).toBe('config');
    expect(ecMock).not.toHaveReceivedAnyCommand();
  });

  it('rejects a target that names nothing', async () => {
    await expect(resolvePrimaryCacheClusterId(ec, { region: 'us-east-1' })).rejects.toThrow(TypeError);
  });
});

describe('isBurstableNodeType / hasAwsTarget', () => {
  it('knows t-class nodes', () => {
    expect(isBurstableNodeType('cache.t4g.medium')).toBe(true);
    expect(isBurstableNodeType('cache.t3.micro')).toBe(true);
    expect(isBurstableNodeType('cache.t2.small')).toBe(true);
    expect(isBurstableNodeType('cache.m7g.large')).toBe(false);
    expect(isBurstableNodeType('cache.r6gd.xlarge')).toBe(false);
    expect(isBurstableNodeType(undefined)).toBe(false);
    expect(isBurstableNodeType('')).toBe(false);
  });

  it('needs a region and a replication group or a member id', () => {
    expect(hasAwsTarget(undefined)).toBe(false);
    expect(hasAwsTarget({ region: 'us-east-1' })).toBe(false);
    expect(hasAwsTarget({ region: 'us-east-1', cacheNodeIds: [''] })).toBe(false);
    expect(hasAwsTarget({ region: '', replicationGroupId: RG })).toBe(false);
    expect(hasAwsTarget({ region: 'us-east-1', replicationGroupId: RG })).toBe(true);
    expect(hasAwsTarget({ region: 'us-east-1', cacheNodeIds: ['a-001'] })).toBe(true);
  });
});
