/**
 * Three bot replicas on one queue Redis (three startServer() instances: three Bolt apps, three sets
 * of BullMQ workers, same config, same target, same fake Slack), as a deployment behind a load
 * balancer runs them. Slack sends each request to one of them. Each command, click and scheduled
 * tick must act once: one census for /redis-keys sent to every replica at once, one watch for a
 * Watch button clicked on every replica, one reading per tick, and Cancel from another replica
 * stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import {
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
  WATCH_INTERVAL_MS,
} from '../support/medic-harness.js';
import { settleFake } from '../support/output-checks.js';
import { Scenario } from '../support/reliability-report.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postBlockAction, postSlashCommand } from '../support/slack/signed-request.js';

const READING = /^\d\d:\d\d UTC · memory (\d+\.\d)%.* · target below/;
const REPLICAS = 3;
const scenario = new Scenario(`${REPLICAS} bot replicas on one queue Redis`);

let h: MedicHarness;
/** Replicas after the harness's own (index 0). */
const others: RunningServer[] = [];

const startReplica = () =>
  startServer({
    config: h.config,
    logger: silentLogger(),
    strictI18n: true,
    connectTimeoutMs: 1_000,
    slack: {
      botToken: 'xoxb-test',
      signingSecret: h.signingSecret,
      slackApiUrl: h.fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: 0,
    },
  });

beforeAll(async () => {
  h = await startMedicHarness({ keys: 2_000 });
  for (let i = 1; i < REPLICAS; i++) others.push(await startReplica());
}, 120_000);

afterAll(async () => {
  scenario.save();
  for (const r of others) await r.stop();
  await h?.stop();
});

let ids = 0;
const replicaUrl = (replica: number) =>
  replica === 0 ? h.baseUrl : `http://127.0.0.1:${(others[replica - 1] as RunningServer).port}`;
const everyReplica = () => Array.from({ length: REPLICAS }, (_, i) => i);

function slashOn(replica: number, command: string, text: string, channel: string) {
  const responseId = `rep-${++ids}`;
  return postSlashCommand(replicaUrl(replica), h.signingSecret, {
    command,
    text,
    user_id: 'UONCALL',
    channel_id: channel,
    response_url: h.fake.responseUrl(responseId),
  }).then((res) => ({ res, responseId }));
}

function clickOn(replica: number, actionId: string, message: RecordedCall, channel: string) {
  const button = buttonOf(blocksOf(message), actionId);
  const responseId = `rep-${++ids}`;
  return postBlockAction(replicaUrl(replica), h.signingSecret, {
    user: { id: 'UONCALL' },
    channel: { id: channel },
    message: {
      ts: tsOf(message),
      ...(typeof message.body.thread_ts === 'string' ? { thread_ts: message.body.thread_ts } : {}),
      text: String(message.body.text ?? ''),
      blocks: blocksOf(message),
    },
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        value: button.value,
        text: { type: 'plain_text', text: button.text },
      },
    ],
    response_url: h.fake.responseUrl(responseId),
  }).then((res) => ({ res, responseId }));
}

describe(`${REPLICAS} replicas`, () => {
  it('a census asked on every replica at once runs once', async () => {
    await scenario.run(async () => {
      const channel = 'C0REPCENSUS';
      h.config.slack.channels[channel] = 'market';
      const mark = h.mark();
      const sent = await Promise.all(everyReplica().map((r) => slashOn(r, '/redis-keys', 'market', channel)));
      expect(sent.map((s) => s.res.status)).toEqual(everyReplica().map(() => 200));
      const isTable = (c: RecordedCall) => textOf(blocksOf(c)).includes('Key census of market');
      await h.fake.waitFor('chat.postMessage', (c) => h.since(mark, c) && isTable(c), 60_000);
      await settleFake(h.fake, 60_000, 1_500);
      const tables = h.fake.calls.filter(
        (c) => h.since(mark, c) && c.method === 'chat.postMessage' && isTable(c),
      );
      scenario.figure(`census tables posted for ${REPLICAS} commands`, tables.length);
      expect(tables).toHaveLength(1);
    });
  }, 120_000);

  it('Watch clicked on every replica starts one watch; each tick posts one reading; Cancel on another replica stops it', async () => {
    await scenario.run(async () => {
      const channel = 'C0REPWATCH';
      h.config.slack.channels[channel] = 'market';
      let mark = h.mark();
      const cmd = await slashOn(0, '/redis-status', 'market', channel);
      expect(cmd.res.status).toBe(200);
      const report = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
        30_000,
      );
      const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
        .incident;
      await expect
        .poll(async () => (await h.server.services.incidents.timeline(incidentId)).map((e) => e.kind), {
          timeout: 10_000,
        })
        .toContain('status');
      mark = h.mark();
      const clicks = await Promise.all(everyReplica().map((r) => clickOn(r, 'watch_start', report, channel)));
      expect(clicks.map((c) => c.res.status)).toEqual(everyReplica().map(() => 200));
      const watching = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && c.body.thread_ts === tsOf(report) && hasButton(c, 'watch_cancel'),
        15_000,
      );
      const readings = () =>
        h.fake.calls.filter(
          (c) =>
            h.since(mark, c) &&
            c.method === 'chat.postMessage' &&
            c.body.thread_ts === tsOf(report) &&
            READING.test(String(c.body.text)),
        );
      await expect.poll(() => readings().length, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(5);
      const cancel = await clickOn(REPLICAS - 1, 'watch_cancel', watching, channel);
      expect(cancel.res.status).toBe(200);
      await settleFake(h.fake, 30_000, 1_500);
      const watchMessages = h.fake.calls.filter(
        (c) => h.since(mark, c) && c.method === 'chat.postMessage' && hasButton(c, 'watch_cancel'),
      );
      const seen = readings();
      // A tick is scheduled one interval after the previous one ended: two readings closer than half
      // an interval are one tick posted twice.
      const gaps = seen.slice(1).map((c, i) => c.at - (seen[i] as RecordedCall).at);
      const doubled = gaps.filter((g) => g < WATCH_INTERVAL_MS / 2).length;
      scenario.figure(`watches started by ${REPLICAS} clicks`, watchMessages.length);
      scenario.figure('readings', seen.length);
      scenario.figure('readings posted twice', doubled);
      expect(watchMessages).toHaveLength(1);
      expect(doubled).toBe(0);
      // Stopped: nothing more after the settle.
      const count = seen.length;
      await settleFake(h.fake, 10_000, WATCH_INTERVAL_MS * 4);
      expect(readings().length).toBe(count);
      expect(await h.server.services.watches.isWatched(incidentId)).toBe(false);
    });
  }, 120_000);

  it('a status command sent to each replica is answered once each', async () => {
    await scenario.run(async () => {
      const mark = h.mark();
      const sent = await Promise.all(
        everyReplica().map((r) => slashOn(r, '/redis-status', 'help', MARKET_CHANNEL)),
      );
      await settleFake(h.fake, 20_000);
      for (const s of sent) {
        expect(h.fake.calls.filter((c) => h.since(mark, c) && c.responseId === s.responseId)).toHaveLength(1);
      }
    });
  }, 60_000);
});
