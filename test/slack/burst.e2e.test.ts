/**
 * `/redis-burst` through the real Bolt app (signed requests, fake Slack Web API, AWS stubbed at the
 * SDK): the hunt is posted in the market incident thread with its timeline chart; the burst keys,
 * the scheduled rule and the log burst are listed; a denied source names its IAM action; hostile or
 * bad times are answered privately, escaped, and start nothing.
 */
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../aws/responses.js';
import { mrkdwnOf } from '../support/hostile-text.js';
import {
  blocksOf,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
} from '../support/medic-harness.js';

const logs = mockClient(CloudWatchLogsClient);
const events = mockClient(EventBridgeClient);
const ecs = mockClient(ECSClient);
let h: MedicHarness;
/** The harness replays the runbook's curve ending now: memory starts rising 31 minutes before its end. */
let burstAt = 0;

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 2_000,
    burst: {
      logs: { groups: ['/ecs/luckyus-isales-market'], words: ['contact'] },
      rules: { nameFilters: ['isales'] },
      ecs: { cluster: 'luckyus-prod', services: ['isales-market-service'] },
    },
  });
  await h.targetClient.config('SET', 'maxmemory', '0');
  const now = Date.now();
  burstAt = now - 31 * 60_000;
  const minute = new Date(Math.floor(burstAt / 60_000) * 60_000);
  const hhmm = `${String(minute.getUTCMinutes()).padStart(2, '0')} ${minute.getUTCHours()}`;
  events.on(ListRulesCommand).resolves({
    Rules: [{ Name: 'isales-contact-sync', State: 'ENABLED', ScheduleExpression: `cron(${hhmm} * * ? *)` }],
  });
  logs.on(StartQueryCommand).resolves({ queryId: 'q' });
  logs.on(GetQueryResultsCommand).resolves({
    status: 'Complete',
    results: [
      [
        { field: 'bin(1m)', value: minute.toISOString().replace('T', ' ').replace('Z', '') },
        { field: 'cmd_count', value: '5120' },
      ],
      [
        { field: '@timestamp', value: minute.toISOString().replace('T', ' ').replace('Z', '') },
        { field: '@message', value: 'SADD contact:sync <!channel> password=hunter2' },
      ],
    ],
  });
  ecs.on(ListTasksCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));
  // Written at burstAt and not read since: PX = TTL − age and IDLETIME = age.
  await h.targetClient.set('template', 'x'.repeat(300));
  const dump = await h.targetClient.dumpBuffer('template');
  await h.targetClient.del('template');
  const p = h.targetClient.pipeline();
  for (let i = 0; i < 600; i++) {
    const age = Date.now() - burstAt;
    p.call(
      'RESTORE',
      `campaign:push:${100000 + i}`,
      60 * 60_000 - age,
      dump,
      'IDLETIME',
      Math.floor(age / 1000),
    );
  }
  for (let i = 0; i < 5; i++) p.set(`campaign:push:${900000 + i}`, 'x'.repeat(300), 'PX', 60 * 60_000);
  await p.exec();
});

afterAll(async () => {
  await h?.stop();
  logs.restore();
  events.restore();
  ecs.restore();
});

describe('/redis-burst', () => {
  it('posts the hunt in the incident thread, then the timeline chart', async () => {
    const cmd = await h.slash('market', { command: '/redis-burst' });
    expect(cmd.res.status).toBe(200);
    const ack = await h.fake.waitFor('response_url', (c) => c.responseId === cmd.responseId, 10_000);
    expect(String(ack.body.text)).toContain('Hunting the burst on market');
    const post = await h.fake.waitFor(
      'chat.postMessage',
      (c) =>
        h.since(cmd.mark, c) &&
        c.body.channel === MARKET_CHANNEL &&
        textOf(blocksOf(c)).includes('Burst hunt'),
      120_000,
    );
    const text = textOf(blocksOf(post));
    expect(text).toContain('campaign:push:');
    expect(text).toContain('isales-contact-sync');
    expect(text).toContain('would have fired at');
    // The harness's Redis runs an LFU policy (the incident's): no idle times, so Redis alone cannot
    // date the burst, and the report says so instead of giving a time.
    expect(text).toContain('From Redis alone the burst cannot be dated');
    expect(text).toContain('Not dated (`campaign:push:*`');
    // The denied source is named with the IAM action to grant; the others still show.
    expect(text).toContain('ecs:ListTasks');
    // A log line's secret and its mention never reach Slack.
    expect(text).not.toContain('hunter2');
    for (const s of mrkdwnOf(post.body)) expect(s).not.toMatch(/<!channel>/);
    await h.fake.waitFor('upload', (c) => h.since(cmd.mark, c), 60_000);
    const complete = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => h.since(cmd.mark, c),
      60_000,
    );
    expect(JSON.stringify(complete.body.files)).toContain('Burst timeline market');
  });

  it.each([
    ['market <!channel> 13:00', '&lt;!channel&gt;'],
    ['market 25:99', '25:99'],
    ['market 2026-02-30T10:00', '2026-02-30T10:00'],
  ])('a bad time (%s) is answered privately and starts nothing', async (text, shown) => {
    const cmd = await h.slash(text, { command: '/redis-burst' });
    expect(cmd.res.status).toBe(200);
    const answer = await h.fake.waitFor('response_url', (c) => c.responseId === cmd.responseId, 10_000);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(String(answer.body.text)).toContain('is not a time');
    expect(String(answer.body.text)).toContain(shown);
    expect(String(answer.body.text)).not.toMatch(/<!channel>/);
    const later = h.fake.calls.filter((c) => h.since(cmd.mark, c) && c.method === 'chat.postMessage');
    expect(later).toEqual([]);
  });

  it('more words than a window gets the help', async () => {
    const cmd = await h.slash('market 13:00 14:00 15:00', { command: '/redis-burst' });
    const answer = await h.fake.waitFor('response_url', (c) => c.responseId === cmd.responseId, 10_000);
    expect(String(answer.body.text)).toContain('/redis-burst [cluster] [from] [to]');
  });
});
