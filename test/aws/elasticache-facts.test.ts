import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListAllowedNodeTypeModificationsCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchClusterFacts, fetchElastiCacheFacts } from '../../src/aws/elasticache-facts.js';
import { MedicError } from '../../src/errors.js';
import {
  allowedOutput,
  cacheClusterOutput,
  clusterModeGroup,
  parameterPages,
  RUNBOOK_SCALE_UP,
} from './elasticache-responses.js';
import { awsError, describeOutput, failedOverGroup, RG } from './responses.js';

const ec = new ElastiCacheClient({ region: 'us-east-1' });
const ecMock = mockClient(ec);
afterEach(() => ecMock.reset());

const target = { region: 'us-east-1', replicationGroupId: RG };
const noWait = { sleep: async () => {} };

function stubRunbookCluster(
  params: { policy?: string; reserved?: string } = { policy: 'volatile-lfu', reserved: '25' },
): void {
  ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
  ecMock.on(DescribeCacheClustersCommand).resolves(cacheClusterOutput(`${RG}-002`));
  const [p1, p2] = parameterPages(params.policy, params.reserved);
  // The more specific matcher last: aws-sdk-client-mock lets the later one win.
  ecMock
    .on(DescribeCacheParametersCommand, { CacheParameterGroupName: 'isales-redis7' })
    .resolves(p1 ?? {})
    .on(DescribeCacheParametersCommand, { CacheParameterGroupName: 'isales-redis7', Marker: 'page-2' })
    .resolves(p2 ?? {});
  ecMock
    .on(ListAllowedNodeTypeModificationsCommand)
    .resolves(allowedOutput(RUNBOOK_SCALE_UP, ['cache.t4g.small']));
}

async function medicError(promise: Promise<unknown>): Promise<MedicError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedicError);
  return err as MedicError;
}

describe('fetchElastiCacheFacts', () => {
  it("reads the runbook's cluster: node type, two nodes, Multi-AZ, policy from page two, scale-up targets", async () => {
    stubRunbookCluster();
    const facts = await fetchElastiCacheFacts(ec, target, noWait);
    expect(facts).toMatchObject({
      replicationGroupId: RG,
      nodeType: 'cache.t4g.medium',
      engine: 'redis',
      engineVersion: '7.1.0',
      clusterMode: false,
      shards: 1,
      nodes: 2,
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
      scaleUpTargets: RUNBOOK_SCALE_UP,
      scaleDownTargets: ['cache.t4g.small'],
    });
    expect(facts.members.map((m) => m.role)).toEqual(['replica', 'primary']);
    expect(ecMock).toHaveReceivedCommandExactlyOnceWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: RG,
    });
    expect(ecMock).toHaveReceivedCommandExactlyOnceWith(ListAllowedNodeTypeModificationsCommand, {
      ReplicationGroupId: RG,
    });
    expect(ecMock).toHaveReceivedCommandTimes(DescribeCacheParametersCommand, 2);
  });

  it("assumes ElastiCache's defaults when the group does not set them, and says so", async () => {
    stubRunbookCluster({});
    const facts = await fetchElastiCacheFacts(ec, target, noWait);
    expect(facts.parameterGroup).toMatchObject({
      maxmemoryPolicy: 'volatile-lru',
      policyFromGroup: false,
      reservedMemoryPercent: 25,
      reservedFromGroup: false,
    });
  });

  it('marks a default.* parameter group (it cannot be modified)', async () => {
    stubRunbookCluster();
    ecMock
      .on(DescribeCacheClustersCommand)
      .resolves(cacheClusterOutput(`${RG}-002`, { parameterGroup: 'default.redis7' }));
    ecMock.on(DescribeCacheParametersCommand).resolves(parameterPages('volatile-lru', '25')[1] ?? {});
    const facts = await fetchElastiCacheFacts(ec, target, noWait);
    expect(facts.parameterGroup.isDefault).toBe(true);
    expect(facts.parameterGroup.name).toBe('default.redis7');
  });

  it('retries a throttled call and then succeeds', async () => {
    stubRunbookCluster();
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .resolves(describeOutput([failedOverGroup()]));
    const waits: number[] = [];
    const facts = await fetchElastiCacheFacts(ec, target, { sleep: async (ms) => void waits.push(ms) });
    expect(facts.nodeType).toBe('cache.t4g.medium');
    expect(ecMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 3);
    expect(waits).toHaveLength(2);
    // Exponential backoff: the second wait starts from twice the first one's base.
    expect(waits[1]).toBeGreaterThanOrEqual(400);
  });

  it('gives up after the attempts with aws_throttled naming the call', async () => {
    stubRunbookCluster();
    ecMock.on(ListAllowedNodeTypeModificationsCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const err = await medicError(fetchElastiCacheFacts(ec, target, { ...noWait, maxAttempts: 3 }));
    expect(err.code).toBe('aws_throttled');
    expect(err.values).toEqual({ action: 'elasticache:ListAllowedNodeTypeModifications' });
    expect(ecMock).toHaveReceivedCommandTimes(ListAllowedNodeTypeModificationsCommand, 3);
  });

  const denied = () =>
    awsError('AccessDenied', 'User: arn:aws:iam::123456789012:user/bot is not authorized', 403);
  // Each case denies one call and says how often it was made (once: a denial is not retried).
  const cases: [string, () => void, () => void][] = [
    [
      'elasticache:DescribeReplicationGroups',
      () => ecMock.on(DescribeReplicationGroupsCommand).rejects(denied()),
      () => expect(ecMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1),
    ],
    [
      'elasticache:DescribeCacheClusters',
      () => ecMock.on(DescribeCacheClustersCommand).rejects(denied()),
      () => expect(ecMock).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 1),
    ],
    [
      'elasticache:DescribeCacheParameters',
      () => ecMock.on(DescribeCacheParametersCommand).rejects(denied()),
      () => expect(ecMock).toHaveReceivedCommandTimes(DescribeCacheParametersCommand, 1),
    ],
    [
      'elasticache:ListAllowedNodeTypeModifications',
      () => ecMock.on(ListAllowedNodeTypeModificationsCommand).rejects(denied()),
      () => expect(ecMock).toHaveReceivedCommandTimes(ListAllowedNodeTypeModificationsCommand, 1),
    ],
  ];
  it.each(cases)(
    'AccessDenied on %s names that IAM action, not retried',
    async (action, deny, calledOnce) => {
      stubRunbookCluster();
      deny();
      const err = await medicError(fetchElastiCacheFacts(ec, target, noWait));
      expect(err.code).toBe('aws_access_denied');
      expect(err.values).toEqual({ action, region: 'us-east-1' });
      expect(JSON.stringify(err.values)).not.toContain('123456789012');
      calledOnce();
    },
  );

  it('reports a missing replication group', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .rejects(awsError('ReplicationGroupNotFoundFault', 'ReplicationGroup nope not found', 404));
    const err = await medicError(
      fetchElastiCacheFacts(ec, { region: 'us-east-1', replicationGroupId: 'nope' }, noWait),
    );
    expect(err.code).toBe('aws_replication_group_not_found');
    expect(err.values).toEqual({ replicationGroupId: 'nope', region: 'us-east-1' });
  });

  it('handles a cluster-mode group: shards, every node counted, Valkey', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([clusterModeGroup()]));
    ecMock.on(DescribeCacheClustersCommand).resolves(
      cacheClusterOutput('carts-0001-001', {
        nodeType: 'cache.r7g.large',
        parameterGroup: 'default.valkey8.cluster.on',
        engine: 'valkey',
        engineVersion: '8.0.1',
      }),
    );
    ecMock.on(DescribeCacheParametersCommand).resolves(parameterPages('allkeys-lru', '25')[1] ?? {});
    ecMock.on(ListAllowedNodeTypeModificationsCommand).resolves(allowedOutput(['cache.r7g.xlarge']));
    const facts = await fetchElastiCacheFacts(
      ec,
      { region: 'us-east-1', replicationGroupId: 'carts' },
      noWait,
    );
    expect(facts).toMatchObject({
      clusterMode: true,
      shards: 2,
      nodes: 4,
      engine: 'valkey',
      nodeType: 'cache.r7g.large',
      parameterGroup: { name: 'default.valkey8.cluster.on', isDefault: true, maxmemoryPolicy: 'allkeys-lru' },
      scaleUpTargets: ['cache.r7g.xlarge'],
    });
    expect(ecMock).toHaveReceivedCommandWith(DescribeCacheClustersCommand, {
      CacheClusterId: 'carts-0001-001',
    });
  });
});

describe('fetchClusterFacts', () => {
  it('refuses a cluster without an aws block', async () => {
    const err = await medicError(fetchClusterFacts(ec, { name: 'local' }, noWait));
    expect(err.code).toBe('aws_not_configured');
    expect(ecMock).not.toHaveReceivedAnyCommand();
  });

  it('finds the replication group through a configured member id', async () => {
    stubRunbookCluster();
    ecMock.on(DescribeCacheClustersCommand).resolves(cacheClusterOutput(`${RG}-002`));
    const facts = await fetchClusterFacts(
      ec,
      { name: 'isales', aws: { region: 'us-east-1', cacheNodeIds: [`${RG}-002`] } },
      noWait,
    );
    expect(facts.replicationGroupId).toBe(RG);
    expect(ecMock).toHaveReceivedCommandWith(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG });
  });
});
