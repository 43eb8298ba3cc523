/**
 * `/redis-status` end to end: signed HTTP requests into the real Bolt receiver of the real bot
 * (startServer), a real target redis-server holding the dataset, the fake Slack Web API, and AWS
 * stubbed at the SDK boundary with the runbook's memory curve ending now.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../aws/responses.js';
import { manifestBotScopes, SCOPE_FOR_METHOD } from '../support/manifest.js';
import {
  blocksOf,
  buttonOf,
  buttonsOf,
  en,
  fieldsOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  PRIMARY_CACHE_CLUSTER,
  REPLICATION_GROUP,
  sleep,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness();
});

afterAll(async () => {
  await h?.stop();
});

const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;

/** The status report (the message carrying the Refresh button) posted in `channel` after `mark`. */
function reportIn(channel: string, mark: number, timeoutMs = 8_000): Promise<RecordedCall> {
  return h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
    timeoutMs,
  );
}

describe('/redis-status market', () => {
  // The first report opens the incident thread the later tests of this block use.
  let first: RecordedCall;
  let firstTs: string;

  it('acks within Slack’s 3 s and posts the report: dataset counts, verdict, Refresh and Watch', async () => {
    const { res, mark } = await h.slash('market');
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3_000);

    first = await reportIn(MARKET_CHANNEL, mark);
    firstTs = tsOf(first);
    expect(first.body.thread_ts).toBeUndefined(); // a new incident thread starts at this message
    const blocks = blocksOf(first);
    const fields = fieldsOf(blocks);
    const { totalKeys, keysWithTtl, keysWithoutTtl } = h.truth;
    expect(totalKeys).toBeGreaterThanOrEqual(1_000); // so the thousands separator shows
    expect(fields).toContain(`*Keys*\n${en(totalKeys)}`);
    expect(fields).toContain(`*With TTL*\n${en(keysWithTtl)} (${pct(keysWithTtl, totalKeys)})`);
    expect(fields).toContain(`*Without TTL*\n${en(keysWithoutTtl)} (${pct(keysWithoutTtl, totalKeys)})`);
    expect(fields.find((f) => f.startsWith('*Memory*'))).toMatch(/^\*Memory\*\n8\d\.\d% · /);

    const text = textOf(blocks);
    expect(blocks[0]).toMatchObject({ type: 'header' });
    expect(text).toContain('Burst, recovering');
    expect(text).toMatch(/burst keys are expiring; memory falling [\d.]+ %\/min \(peak 89\.4% at \d\d:\d\d/);
    expect(text).toContain(`CloudWatch DatabaseMemoryUsagePercentage, ${PRIMARY_CACHE_CLUSTER}`);
    expect(first.body.text).toMatch(/^market: 8\d\.\d% — Burst, recovering\./);

    const buttons = buttonsOf(blocks);
    expect(buttons.map((b) => [b.action_id, b.text])).toEqual([
      ['status_refresh', 'Refresh'],
      ['watch_start', 'Watch until below 75%'],
    ]);
  });

  it('uploads the trend chart (a PNG) into the report’s thread', async () => {
    const getUrl = await h.fake.waitFor('files.getUploadURLExternal', undefined, 8_000);
    expect(getUrl.body.filename).toBe('market-memory.png');
    const complete = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => c.body.thread_ts === firstTs,
      8_000,
    );
    expect(complete.body.channel_id).toBe(MARKET_CHANNEL);
    const upload = h.fake.uploads.find((u) => u.filename === 'market-memory.png');
    expect(upload).toBeDefined();
    expect(upload?.byteLength).toBeGreaterThan(1_000);
    expect(upload?.byteLength).toBe(upload?.declaredLength);
    expect(upload?.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(complete.body.files).toEqual([{ id: upload?.fileId, title: 'market memory trend' }]);
    // The chart comes after the report, never before it.
    expect(getUrl.at).toBeGreaterThanOrEqual(first.at);
  });

  it('reads the trend of the current primary, as DescribeReplicationGroups names it', () => {
    const describes = h.aws.elasticache.commandCalls(DescribeReplicationGroupsCommand);
    expect(describes.length).toBeGreaterThanOrEqual(1);
    expect(describes[0]?.args[0].input).toMatchObject({ ReplicationGroupId: REPLICATION_GROUP });

    const inputs = h.aws.metricDataInputs();
    expect(inputs).toHaveLength(1);
    const queries = inputs[0]?.MetricDataQueries ?? [];
    const mem = queries.find((q) => q.MetricStat?.Metric?.MetricName === 'DatabaseMemoryUsagePercentage');
    expect(mem?.MetricStat?.Metric?.Dimensions).toContainEqual({
      Name: 'CacheClusterId',
      Value: PRIMARY_CACHE_CLUSTER,
    });
    for (const q of queries) {
      expect(q.MetricStat?.Metric?.Dimensions).not.toContainEqual({
        Name: 'CacheClusterId',
        Value: `${REPLICATION_GROUP}-001`,
      });
    }
    // The window is the configured 3 h, ending now.
    const start = inputs[0]?.StartTime;
    const end = inputs[0]?.EndTime;
    expect(start instanceof Date && end instanceof Date).toBe(true);
    if (start instanceof Date && end instanceof Date) {
      expect(end.getTime() - start.getTime()).toBe(3 * 3_600_000);
      expect(Math.abs(Date.now() - end.getTime())).toBeLessThan(60_000);
    }
  });

  it('a second /redis-status (no argument: the channel’s cluster) goes into the incident thread', async () => {
    const { res, mark } = await h.slash('');
    expect(res.status).toBe(200);
    const second = await reportIn(MARKET_CHANNEL, mark);
    expect(second.body.thread_ts).toBe(firstTs);
    expect(second.body.reply_broadcast).toBe('true');
    // The chart of the second report lands in the same thread.
    await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => h.since(mark, c) && c.body.thread_ts === firstTs,
      8_000,
    );

    const incidentId = (JSON.parse(buttonOf(blocksOf(first), 'status_refresh').value) as { incident: string })
      .incident;
    // Both reports' buttons point at the same incident.
    expect(buttonOf(blocksOf(second), 'status_refresh').value).toBe(
      buttonOf(blocksOf(first), 'status_refresh').value,
    );
    const incident = await h.server.services.incidents.get(incidentId);
    expect(incident).toMatchObject({
      id: incidentId,
      cluster: 'market',
      channel: MARKET_CHANNEL,
      threadTs: firstTs,
      openedBy: 'UONCALL',
    });
    const timeline = await h.server.services.incidents.timeline(incidentId);
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'status', 'status']);
    for (const entry of timeline.slice(1)) {
      expect(entry.actor).toBe('UONCALL');
      expect(entry.data?.verdict).toBe('burst-recovering');
      expect(entry.data?.keysWithoutTtl).toBe(h.truth.keysWithoutTtl);
      expect(entry.data?.memoryPct).toBeGreaterThan(80);
    }
  });

  it('Refresh re-reads Redis and updates the report in place', async () => {
    // Seven more keys without TTL: the refreshed report must show them, so it is a fresh reading.
    const extra = Array.from({ length: 7 }, (_, i) => `e2e:refresh:${i}`);
    await h.targetClient.mset(Object.fromEntries(extra.map((k) => [k, 'x'])));
    try {
      const refresh = buttonOf(blocksOf(first), 'status_refresh');
      const { res, mark } = await h.click(
        refresh,
        { ts: firstTs, text: String(first.body.text), blocks: blocksOf(first) },
        { channel: MARKET_CHANNEL },
      );
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeLessThan(3_000);
      const update = await h.fake.waitFor('chat.update', (c) => h.since(mark, c), 8_000);
      expect(update.body.channel).toBe(MARKET_CHANNEL);
      expect(update.body.ts).toBe(firstTs);
      const fields = fieldsOf(blocksOf(update));
      expect(fields).toContain(`*Keys*\n${en(h.truth.totalKeys + 7)}`);
      expect(fields.find((f) => f.startsWith('*Without TTL*'))).toMatch(
        new RegExp(`^\\*Without TTL\\*\\n${en(h.truth.keysWithoutTtl + 7)} `),
      );
      expect(buttonsOf(blocksOf(update)).map((b) => b.action_id)).toEqual(['status_refresh', 'watch_start']);
      // In place: no new message.
      expect(h.fake.callsTo('chat.postMessage').filter((c) => h.since(mark, c))).toEqual([]);

      const incidentId = (JSON.parse(refresh.value) as { incident: string }).incident;
      await expect
        .poll(async () => (await h.server.services.incidents.timeline(incidentId)).map((e) => e.kind))
        .toContain('refresh');
    } finally {
      await h.targetClient.del(...extra);
    }
  });
});

it('CloudWatch AccessDenied: the report keeps every Redis figure and names cloudwatch:GetMetricData', async () => {
  h.aws.failNextGetMetricData(
    awsError(
      'AccessDenied',
      'User: arn:aws:sts::123456789012:assumed-role/medic/bot is not authorized to perform: cloudwatch:GetMetricData',
      403,
    ),
  );
  const { res, mark } = await h.slash('market', { channel: 'C0AWSDENY', user: 'UAWS' });
  expect(res.status).toBe(200);
  const report = await reportIn('C0AWSDENY', mark);
  const blocks = blocksOf(report);
  const fields = fieldsOf(blocks);
  const { totalKeys, keysWithTtl, keysWithoutTtl } = h.truth;
  expect(fields).toContain(`*Keys*\n${en(totalKeys)}`);
  expect(fields).toContain(`*With TTL*\n${en(keysWithTtl)} (${pct(keysWithTtl, totalKeys)})`);
  expect(fields).toContain(`*Without TTL*\n${en(keysWithoutTtl)} (${pct(keysWithoutTtl, totalKeys)})`);
  expect(fields.find((f) => f.startsWith('*Memory*'))).toMatch(/^\*Memory\*\n8\d\.\d% · /);

  const text = textOf(blocks);
  expect(text).toContain(
    'AWS access denied for cloudwatch:GetMetricData: grant that IAM action to see the trend',
  );
  // Without the series no burst can be seen: the verdict rests on the live reading alone (which side
  // of the 85 % emergency line it falls on moves with a few KiB of Redis overhead at this size).
  expect(text).toMatch(/no trend data, so only the live reading counts|above the 85% emergency line/);
  expect(text).not.toContain('Burst, recovering');
  expect(text).not.toContain('CloudWatch DatabaseMemoryUsagePercentage');
  // The SDK's message carries the account and role: it must not reach Slack.
  expect(JSON.stringify(report.body)).not.toContain('123456789012');
  expect(h.aws.metricDataInputs().length).toBeGreaterThanOrEqual(2);

  // No series, so no chart: give the (skipped) upload time to show up if it were made.
  await sleep(500);
  expect(h.fake.callsTo('files.getUploadURLExternal').filter((c) => h.since(mark, c))).toEqual([]);
});

it('answers a user whose Slack locale is zh-CN in Chinese', async () => {
  h.fake.setUserLocale('UZH', 'zh-CN');
  const { res, mark } = await h.slash('market', { channel: 'C0ZH', user: 'UZH' });
  expect(res.status).toBe(200);
  const report = await reportIn('C0ZH', mark);
  const info = h.fake.callsTo('users.info').find((c) => h.since(mark, c));
  expect(info?.body).toMatchObject({ user: 'UZH', include_locale: 'true' });

  const blocks = blocksOf(report);
  const text = textOf(blocks);
  expect(text).toContain('突增后回落中');
  expect(text).toContain('突增的 Key 正在过期');
  const fields = fieldsOf(blocks);
  expect(fields).toContain(`*Key 总数*\n${en(h.truth.totalKeys)}`);
  expect(fields.some((f) => f.startsWith('*有 TTL*\n'))).toBe(true);
  expect(fields.some((f) => f.startsWith('*无 TTL*\n'))).toBe(true);
  expect(buttonsOf(blocks).map((b) => b.text)).toEqual(['刷新', '持续观察直到低于 75%']);
  expect(text).not.toContain('Burst, recovering');

  const complete = await h.fake.waitFor(
    'files.completeUploadExternal',
    (c) => h.since(mark, c) && c.body.channel_id === 'C0ZH',
    8_000,
  );
  expect(complete.body.files).toEqual([expect.objectContaining({ title: 'market 内存趋势' })]);
});

it('calls only Web API methods the manifest grants, and the manifest asks for nothing more', () => {
  const pseudo = new Set(['response_url', 'upload']);
  const methods = [...new Set(h.fake.calls.map((c) => c.method))].filter((m) => !pseudo.has(m)).sort();
  expect(methods).not.toContain('unknown');
  const unmapped = methods.filter((m) => SCOPE_FOR_METHOD[m] === undefined);
  expect(unmapped, `methods without a known scope: ${unmapped.join(', ')}`).toEqual([]);
  const used = new Set(methods.map((m) => SCOPE_FOR_METHOD[m] as string));
  const declared = manifestBotScopes();
  for (const scope of used) expect(declared).toContain(scope);
  // `commands` is what lets /redis-status reach us at all; every other scope must have been used
  // here, except usergroups:read, which the approval flow uses (approval.e2e checks it), and
  // channels:read / groups:read, which a Cancel by a channel member uses (click-auth.e2e checks it).
  expect([...used, 'commands', 'usergroups:read', 'channels:read', 'groups:read'].sort()).toEqual(declared);
  // This file exercised every kind of call the scopes stand for.
  expect(methods).toEqual(
    [
      'chat.postMessage',
      'chat.update',
      'files.completeUploadExternal',
      'files.getUploadURLExternal',
      // The incident's checklist, pinned in its thread.
      'pins.add',
      'users.info',
    ].sort(),
  );
  expect(h.aws.cloudwatch.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(0);
});
