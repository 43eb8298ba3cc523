/**
 * The change run's write happens at most once per approval, whatever BullMQ does: a job run twice
 * (a double enqueue, a retry, a replica picking it up after a crash) finds the call marker on the
 * queue Redis and never sends ModifyReplicationGroup again; a crash between claiming and recording
 * the call is resolved from the group's own state, never by calling blind. Throttling is retried,
 * AccessDenied names the IAM action, a scale that never finishes is reported as timed out. AWS is
 * stubbed at the SDK (aws-sdk-client-mock); the queue Redis and the audit stream are real.
 */
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { DelayedError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { elastiCacheChanges } from '../../src/aws/elasticache-changes.js';
import type { ScalePlan } from '../../src/changes/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { type ChangeJobData, type ChangeLine, processChangeRun } from '../../src/jobs/change-job.js';
import { awsError, describeOutput, failedOverGroup, RG } from '../aws/responses.js';

const ec = new ElastiCacheClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const ecMock = mockClient(ec);
let server: LocalRedis;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  server = await startLocalRedis({ maxmemoryPolicy: 'noeviction' });
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
afterEach(() => ecMock.reset());

const plan: ScalePlan = {
  kind: 'scale',
  id: 'chg-00000000000000aa',
  cluster: 'isales',
  channel: 'C1',
  requester: 'UREQ',
  at: new Date().toISOString(),
  region: 'us-east-1',
  replicationGroupId: RG,
  from: 'cache.t4g.medium',
  to: 'cache.m7g.large',
  direction: 'up',
  call: { operation: 'ModifyReplicationGroup', params: {} },
  cli: '',
};

function setup(opts: { timeoutMs?: number } = {}) {
  n += 1;
  const prefix = `t${n}`;
  const lines: ChangeLine[] = [];
  const audit = new AuditLog(redis, { prefix });
  const deps = {
    store: redis,
    prefix,
    aws: elastiCacheChanges(() => ec, { baseDelayMs: 1 }),
    facts: async () => {
      throw new Error('not used by a scale');
    },
    redisPolicy: {
      read: async () => ({ policy: undefined, usedBytes: undefined, config: false, address: '' }),
      set: async () => ({ values: [] }),
    },
    target: () => undefined,
    audit,
    reporter: { post: async (_run: unknown, line: ChangeLine) => void lines.push(line) },
    pollIntervalMs: 1,
    timeoutMs: opts.timeoutMs ?? 60_000,
  };
  let data: ChangeJobData = {
    runId: `chgrun-${n}`,
    requestId: `apr-${String(n).padStart(16, '0')}`,
    plan,
    approvedBy: 'UAPPROVER',
    incidentId: '',
    channel: 'C1',
    threadTs: '1.1',
    lang: 'en',
  };
  const job = {
    get data() {
      return data;
    },
    async updateData(d: ChangeJobData) {
      data = d;
    },
    async moveToDelayed() {},
  } as unknown as Job<ChangeJobData>;
  /** Runs the job as BullMQ would: again after each delay, until it ends. */
  const run = async () => {
    for (let i = 0; i < 200; i++) {
      try {
        return await processChangeRun(job, 'token', deps);
      } catch (err) {
        if (!(err instanceof DelayedError)) throw err;
      }
    }
    throw new Error('never ended');
  };
  return { deps, job, run, lines, audit, prefix, runId: data.runId };
}

const group = (status: string, nodeType: string) =>
  describeOutput([{ ...failedOverGroup(nodeType), Status: status }]);

describe('change run', () => {
  it('a job run a second time never sends ModifyReplicationGroup again', async () => {
    ecMock.on(ModifyReplicationGroupCommand).resolves({});
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group('modifying', 'cache.t4g.medium'))
      .resolves(group('available', 'cache.m7g.large'));
    const s = setup();
    expect(await s.run()).toBe('finished');
    expect(await s.run()).toBe('duplicate');
    expect(ecMock.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(1);
    expect(s.lines.map((l) => l.kind)).toEqual(['applied', 'status', 'finished']);
  });

  it('throttling is retried; the call still counts once', async () => {
    ecMock
      .on(ModifyReplicationGroupCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .resolves({});
    ecMock.on(DescribeReplicationGroupsCommand).resolves(group('available', 'cache.m7g.large'));
    const s = setup();
    expect(await s.run()).toBe('finished');
    expect(ecMock.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(3);
  });

  it('AccessDenied fails the run naming the IAM action, audited as change_failed', async () => {
    ecMock.on(ModifyReplicationGroupCommand).rejects(awsError('AccessDenied', 'User is not authorized', 403));
    const s = setup();
    expect(await s.run()).toBe('failed');
    expect(s.lines).toEqual([
      {
        kind: 'failed',
        refusal: {
          reason: 'aws_failed',
          values: {
            code: 'aws_access_denied',
            action: 'elasticache:ModifyReplicationGroup',
            region: 'us-east-1',
          },
        },
      },
    ]);
    const [entry] = await s.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'change_failed', reason: 'aws_access_denied' });
    expect(ecMock.commandCalls(DescribeReplicationGroupsCommand)).toHaveLength(0);
  });

  it('a crash between claiming and recording the call: the group decides, nothing is sent blind', async () => {
    ecMock.on(ModifyReplicationGroupCommand).resolves({});
    ecMock.on(DescribeReplicationGroupsCommand).resolves(group('available', 'cache.t4g.medium'));
    const s = setup();
    await redis.set(`${s.prefix}:change-call:${s.runId}`, 'calling');
    expect(await s.run()).toBe('failed');
    expect(ecMock.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
    // Had the call reached AWS (the group is modifying), the run follows it instead.
    const again = setup();
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group('modifying', 'cache.t4g.medium'))
      .resolvesOnce(group('modifying', 'cache.t4g.medium'))
      .resolves(group('available', 'cache.m7g.large'));
    await redis.set(`${again.prefix}:change-call:${again.runId}`, 'calling');
    expect(await again.run()).toBe('finished');
    expect(ecMock.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
  });

  it('a scale that stays modifying past the timeout is reported as timed out', async () => {
    ecMock.on(ModifyReplicationGroupCommand).resolves({});
    ecMock.on(DescribeReplicationGroupsCommand).resolves(group('modifying', 'cache.t4g.medium'));
    const s = setup({ timeoutMs: 30 });
    expect(await s.run()).toBe('failed');
    const last = s.lines.at(-1);
    expect(last).toMatchObject({ kind: 'timeout', status: 'modifying' });
    expect(last?.kind === 'timeout' ? last.elapsedMs : 0).toBeGreaterThanOrEqual(30);
    const [entry] = await s.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'change_failed', reason: 'timeout' });
  });

  it('back to available on the old type after modifying: AWS gave up, reported as failed', async () => {
    ecMock.on(ModifyReplicationGroupCommand).resolves({});
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group('modifying', 'cache.t4g.medium'))
      .resolves(group('available', 'cache.t4g.medium'));
    const s = setup();
    expect(await s.run()).toBe('failed');
    expect(s.lines.map((l) => l.kind)).toEqual(['applied', 'status', 'failed']);
  });
});
