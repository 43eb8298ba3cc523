import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListAllowedNodeTypeModificationsCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchElastiCacheFacts } from '../../src/aws/elasticache-facts.js';
import { costTableForFacts } from '../../src/capacity/cost-table.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import { MedicError } from '../../src/errors.js';
import {
  allowedOutput,
  cacheClusterOutput,
  parameterPages,
  RUNBOOK_SCALE_UP,
} from '../aws/elasticache-responses.js';
import { describeOutput, failedOverGroup, RG } from '../aws/responses.js';

const ec = new ElastiCacheClient({ region: 'us-east-1' });
const ecMock = mockClient(ec);
afterEach(() => ecMock.reset());

function stub(nodeType = 'cache.t4g.medium', scaleUp = RUNBOOK_SCALE_UP): void {
  ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup(nodeType)]));
  ecMock.on(DescribeCacheClustersCommand).resolves(cacheClusterOutput(`${RG}-002`, { nodeType }));
  ecMock.on(DescribeCacheParametersCommand).resolves(parameterPages('volatile-lfu', '25')[0] ?? {});
  ecMock.on(ListAllowedNodeTypeModificationsCommand).resolves(allowedOutput(scaleUp));
}

const facts = () =>
  fetchElastiCacheFacts(ec, { region: 'us-east-1', replicationGroupId: RG }, { sleep: async () => {} });

describe("the runbook's cost table (cache.t4g.medium × 2, us-east-1, on-demand)", () => {
  it('reproduces $94.90, $230.68 (+$135.78, +143 %), $300.76 (+217 %), $319.74 (+237 %)', async () => {
    stub();
    const { rows, unpriced } = costTableForFacts(await facts(), loadNodeCatalog());
    expect(unpriced).toEqual([]);
    const byType = new Map(rows.map((r) => [r.nodeType, r]));
    // The runbook's §3 table, figure for figure.
    const expected = [
      ['cache.t4g.medium', 3.09, 2.32, 2, 0.065, 94.9, 0, 0],
      ['cache.m7g.large', 6.38, 4.8, 2, 0.158, 230.68, 135.78, 143],
      ['cache.r6g.large', 13.07, 9.8, 2, 0.206, 300.76, 205.86, 217],
      ['cache.r7g.large', 13.07, 9.8, 2, 0.219, 319.74, 224.84, 237],
    ] as const;
    for (const [nodeType, memoryGiB, maxmemoryG, vcpu, perHour, monthly, delta, deltaPct] of expected) {
      const row = byType.get(nodeType);
      expect(row, nodeType).toBeDefined();
      expect({
        nodeType,
        memoryGiB: row?.memoryGib,
        maxmemoryG:
          Math.round(
            ((row?.maxmemoryBytes ?? 0) / 1024 ** 3) * (nodeType === 'cache.t4g.medium' ? 100 : 10),
          ) / (nodeType === 'cache.t4g.medium' ? 100 : 10),
        vcpu: row?.vcpu,
        perHour: row?.usdPerHourPerNode,
        monthly: row?.monthlyUsd,
        delta: row?.deltaUsd,
        deltaPct: row?.deltaPct,
      }).toEqual({ nodeType, memoryGiB, maxmemoryG, vcpu, perHour, monthly, delta, deltaPct });
    }
    expect(rows[0]?.current).toBe(true);
    expect(rows[0]?.nodeType).toBe('cache.t4g.medium');
    // Cheapest first after the current node.
    const monthly = rows.slice(1).map((r) => r.monthlyUsd);
    expect(monthly).toEqual([...monthly].sort((a, b) => a - b));
  });

  it('prices Valkey 20 % below Redis OSS', async () => {
    stub();
    const valkey = { ...(await facts()), engine: 'valkey' as const };
    const row = costTableForFacts(valkey, loadNodeCatalog()).rows[0];
    expect(row?.usdPerHourPerNode).toBeCloseTo(0.052, 6);
    expect(row?.monthlyUsd).toBe(75.92);
  });

  it('refuses a current node type the catalog does not know, naming it', async () => {
    stub('cache.x9.mega');
    const got = await facts();
    let err: unknown;
    try {
      costTableForFacts(got, loadNodeCatalog());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MedicError);
    expect((err as MedicError).code).toBe('unknown_node_type');
    expect((err as MedicError).values).toMatchObject({ nodeType: 'cache.x9.mega' });
  });

  it('leaves out allowed types without a price, and says which', async () => {
    stub('cache.t4g.medium', ['cache.m7g.large', 'cache.c7gn.large']);
    const { rows, unpriced } = costTableForFacts(await facts(), loadNodeCatalog());
    expect(rows.map((r) => r.nodeType)).toEqual(['cache.t4g.medium', 'cache.m7g.large']);
    expect(unpriced).toEqual(['cache.c7gn.large']);
  });

  it("takes a team's override over the shipped price", async () => {
    stub();
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const path = join(dir, 'nodes.json');
    writeFileSync(
      path,
      JSON.stringify({
        pricesAsOf: '2026-12-01',
        nodeTypes: {
          'cache.m7g.large': {
            memoryGiB: 6.38,
            vcpu: 2,
            network: 'Up to 12.5 Gigabit',
            burstable: false,
            onDemandUsdPerHour: { 'us-east-1': { redis: 0.1 } },
          },
        },
      }),
    );
    const catalog = loadNodeCatalog(path);
    expect(catalog.pricesAsOf).toBe('2026-12-01');
    const row = costTableForFacts(await facts(), catalog).rows.find((r) => r.nodeType === 'cache.m7g.large');
    expect(row?.monthlyUsd).toBe(146);
    writeFileSync(path, JSON.stringify({ nodeTypes: { 'cache.m7g.large': { memoryGiB: -1 } } }));
    expect(() => loadNodeCatalog(path)).toThrow(MedicError);
  });
});
