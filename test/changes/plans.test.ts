/**
 * Change plans from facts: the runbook's own commands are the truth for the `aws` lines (§3's
 * scaling command, §4's policy command shape), and the refusals an SRE would make before typing
 * them: a group that is not `available`, a target ListAllowedNodeTypeModifications does not offer,
 * the current type or policy again, a scale-down that leaves no headroom, a `default.*` group, a
 * self-hosted server without CONFIG.
 */
import { describe, expect, it } from 'vitest';
import type { ElastiCacheFacts } from '../../src/aws/elasticache-facts.js';
import { awsCliCommand } from '../../src/changes/aws-cli.js';
import { familyOf, planPolicy } from '../../src/changes/plan-policy.js';
import { planScale } from '../../src/changes/plan-scale.js';
import type { ClusterConfig } from '../../src/config/types.js';

const RG = 'luckyus-isales-market';
const GIB = 1024 ** 3;

const cluster: ClusterConfig = {
  name: 'isales',
  url: 'redis://127.0.0.1:6379',
  mode: 'standalone',
  aws: { region: 'us-east-1', replicationGroupId: RG },
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: ['UAPPROVER'], groups: [] },
};

function facts(over: Partial<ElastiCacheFacts> = {}): ElastiCacheFacts {
  return {
    replicationGroupId: RG,
    region: 'us-east-1',
    status: 'available',
    nodeType: 'cache.t4g.medium',
    engine: 'redis',
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
    scaleUpTargets: ['cache.m7g.large', 'cache.r7g.large'],
    scaleDownTargets: ['cache.t4g.small'],
    ...over,
  };
}

const base = {
  id: 'chg-0123456789abcdef',
  cluster,
  channel: 'C1',
  requester: 'U1',
  at: new Date('2026-02-12T14:35:00Z'),
};
/** The runbook's table: t4g.small 1.37 GiB, ~75 % of it is maxmemory. */
const maxmemoryOf = (nodeType: string, reserved: number) =>
  nodeType === 'cache.t4g.small' ? 1.37 * GIB * (1 - reserved / 100) : undefined;

describe('scale plans', () => {
  it("writes the runbook's §3 scaling command, and the exact ModifyReplicationGroup call", () => {
    const out = planScale({
      ...base,
      to: 'cache.m7g.large',
      facts: { aws: facts(), usedBytes: 2 * GIB },
      maxmemoryOf,
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.plan.cli).toBe(
      `aws elasticache modify-replication-group --replication-group-id ${RG} --cache-node-type cache.m7g.large --apply-immediately --region us-east-1`,
    );
    expect(out.plan.call).toEqual({
      operation: 'ModifyReplicationGroup',
      params: { ReplicationGroupId: RG, CacheNodeType: 'cache.m7g.large', ApplyImmediately: true },
    });
    expect(out.plan).toMatchObject({ from: 'cache.t4g.medium', to: 'cache.m7g.large', direction: 'up' });
  });

  it('refuses what ElastiCache would refuse, or an SRE would not type', () => {
    const reason = (to: string, over: Partial<ElastiCacheFacts> = {}, usedBytes?: number) => {
      const out = planScale({ ...base, to, facts: { aws: facts(over), usedBytes }, maxmemoryOf });
      return out.ok ? 'ok' : out.refusal.reason;
    };
    expect(reason('cache.m7g.large', { status: 'modifying' })).toBe('not_available');
    expect(reason('cache.x9.huge')).toBe('node_type_not_allowed');
    expect(reason('cache.t4g.medium')).toBe('same_node_type');
    // t4g.small: 1.37 GiB × 75 % ≈ 1.03 GiB of maxmemory; 0.5 GiB is 48.7 %, under the 60 % line.
    expect(reason('cache.t4g.small', {}, 0.5 * GIB)).toBe('ok');
    expect(reason('cache.t4g.small', {}, 0.7 * GIB)).toBe('scale_down_no_headroom');
    // Memory unknown: a scale-down cannot be shown to fit.
    expect(reason('cache.t4g.small', {}, undefined)).toBe('scale_down_no_headroom');
  });

  it('lists the allowed targets when refusing another', () => {
    const out = planScale({
      ...base,
      to: 'cache.r5.large',
      facts: { aws: facts(), usedBytes: GIB },
      maxmemoryOf,
    });
    expect(out).toMatchObject({
      ok: false,
      refusal: {
        reason: 'node_type_not_allowed',
        values: { allowed: 'cache.m7g.large, cache.r7g.large, cache.t4g.small' },
      },
    });
  });
});

describe('policy plans', () => {
  it('custom group: ModifyCacheParameterGroup with maxmemory-policy, and its aws command', () => {
    const out = planPolicy({
      ...base,
      to: 'allkeys-lfu',
      facts: { kind: 'elasticache', aws: facts(), current: 'volatile-lfu' },
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.plan.call.params).toEqual({
      CacheParameterGroupName: 'isales-redis7',
      ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'allkeys-lfu' }],
    });
    expect(out.plan.cli).toBe(
      'aws elasticache modify-cache-parameter-group --cache-parameter-group-name isales-redis7 --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=allkeys-lfu --region us-east-1',
    );
  });

  it("default group: refused with three commands, the last the runbook's §4 attach command", () => {
    const aws = facts({
      parameterGroup: { ...facts().parameterGroup, name: 'default.redis7', isDefault: true },
    });
    const out = planPolicy({
      ...base,
      to: 'allkeys-lfu',
      facts: { kind: 'elasticache', aws, current: 'volatile-lfu' },
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.refusal.reason).toBe('default_parameter_group');
    const lines = String(out.refusal.values.commands).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^aws elasticache create-cache-parameter-group .*--cache-parameter-group-family redis7 /,
    );
    expect(lines[2]).toBe(
      `aws elasticache modify-replication-group --replication-group-id ${RG} --cache-parameter-group-name ${RG}-allkeys-lfu --apply-immediately --region us-east-1`,
    );
  });

  it('a cluster-mode default group keeps cluster mode on in the custom group', () => {
    const aws = facts({
      clusterMode: true,
      parameterGroup: { ...facts().parameterGroup, name: 'default.redis7.cluster.on', isDefault: true },
    });
    const out = planPolicy({
      ...base,
      to: 'allkeys-lfu',
      facts: { kind: 'elasticache', aws, current: 'volatile-lfu' },
    });
    expect(out.ok ? '' : String(out.refusal.values.commands)).toContain(
      'ParameterName=cluster-enabled,ParameterValue=yes ParameterName=maxmemory-policy,ParameterValue=allkeys-lfu',
    );
    expect(familyOf('default.valkey8')).toBe('valkey8');
  });

  it('refuses the current policy, and a self-hosted server without CONFIG', () => {
    const same = planPolicy({
      ...base,
      to: 'volatile-lfu',
      facts: { kind: 'elasticache', aws: facts(), current: 'volatile-lfu' },
    });
    expect(same.ok ? '' : same.refusal.reason).toBe('same_policy');
    const off = planPolicy({
      ...base,
      to: 'allkeys-lfu',
      facts: { kind: 'self_hosted', current: 'noeviction', config: false, address: '10.0.0.5:6379' },
    });
    expect(off.ok ? '' : off.refusal.reason).toBe('config_disabled');
    const on = planPolicy({
      ...base,
      to: 'allkeys-lfu',
      facts: { kind: 'self_hosted', current: 'noeviction', config: true, address: '10.0.0.5:6379' },
    });
    expect(on.ok ? on.plan.cli : '').toBe(
      'redis-cli -h 10.0.0.5 -p 6379 CONFIG SET maxmemory-policy allkeys-lfu',
    );
  });
});

describe('aws cli rendering', () => {
  it('quotes what a shell would split', () => {
    expect(
      awsCliCommand(
        { operation: 'CreateCacheParameterGroup', params: { Description: "it's a group" } },
        'us-east-1',
      ),
    ).toBe(
      `aws elasticache create-cache-parameter-group --description 'it'\\''s a group' --region us-east-1`,
    );
  });
});

describe('scale-down headroom from the shipped node catalog', () => {
  it("t4g.small holds 1.37 GiB × (1 − 25 %) (design notes' memory table): 0.6 GiB fits under 60 %, 0.65 GiB does not", async () => {
    const { catalogMaxmemory } = await import('../../src/changes/node-maxmemory.js');
    const fromCatalog = catalogMaxmemory();
    const expected = 1.37 * GIB * 0.75;
    expect(fromCatalog('cache.t4g.small', 25)).toBeCloseTo(expected, -3);
    const reason = (used: number) => {
      const out = planScale({
        ...base,
        to: 'cache.t4g.small',
        facts: { aws: facts(), usedBytes: used },
        maxmemoryOf: fromCatalog,
      });
      return out.ok ? 'ok' : out.refusal.reason;
    };
    // 60 % of 1.0275 GiB is 0.6165 GiB.
    expect(reason(0.6 * GIB)).toBe('ok');
    expect(reason(0.65 * GIB)).toBe('scale_down_no_headroom');
    expect(fromCatalog('cache.unknown.type', 25)).toBeUndefined();
  });
});
