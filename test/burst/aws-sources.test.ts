/**
 * The burst hunt's AWS sources with aws-sdk-client-mock (response shapes from the CloudWatch Logs,
 * EventBridge and ECS API references), against a memory curve shaped like the runbook's incident
 * (baseline 70 %, rising from 13:57 UTC to 87.5 % at 14:08). Redis is a real, empty redis-server.
 */
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countsQuery } from '../../src/aws/logs-insights.js';
import { huntBurst } from '../../src/burst/hunt.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import type { TrendPoint } from '../../src/domain/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { buildBurstDoc } from '../../src/presenters/burst-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import type { TrendProvider } from '../../src/status/check-status.js';
import { awsError } from '../aws/responses.js';

const logs = new CloudWatchLogsClient({ region: 'us-east-1' });
const events = new EventBridgeClient({ region: 'us-east-1' });
const ecs = new ECSClient({ region: 'us-east-1' });
const logsMock = mockClient(logs);
const eventsMock = mockClient(events);
const ecsMock = mockClient(ecs);
const NOW = new Date('2026-02-12T14:30:00Z');
const at = (hhmm: string) => new Date(`2026-02-12T${hhmm}:00Z`);
const WORDS = ['contact', 'marketing', 'campaign'];

function memoryCurve(): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (let t = at('13:00').getTime(); t <= NOW.getTime(); t += 60_000) {
    const m = (t - at('13:57').getTime()) / 60_000;
    const value = m < 0 ? 70 : m <= 11 ? 70 + (17.5 * m) / 11 : t < at('14:20').getTime() ? 87.5 : 76;
    points.push({ at: new Date(t), value });
  }
  return points;
}
const trend: TrendProvider = async () => ({
  ok: true,
  source: 'cloudwatch',
  node: 'luckyus-isales-market-001',
  series: { memoryPct: memoryCurve(), evictions: [], currItems: [], engineCpuPct: [] },
  notes: [],
});

const cluster = (url: string): ClusterConfig => ({
  name: 'isales-market',
  url,
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
  aws: { region: 'us-east-1', replicationGroupId: 'luckyus-isales-market' },
  burst: {
    logs: { groups: ['/ecs/luckyus-isales-market'], words: WORDS, queryTimeoutSeconds: 60 },
    rules: { nameFilters: ['isales', 'marketing', 'contact'] },
    ecs: { cluster: 'luckyus-prod', services: ['isales-market-service'] },
  },
});

/** GetQueryResults rows: `bin(1m)` and `cmd_count`, timestamps as Insights prints them. */
function countRows(): { field: string; value: string }[][] {
  const rows: { field: string; value: string }[][] = [];
  for (let m = 0; m < 40; m++) {
    const t = new Date(at('13:45').getTime() + m * 60_000);
    const minute = (t.getTime() - at('13:57').getTime()) / 60_000;
    const count = minute >= 0 && minute < 8 ? 4000 - minute * 200 : 30;
    rows.push([
      { field: 'bin(1m)', value: t.toISOString().replace('T', ' ').replace('Z', '') },
      { field: 'cmd_count', value: String(count) },
    ]);
  }
  return rows;
}

function mockHappyPath(): void {
  logsMock.on(StartQueryCommand).resolves({ queryId: 'q-samples' });
  logsMock.on(StartQueryCommand, { queryString: countsQuery(WORDS) }).resolves({ queryId: 'q-counts' });
  logsMock
    .on(GetQueryResultsCommand, { queryId: 'q-counts' })
    .resolvesOnce({ status: 'Running', results: [] })
    .resolves({
      status: 'Complete',
      results: countRows(),
      statistics: { recordsMatched: 40, recordsScanned: 900000, bytesScanned: 1e8 },
    });
  logsMock.on(GetQueryResultsCommand, { queryId: 'q-samples' }).resolves({
    status: 'Complete',
    results: [
      [
        { field: '@timestamp', value: '2026-02-12 13:57:03.120' },
        {
          field: '@message',
          value:
            'SADD contact:last:activity:881 campaign=spring password=hunter2 redis://app:s3cret@cache:6379',
        },
      ],
    ],
  });
  eventsMock.on(ListRulesCommand).resolves({
    Rules: [
      {
        Name: 'isales-contact-sync',
        Arn: 'arn:aws:events:us-east-1:123456789012:rule/isales-contact-sync',
        State: 'ENABLED',
        ScheduleExpression: 'cron(57 13 * * ? *)',
        EventBusName: 'default',
      },
      {
        Name: 'isales-nightly-report',
        State: 'ENABLED',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        EventBusName: 'default',
      },
      {
        Name: 'billing-hourly',
        State: 'ENABLED',
        ScheduleExpression: 'rate(1 hour)',
        EventBusName: 'default',
      },
    ],
  });
  ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({
    taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/luckyus-prod/0a1b2c3d4e5f'],
  });
  ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
  ecsMock.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/luckyus-prod/0a1b2c3d4e5f',
        group: 'service:isales-market-service',
        lastStatus: 'RUNNING',
        startedAt: new Date('2026-02-12T13:56:40Z'),
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/isales-market:42',
      },
    ],
    failures: [],
  });
}

describe('burst hunt: AWS sources', () => {
  let server: LocalRedis;
  let conn: TargetConnection;
  beforeAll(async () => {
    server = await startLocalRedis();
    conn = await connectTarget({ name: 'isales-market', url: server.url, mode: 'standalone' });
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });
  afterEach(() => {
    logsMock.reset();
    eventsMock.reset();
    ecsMock.reset();
  });
  const deps = (extra: { logsTimeoutMs?: number } = {}) => ({
    conn,
    trend,
    aws: { logs, events, ecs },
    now: () => NOW,
    throttle: false as const,
    logsPollMs: 5,
    ...extra,
  });

  it('finds the window from the memory curve and lines up the scheduled rule, the log burst and the task', async () => {
    mockHappyPath();
    const report = await huntBurst(cluster(server.url), undefined, deps());
    expect(report.window.source).toBe('memory');
    expect(Math.abs((report.window.start?.getTime() ?? 0) - at('13:57').getTime())).toBeLessThanOrEqual(
      60_000,
    );
    expect(report.window.peakPct).toBe(87.5);
    const rule = report.rules?.rules.find((r) => r.name === 'isales-contact-sync');
    expect(rule?.firings.map((f) => f.toISOString())).toEqual(['2026-02-12T13:57:00.000Z']);
    expect(report.rules?.rules.find((r) => r.name === 'isales-nightly-report')?.firings).toEqual([]);
    // Not matching a filter: not listed.
    expect(report.rules?.rules.some((r) => r.name === 'billing-hourly')).toBe(false);
    expect(report.logs?.busiest[0]?.at.toISOString()).toBe('2026-02-12T13:57:00.000Z');
    const sample = report.logs?.samples[0]?.message ?? '';
    expect(sample).toContain('SADD contact:last:activity:881');
    expect(sample).not.toContain('hunter2');
    expect(sample).not.toContain('s3cret');
    const kinds = report.candidates.map((c) => c.kind);
    expect(kinds).toEqual(expect.arrayContaining(['logs', 'rule', 'task']));
    for (const c of report.candidates.filter((c) => c.kind !== 'pattern')) {
      expect(c.score).toBeGreaterThanOrEqual(c.kind === 'logs' ? 0.5 : 0.8);
      expect(Math.abs((c.start?.getTime() ?? 0) - at('13:57').getTime())).toBeLessThanOrEqual(60_000);
    }
    // The rule fired in the minute memory began to rise: first; the log burst, which follows the
    // curve minute by minute, and the task started a minute before it come next.
    expect(report.candidates[0]?.kind).toBe('rule');
    expect(
      report.candidates
        .slice(0, 3)
        .map((c) => c.kind)
        .sort(),
    ).toEqual(['logs', 'rule', 'task']);
    expect(
      report.sources.every((s) => s.state === 'ok' || s.source === 'census' || s.source === 'young_keys'),
    ).toBe(true);
  });

  it('sample lines are read from the busiest minute, not the first lines of the window', async () => {
    mockHappyPath();
    await huntBurst(cluster(server.url), undefined, deps());
    // The window opens ~10 minutes before the burst; a busy service logs thousands of matching
    // lines a minute, so the first 200 of the window say nothing about the burst.
    const samples = logsMock
      .commandCalls(StartQueryCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.queryString !== countsQuery(WORDS));
    expect(samples.length).toBe(1);
    expect(samples[0]?.startTime).toBe(at('13:57').getTime() / 1000);
    expect(samples[0]?.endTime).toBe(at('13:58').getTime() / 1000);
  });

  it('a query still Running past the timeout is stopped and named; the other sources still show', async () => {
    mockHappyPath();
    logsMock.on(GetQueryResultsCommand).resolves({ status: 'Running', results: [] });
    logsMock.on(StopQueryCommand).resolves({ success: true });
    const report = await huntBurst(cluster(server.url), undefined, deps({ logsTimeoutMs: 50 }));
    const status = report.sources.find((s) => s.source === 'logs');
    expect(status?.state).toBe('failed');
    expect(status?.notes[0]?.key).toBe('burst:notes.logs_query_timeout');
    expect(logsMock.commandCalls(StopQueryCommand).length).toBeGreaterThan(0);
    expect(report.rules?.rules.length).toBe(2);
    expect(report.candidates.some((c) => c.kind === 'rule')).toBe(true);
  });

  it('a hunt aborted while its query runs stops the query', async () => {
    mockHappyPath();
    const abort = new AbortController();
    logsMock.on(GetQueryResultsCommand).callsFake(async () => {
      abort.abort(new Error('the person cancelled'));
      return { status: 'Running', results: [] };
    });
    logsMock.on(StopQueryCommand).resolves({ success: true });
    const report = await huntBurst(cluster(server.url), undefined, {
      // A query left to itself would be polled for ten minutes: the abort must end it at once.
      ...deps({ logsTimeoutMs: 600_000 }),
      logsPollMs: 200,
      signal: abort.signal,
    });
    expect(report.sources.find((s) => s.source === 'logs')?.state).toBe('failed');
    expect(logsMock.commandCalls(StopQueryCommand).map((c) => c.args[0].input.queryId)).toEqual(['q-counts']);
  });

  it('AccessDenied on EventBridge names the missing action; logs and ECS still show', async () => {
    mockHappyPath();
    eventsMock.on(ListRulesCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));
    const report = await huntBurst(cluster(server.url), undefined, deps());
    const status = report.sources.find((s) => s.source === 'rules');
    expect(status?.state).toBe('failed');
    expect(status?.notes[0]).toEqual({
      key: 'notes.aws_access_denied',
      values: { action: 'events:ListRules' },
    });
    expect(report.logs?.busiest.length).toBeGreaterThan(0);
    expect(report.ecs?.tasks.length).toBe(1);
  });

  it('throttling is retried', async () => {
    mockHappyPath();
    eventsMock
      .on(ListRulesCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded', 400))
      .resolves({
        Rules: [{ Name: 'isales-contact-sync', State: 'ENABLED', ScheduleExpression: 'cron(57 13 * * ? *)' }],
      });
    const report = await huntBurst(cluster(server.url), undefined, deps());
    expect(report.sources.find((s) => s.source === 'rules')?.state).toBe('ok');
  });

  it('a DISABLED rule is shown as disabled and never ranked', async () => {
    mockHappyPath();
    eventsMock.on(ListRulesCommand).resolves({
      Rules: [
        { Name: 'isales-contact-sync', State: 'ENABLED', ScheduleExpression: 'cron(57 13 * * ? *)' },
        { Name: 'isales-coupon-push', State: 'DISABLED', ScheduleExpression: 'cron(57 13 * * ? *)' },
      ],
    });
    const report = await huntBurst(cluster(server.url), undefined, deps());
    expect(report.candidates.map((c) => c.name)).toContain('isales-contact-sync');
    expect(report.candidates.map((c) => c.name)).not.toContain('isales-coupon-push');
    const text = docToMrkdwn(
      buildBurstDoc(report, { t: createI18n({ strict: true }).plain('en'), lang: 'en' }),
    );
    const line = text.split('\n').find((l) => l.includes('isales-coupon-push')) ?? '';
    expect(line).toContain('disabled');
    expect(line).not.toContain('would have fired');
  });

  it('a window older than ECS keeps stopped tasks does not claim no task ran', async () => {
    mockHappyPath();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    const report = await huntBurst(cluster(server.url), { from: at('11:00'), to: at('11:40') }, deps());
    const status = report.sources.find((s) => s.source === 'ecs');
    expect(status?.notes.map((n) => n.key)).toEqual(['burst:notes.ecs_stopped_not_visible']);
    const t = createI18n({ strict: true }).plain('en');
    const text = docToMrkdwn(buildBurstDoc(report, { t, lang: 'en' }));
    expect(text).not.toContain('No task started or ran in the window');
    expect(text).not.toContain('no task of the services started or ran in the window');
    expect(text).toContain('stopped tasks older than about an hour');
  });

  it('an empty window: every source says so', async () => {
    logsMock.on(StartQueryCommand).resolves({ queryId: 'q' });
    logsMock.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    eventsMock.on(ListRulesCommand).resolves({ Rules: [] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    const report = await huntBurst(cluster(server.url), { from: at('03:00'), to: at('03:30') }, deps());
    for (const source of ['logs', 'rules', 'ecs'] as const) {
      const status = report.sources.find((s) => s.source === source);
      expect(status?.state).toBe('empty');
      // ECS keeps stopped tasks about an hour: for a window this old it cannot say none ran.
      expect(status?.notes[0]?.key).toBe(
        source === 'ecs' ? 'burst:notes.ecs_stopped_not_visible' : `burst:notes.${source}_empty`,
      );
    }
    expect(report.candidates).toEqual([]);
  });
});
