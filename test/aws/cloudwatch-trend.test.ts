import 'aws-sdk-client-mock-vitest/extend';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildMetricDataQueries,
  createAwsClients,
  fetchMetricSeries,
  fetchTrend,
} from '../../src/aws/cloudwatch-trend.js';
import { AWS_NOTE_KEYS } from '../../src/aws/errors.js';
import type { TrendResult } from '../../src/aws/types.js';
import { runbookTrendEndingAt } from '../fixtures/runbook-trend.js';
import {
  awsError,
  constantPoints,
  describeOutput,
  failedOverGroup,
  metricDataOutput,
  metricResult,
  RG,
} from './responses.js';

const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
const elasticache = new ElastiCacheClient({ region: 'us-east-1' });
const cwMock = mockClient(cloudwatch);
const ecMock = mockClient(elasticache);
const deps = { cloudwatch, elasticache };
afterEach(() => {
  cwMock.reset();
  ecMock.reset();
});

const END = new Date('2026-02-12T14:28:00Z');
const window = { end: END, hours: 3 };
const target = { region: 'us-east-1', replicationGroupId: RG };
const MEMORY = runbookTrendEndingAt(END, { stepMinutes: 1 });

function fullResults(cpuCredits = false) {
  return [
    metricResult('mem', 'DatabaseMemoryUsagePercentage', MEMORY),
    metricResult('evictions', 'Evictions', constantPoints(END, 88, 0)),
    metricResult('items', 'CurrItems', constantPoints(END, 88, 6_658_630)),
    metricResult('enginecpu', 'EngineCPUUtilization', constantPoints(END, 88, 4.2)),
    ...(cpuCredits ? [metricResult('cpucredits', 'CPUCreditBalance', constantPoints(END, 85, 288, 5))] : []),
  ];
}

function sentInputs(): GetMetricDataCommandInput[] {
  return cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
}

/** fetchTrend must never reject: fail the test with the reason if it does. */
async function trend(...args: Parameters<typeof fetchTrend>): Promise<TrendResult> {
  return fetchTrend(...args);
}

describe('buildMetricDataQueries', () => {
  it('asks for the node-level metrics with the right stats and periods', () => {
    const queries = buildMetricDataQueries(`${RG}-002`, { includeCpuCredits: true });
    const dims = [
      { Name: 'CacheClusterId', Value: `${RG}-002` },
      { Name: 'CacheNodeId', Value: '0001' },
    ];
    expect(
      queries.map((q) => [q.Id, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period]),
    ).toEqual([
      ['mem', 'DatabaseMemoryUsagePercentage', 'Maximum', 60],
      ['evictions', 'Evictions', 'Sum', 60],
      ['items', 'CurrItems', 'Average', 60],
      ['enginecpu', 'EngineCPUUtilization', 'Average', 60],
      ['cpucredits', 'CPUCreditBalance', 'Average', 300],
    ]);
    for (const q of queries) {
      expect(q.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      expect(q.MetricStat?.Metric?.Namespace).toBe('AWS/ElastiCache');
      expect(q.MetricStat?.Metric?.Dimensions).toEqual(dims);
    }
    expect(buildMetricDataQueries('x', { includeCpuCredits: false }).map((q) => q.Id)).not.toContain(
      'cpucredits',
    );
  });
});

describe('fetchMetricSeries', () => {
  it('makes one request per page, follows NextToken and returns points oldest first', async () => {
    const older = MEMORY.slice(0, 40);
    const newer = MEMORY.slice(40);
    // CloudWatch pages newest first by default; the second page holds the older half.
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce(
        metricDataOutput(
          [
            metricResult('mem', 'DatabaseMemoryUsagePercentage', newer, 'PartialData'),
            metricResult('evictions', 'Evictions', constantPoints(END, 10, 0), 'PartialData'),
          ],
          'token-page-2',
        ),
      )
      .resolvesOnce(
        metricDataOutput([
          metricResult('mem', 'DatabaseMemoryUsagePercentage', older),
          metricResult('evictions', 'Evictions', []),
          metricResult('items', 'CurrItems', []),
          metricResult('enginecpu', 'EngineCPUUtilization', []),
        ]),
      );
    const series = await fetchMetricSeries(cloudwatch, `${RG}-002`, window, { includeCpuCredits: false });

    expect(series.memoryPct).toEqual(MEMORY);
    expect(series.evictions).toHaveLength(11);
    expect(series.currItems).toEqual([]);
    expect(series.cpuCreditBalance).toBeUndefined();

    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    const [first, second] = sentInputs();
    expect(first?.NextToken).toBeUndefined();
    expect(second?.NextToken).toBe('token-page-2');
    expect(first?.StartTime).toEqual(new Date('2026-02-12T11:28:00Z'));
    expect(first?.EndTime).toEqual(END);
    expect(first?.ScanBy).toBe('TimestampAscending');
    expect(first?.MetricDataQueries).toHaveLength(4);
    expect(second?.MetricDataQueries).toEqual(first?.MetricDataQueries);
    expect(cwMock).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: expect.arrayContaining([
        expect.objectContaining({
          Id: 'mem',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ElastiCache',
              MetricName: 'DatabaseMemoryUsagePercentage',
              Dimensions: [
                { Name: 'CacheClusterId', Value: `${RG}-002` },
                { Name: 'CacheNodeId', Value: '0001' },
              ],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        }),
      ]),
    });
  });

  it('drops duplicate timestamps across pages and mismatched trailing values', async () => {
    const at = (m: number) => new Date(END.getTime() - m * 60_000);
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce(
        metricDataOutput(
          [{ Id: 'mem', Timestamps: [at(0), at(1)], Values: [80, 79, 78], StatusCode: 'PartialData' }],
          't',
        ),
      )
      .resolvesOnce(metricDataOutput([{ Id: 'mem', Timestamps: [at(1), at(2)], Values: [79, 77] }]));
    const series = await fetchMetricSeries(cloudwatch, 'c', window, { includeCpuCredits: false });
    expect(series.memoryPct.map((p) => p.value)).toEqual([77, 79, 80]);
  });
});

describe('fetchTrend', () => {
  it('reads the failed-over primary, with CPU credits because the node is a t4g', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(describeOutput([failedOverGroup('cache.t4g.medium')]));
    cwMock.on(GetMetricDataCommand).resolves(metricDataOutput(fullResults(true)));
    const result = await trend(deps, target, { window });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.cacheClusterId).toBe(`${RG}-002`);
    expect(result.nodeType).toBe('cache.t4g.medium');
    expect(result.notes).toEqual([]);
    expect(result.series.memoryPct[0]?.at).toEqual(new Date('2026-02-12T13:00:00Z'));
    expect(result.series.memoryPct.at(-1)?.value).toBe(85.5);
    expect(result.series.cpuCreditBalance).toHaveLength(18);
    const [input] = sentInputs();
    expect(input?.MetricDataQueries?.map((q) => q.Id)).toContain('cpucredits');
    expect(input?.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions?.[0]?.Value).toBe(`${RG}-002`);
  });

  it('leaves CPU credits out for other node types unless asked', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(describeOutput([failedOverGroup('cache.m7g.large')]));
    cwMock.on(GetMetricDataCommand).resolves(metricDataOutput(fullResults()));
    const result = await trend(deps, target, { window });
    expect(result.ok && result.series.cpuCreditBalance).toBeUndefined();
    expect(sentInputs()[0]?.MetricDataQueries?.map((q) => q.Id)).not.toContain('cpucredits');

    await trend(deps, target, { window, includeCpuCredits: true });
    expect(sentInputs()[1]?.MetricDataQueries?.map((q) => q.Id)).toContain('cpucredits');
  });

  it('defaults the window to the last 3 hours', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock.on(GetMetricDataCommand).resolves(metricDataOutput(fullResults()));
    const before = Date.now();
    await trend(deps, target);
    const input = sentInputs()[0];
    const end = input?.EndTime?.getTime() ?? 0;
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end - (input?.StartTime?.getTime() ?? 0)).toBe(3 * 3_600_000);
  });

  it('says AWS is not configured, without calling it', async () => {
    for (const aws of [undefined, { region: 'us-east-1' }, { region: 'us-east-1', cacheNodeIds: [] }]) {
      expect(await trend(deps, aws, { window })).toEqual({
        ok: false,
        notes: [{ key: 'notes.aws_not_configured' }],
      });
    }
    expect(cwMock).not.toHaveReceivedAnyCommand();
    expect(ecMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['AccessDenied', 400],
    ['AccessDeniedException', 400],
    ['UnauthorizedOperation', 403],
  ])('turns %s on GetMetricData into an access note naming the IAM action', async (name, status) => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock
      .on(GetMetricDataCommand)
      .rejects(
        awsError(
          name,
          'User: arn:aws:iam::123456789012:user/bot is not authorized to perform: cloudwatch:GetMetricData',
          status,
        ),
      );
    const result = await trend(deps, target, { window });
    expect(result).toEqual({
      ok: false,
      notes: [{ key: 'notes.aws_access_denied', values: { action: 'cloudwatch:GetMetricData' } }],
    });
    expect(JSON.stringify(result)).not.toContain('123456789012');
  });

  it('still reads metrics when only DescribeReplicationGroups is denied, noting the guess', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).rejects(awsError('AccessDenied', 'not authorized', 403));
    cwMock.on(GetMetricDataCommand).resolves(metricDataOutput(fullResults()));
    const result = await trend(deps, target, { window });
    expect(result.ok).toBe(true);
    expect(result.ok && result.cacheClusterId).toBe(`${RG}-001`);
    expect(result.notes).toEqual([
      { key: 'notes.aws_access_denied', values: { action: 'elasticache:DescribeReplicationGroups' } },
      { key: 'notes.aws_primary_guessed', values: { cacheClusterId: `${RG}-001`, source: 'convention' } },
    ]);
  });

  it.each(['Throttling', 'ThrottlingException'])('turns %s into a throttled note', async (name) => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock.on(GetMetricDataCommand).rejects(awsError(name, 'Rate exceeded', 400));
    expect(await trend(deps, target, { window })).toEqual({
      ok: false,
      notes: [{ key: 'notes.aws_throttled', values: { action: 'cloudwatch:GetMetricData' } }],
    });
  });

  it('says once that there are no credentials, and stops there', async () => {
    const noCreds = () =>
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    ecMock.on(DescribeReplicationGroupsCommand).rejects(noCreds());
    cwMock.on(GetMetricDataCommand).rejects(noCreds());
    const result = await trend(deps, target, { window });
    expect(result.ok).toBe(false);
    expect(result.notes.filter((n) => n.key === 'notes.aws_no_credentials')).toHaveLength(1);
    expect(cwMock).not.toHaveReceivedAnyCommand();

    // Configured by member id only: no Describe, the credentials error comes from CloudWatch.
    const solo = await trend(deps, { region: 'us-east-1', cacheNodeIds: ['solo-001'] }, { window });
    expect(solo).toEqual({ ok: false, notes: [{ key: 'notes.aws_no_credentials' }] });
  });

  it('reports rejected credentials by error name', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).rejects(awsError('InvalidClientTokenId', 'bad token', 403));
    const result = await trend(deps, target, { window });
    expect(result.notes[0]).toEqual({
      key: 'notes.aws_bad_credentials',
      values: { error: 'InvalidClientTokenId' },
    });
    expect(cwMock).not.toHaveReceivedAnyCommand();
  });

  it('names other errors without their message', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock
      .on(GetMetricDataCommand)
      .rejects(awsError('InternalFailure', 'boom at arn:aws:iam::123456789012:x', 500));
    const result = await trend(deps, target, { window });
    expect(result).toEqual({
      ok: false,
      notes: [
        { key: 'notes.aws_error', values: { action: 'cloudwatch:GetMetricData', error: 'InternalFailure' } },
      ],
    });
  });

  it('says the endpoint is unreachable on network errors', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('getaddrinfo ENOTFOUND monitoring.us-east-1.amazonaws.com'), {
        code: 'ENOTFOUND',
      }),
    );
    const result = await trend(deps, target, { window });
    expect(result.notes).toEqual([
      {
        key: 'notes.aws_unreachable',
        values: { action: 'cloudwatch:GetMetricData', region: 'us-east-1', error: 'ENOTFOUND' },
      },
    ]);
  });

  it('says there is no data for the cache cluster when the memory series is empty', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock
      .on(GetMetricDataCommand)
      .resolves(
        metricDataOutput([
          metricResult('mem', 'DatabaseMemoryUsagePercentage', []),
          metricResult('evictions', 'Evictions', []),
        ]),
      );
    expect(await trend(deps, target, { window })).toEqual({
      ok: false,
      notes: [{ key: 'notes.aws_no_data', values: { cacheClusterId: `${RG}-002` } }],
    });
  });

  it('keeps the data but notes a metric that came back incomplete', async () => {
    ecMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(describeOutput([failedOverGroup('cache.m7g.large')]));
    const results = fullResults();
    results[1] = metricResult('evictions', 'Evictions', [], 'Forbidden');
    cwMock.on(GetMetricDataCommand).resolves(metricDataOutput(results));
    const result = await trend(deps, target, { window });
    expect(result.ok).toBe(true);
    expect(result.notes).toEqual([
      { key: 'notes.aws_metric_incomplete', values: { metric: 'Evictions', status: 'Forbidden' } },
    ]);
  });

  it('gives up on a hanging DescribeReplicationGroups at the deadline', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    const result = await trend(deps, target, { window, timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(10_000); // it would hang forever otherwise
    expect(result.ok).toBe(false);
    expect(result.notes[0]).toEqual({
      key: 'notes.aws_timeout',
      values: { action: 'elasticache:DescribeReplicationGroups', timeoutMs: 50 },
    });
    expect(cwMock).not.toHaveReceivedAnyCommand();
  });

  it('gives up on a hanging GetMetricData at the deadline', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).resolves(describeOutput([failedOverGroup()]));
    cwMock.on(GetMetricDataCommand).callsFake(() => new Promise(() => {}));
    const result = await trend(deps, target, { window, timeoutMs: 50 });
    expect(result).toEqual({
      ok: false,
      notes: [{ key: 'notes.aws_timeout', values: { action: 'cloudwatch:GetMetricData', timeoutMs: 50 } }],
    });
  });

  it('stops when the caller aborts', async () => {
    ecMock.on(DescribeReplicationGroupsCommand).callsFake(() => new Promise(() => {}));
    const controller = new AbortController();
    const pending = trend(deps, target, { window, signal: controller.signal });
    controller.abort();
    const result = await pending;
    expect(result.notes[0]).toEqual({
      key: 'notes.aws_cancelled',
      values: { action: 'elasticache:DescribeReplicationGroups' },
    });
  });

  it('only emits note keys it exports', async () => {
    const keys = new Set<string>(AWS_NOTE_KEYS);
    ecMock.on(DescribeReplicationGroupsCommand).rejects(awsError('Weird', 'x', 500));
    cwMock.on(GetMetricDataCommand).rejects(awsError('AccessDenied', 'x', 400));
    const result = await trend(deps, target, { window });
    for (const note of result.notes) expect(keys.has(note.key)).toBe(true);
  });
});

describe('createAwsClients', () => {
  it('builds both clients for the region with two attempts', async () => {
    const { cloudwatch: cw, elasticache: ec } = createAwsClients('ap-southeast-1');
    expect(await cw.config.region()).toBe('ap-southeast-1');
    expect(await ec.config.region()).toBe('ap-southeast-1');
    expect(await cw.config.maxAttempts()).toBe(2);
    expect(await ec.config.maxAttempts()).toBe(2);
    cw.destroy();
    ec.destroy();
  });
});
