/**
 * The watch's README promises that need a bot configured or treated differently from watch.e2e:
 * a watch ends at its time limit (`watch.maxHours`, here a few seconds) even though memory never
 * reached the target, and a watch survives a bot restart (each tick is a delayed job on the queue
 * Redis: a new bot process on the same queue goes on posting readings in the thread).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  buttonOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
  tsOf,
  WATCH_INTERVAL_MS,
  WATCH_TARGET_PCT,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

/** `14:37 UTC · memory 84.6% (-0.6 pts since the last reading) · target below 75%` */
const READING = /^\d\d:\d\d UTC · memory (\d+\.\d)%.* · target below 75%$/;

interface Thread {
  channel: string;
  report: RecordedCall;
  ts: string;
  incidentId: string;
}

async function openThread(h: MedicHarness, channel: string): Promise<Thread> {
  const { mark } = await h.slash('market', { channel });
  const report = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
    15_000,
  );
  const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
    .incident;
  return { channel, report, ts: tsOf(report), incidentId };
}

function readingsIn(h: MedicHarness, thread: Thread): RecordedCall[] {
  return h.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === thread.channel && c.body.thread_ts === thread.ts)
    .filter((c) => READING.test(String(c.body.text)));
}

/** Clicks Watch on the report and returns the "watching…" message with its Cancel button. */
async function startWatch(h: MedicHarness, thread: Thread): Promise<RecordedCall> {
  const click = await h.click(
    buttonOf(blocksOf(thread.report), 'watch_start'),
    { ts: thread.ts, text: String(thread.report.body.text), blocks: blocksOf(thread.report) },
    { channel: thread.channel, user: 'UONCALL' },
  );
  expect(click.res.status).toBe(200);
  return h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && c.body.thread_ts === thread.ts && hasButton(c, 'watch_cancel'),
    15_000,
  );
}

describe('a watch ends at its time limit', () => {
  /** `watch.maxHours` of 0.001 h: 3.6 s, a dozen readings at the harness's interval. */
  const LIMIT_MS = 0.001 * 3_600_000;
  let h: MedicHarness;

  beforeAll(async () => {
    h = await startMedicHarness({ watchMaxHours: 0.001 });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('stops with the time-limit message while memory is still above the target, not before the limit', async () => {
    const thread = await openThread(h, 'C0WATCHLIMIT');
    const watching = await startWatch(h, thread);
    const end = await h.fake.waitFor(
      'chat.postMessage',
      (c) => c.body.thread_ts === thread.ts && String(c.body.text).includes('stopped at its time limit'),
      LIMIT_MS + 30_000,
    );
    expect(String(end.body.text)).toMatch(
      /^:hourglass: Watch of \*market\* stopped at its time limit; memory still \d+\.\d% \(target 75%\)\.$/,
    );
    // Not early: the last tick is the one whose next would pass the limit.
    expect(end.at - watching.at).toBeGreaterThanOrEqual(LIMIT_MS - 2 * WATCH_INTERVAL_MS);
    const readings = readingsIn(h, thread);
    expect(readings.length).toBeGreaterThanOrEqual(2);
    for (const r of readings)
      expect(Number(READING.exec(String(r.body.text))?.[1])).toBeGreaterThan(WATCH_TARGET_PCT);

    await expect
      .poll(async () => (await h.server.services.incidents.timeline(thread.incidentId)).map((e) => e.kind))
      .toContain('watch_ended');
    const ended = (await h.server.services.incidents.timeline(thread.incidentId)).find(
      (e) => e.kind === 'watch_ended',
    );
    expect(ended?.data).toMatchObject({ end: 'timeout', targetPct: 75 });
    expect(await h.server.services.watches.isWatched(thread.incidentId)).toBe(false);
  });
});

describe('a watch survives a bot restart', () => {
  let h: MedicHarness;

  beforeAll(async () => {
    h = await startMedicHarness();
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('a new bot on the same queue Redis goes on posting readings in the thread after the old one stopped', async () => {
    const thread = await openThread(h, 'C0WATCHRESTART');
    await startWatch(h, thread);
    await expect
      .poll(() => readingsIn(h, thread).length, { timeout: 20_000, interval: 50 })
      .toBeGreaterThanOrEqual(2);

    // The bot stops (its workers close after the tick in hand); nothing posts readings meanwhile.
    await h.server.stop();
    const atStop = readingsIn(h, thread).length;

    const restarted = h.mark();
    const bot = await h.startAnotherBot();
    await expect
      .poll(() => readingsIn(h, thread).filter((c) => h.since(restarted, c)).length, {
        timeout: 30_000,
        interval: 50,
      })
      .toBeGreaterThanOrEqual(2);
    expect(readingsIn(h, thread).length).toBeGreaterThan(atStop);
    // Still the same watch of the same incident, still running.
    expect(await bot.services.watches.isWatched(thread.incidentId)).toBe(true);
    const kinds = (await bot.services.incidents.timeline(thread.incidentId)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'watch_started')).toHaveLength(1);
    expect(kinds).not.toContain('watch_ended');
  });
});
