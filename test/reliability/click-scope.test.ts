/**
 * Every click is checked for where it came from, and a refusal is audited: the Cancel buttons of a
 * watch and of a census, clicked with their real values from a channel other than the one the
 * watch or census belongs to, change nothing (the watch keeps posting readings, the census posts
 * its table) and each leaves a `refused` entry in the audit log.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import { Scenario } from '../support/reliability-report.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const ELSEWHERE = 'C0ELSEWHERE';
const READING = /^\d\d:\d\d UTC · memory (\d+\.\d)%.* · target below/;
const scenario = new Scenario('Cancel clicks from another channel: refused and audited');

let h: MedicHarness;
beforeAll(async () => {
  // Enough keys for a census that runs a few seconds at the walker's default pace.
  h = await startMedicHarness({ keys: 40_000 });
}, 120_000);
afterAll(async () => {
  scenario.save();
  await h?.stop();
});

const clickFrom = (channel: string, actionId: string, message: RecordedCall) =>
  h.click(
    buttonOf(blocksOf(message), actionId),
    { ts: tsOf(message), text: String(message.body.text ?? ''), blocks: blocksOf(message) },
    { channel, user: 'UOUTSIDER' },
  );

const refusals = async (since: number) =>
  (await h.server.services.audit.list({ limit: 1000 })).filter(
    (e) => e.action === 'refused' && Date.parse(e.at) >= since - 1000,
  ).length;

describe('clicks from another channel', () => {
  it('watch Cancel from another channel: the watch goes on, the refusal is audited', async () => {
    await scenario.run(async () => {
      let { mark } = await h.slash('market');
      const report = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL && hasButton(c, 'status_refresh'),
        30_000,
      );
      const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
        .incident;
      await expect
        .poll(async () => (await h.server.services.incidents.timeline(incidentId)).map((e) => e.kind), {
          timeout: 10_000,
        })
        .toContain('status');
      ({ mark } = await h.click(
        buttonOf(blocksOf(report), 'watch_start'),
        { ts: tsOf(report), text: String(report.body.text), blocks: blocksOf(report) },
        { channel: MARKET_CHANNEL },
      ));
      const watching = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && hasButton(c, 'watch_cancel'),
        15_000,
      );
      const clickedAt = Date.now();
      const forged = await clickFrom(ELSEWHERE, 'watch_cancel', watching);
      expect(forged.res.status).toBe(200);
      const readingsAfter = () =>
        h.fake.calls.filter(
          (c) =>
            h.since(forged.mark, c) && c.body.thread_ts === tsOf(report) && READING.test(String(c.body.text)),
        ).length;
      // Still watching: readings keep coming after the forged click.
      await expect
        .poll(readingsAfter, {
          timeout: 15_000,
          interval: 50,
          message: 'the watch must keep posting readings after a Cancel from another channel',
        })
        .toBeGreaterThanOrEqual(2);
      const still = await h.server.services.watches.isWatched(incidentId);
      const audited = await refusals(clickedAt);
      scenario.figure('watch still running after a foreign Cancel', still);
      scenario.figure('watch refusals audited', audited);
      // Stop it the proper way so the next test starts clean.
      await h.click(
        buttonOf(blocksOf(watching), 'watch_cancel'),
        { ts: tsOf(watching), blocks: blocksOf(watching) },
        { channel: MARKET_CHANNEL },
      );
      expect(still, 'a Cancel from another channel must not stop the watch').toBe(true);
      expect(audited, 'the refusal must be audited').toBeGreaterThanOrEqual(1);
    });
  }, 90_000);

  it('census Cancel from another channel: the census finishes, the refusal is audited', async () => {
    await scenario.run(async () => {
      const { mark } = await h.slash('market', { command: '/redis-keys' });
      const progress = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && hasButton(c, 'census_cancel'),
        30_000,
      );
      const clickedAt = Date.now();
      const forged = await clickFrom(ELSEWHERE, 'census_cancel', progress);
      expect(forged.res.status).toBe(200);
      // The census has ended (finished or cancelled) once its reservation is gone.
      const queue = new Redis(h.queue.url, { maxRetriesPerRequest: 1 });
      try {
        await expect
          .poll(() => queue.exists('redis-medic:census-running:market'), { timeout: 90_000, interval: 200 })
          .toBe(0);
      } finally {
        queue.disconnect();
      }
      const finished = h.fake.calls.some(
        (c) =>
          h.since(mark, c) &&
          c.method === 'chat.postMessage' &&
          textOf(blocksOf(c)).includes('Key census of market'),
      );
      const audited = await refusals(clickedAt);
      scenario.figure('census finished after a foreign Cancel', finished);
      scenario.figure('census refusals audited', audited);
      expect(finished, 'a Cancel from another channel must not stop the census').toBe(true);
      expect(audited, 'the refusal must be audited').toBeGreaterThanOrEqual(1);
    });
  }, 120_000);
});
