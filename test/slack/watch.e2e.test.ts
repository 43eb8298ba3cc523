/**
 * "Watch until below 75%" end to end: the button, the BullMQ ticks on the queue Redis (every
 * ≈ 0.3 s here), readings posted in the incident thread by the worker, the end at the target, and
 * Cancel. Memory is moved for real with CONFIG SET maxmemory on the target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestBotScopes, SCOPE_FOR_METHOD } from '../support/manifest.js';
import {
  blocksOf,
  buttonOf,
  buttonsOf,
  hasButton,
  type MedicHarness,
  sleep,
  startMedicHarness,
  textOf,
  tsOf,
  WATCH_INTERVAL_MS,
  WATCH_TARGET_PCT,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness();
});

afterAll(async () => {
  await h?.stop();
});

/** `14:37 UTC · memory 84.6% (-0.6 pts since the last reading) · target below 75%` */
const READING = /^\d\d:\d\d UTC · memory (\d+\.\d)%.* · target below 75%$/;

interface Thread {
  channel: string;
  report: RecordedCall;
  ts: string;
  incidentId: string;
}

/** Posts a report in a channel of its own, which opens an incident thread there. */
async function openThread(channel: string): Promise<Thread> {
  const { mark } = await h.slash('market', { channel });
  const report = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
    8_000,
  );
  const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
    .incident;
  // The bot records the report in the timeline right after posting it; a person can't click faster
  // than that, a test can: wait, so timeline order assertions see what production sees.
  await expect
    .poll(async () => (await h.server.services.incidents.timeline(incidentId)).map((e) => e.kind))
    .toContain('status');
  return { channel, report, ts: tsOf(report), incidentId };
}

function readingsIn(thread: Thread): RecordedCall[] {
  return h.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === thread.channel && c.body.thread_ts === thread.ts)
    .filter((c) => READING.test(String(c.body.text)));
}

function readingPct(call: RecordedCall): number {
  return Number(READING.exec(String(call.body.text))?.[1]);
}

function clickWatch(thread: Thread, user = 'UONCALL') {
  return h.click(
    buttonOf(blocksOf(thread.report), 'watch_start'),
    { ts: thread.ts, text: String(thread.report.body.text), blocks: blocksOf(thread.report) },
    { channel: thread.channel, user },
  );
}

/** The "watching…" message with its Cancel button, posted in the thread after `mark`. */
function watchMessage(thread: Thread, mark: number): Promise<RecordedCall> {
  return h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.thread_ts === thread.ts && hasButton(c, 'watch_cancel'),
    5_000,
  );
}

async function waitForReadings(thread: Thread, count: number): Promise<RecordedCall[]> {
  await expect
    .poll(() => readingsIn(thread).length, { timeout: 8_000, interval: 50 })
    .toBeGreaterThanOrEqual(count);
  return readingsIn(thread);
}

describe('Watch until below 75%', () => {
  it('posts readings in the thread, stops at the target, and posts nothing after', async () => {
    const thread = await openThread('C0WATCH');
    const { res, mark } = await clickWatch(thread);
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3_000);

    const watching = await watchMessage(thread, mark);
    expect(watching.body.channel).toBe(thread.channel);
    expect(String(watching.body.text)).toContain(
      '<@UONCALL> started watching *market* until memory is below 75%',
    );
    expect(buttonsOf(blocksOf(watching)).map((b) => [b.action_id, b.text])).toEqual([
      ['watch_cancel', 'Cancel watch'],
    ]);

    // Readings come from the worker, one per tick, while memory is above the target.
    const early = await waitForReadings(thread, 2);
    expect(early.every((c) => c.body.thread_ts === thread.ts)).toBe(true);
    expect(readingPct(early[0] as RecordedCall)).toBeGreaterThan(WATCH_TARGET_PCT);
    expect(String(early[1]?.body.text)).toMatch(/\(([+-]\d+\.\d) pts since the last reading\)/);

    // One watch per thread: a second click is told so, privately, and starts nothing.
    const second = await clickWatch(thread, 'USECOND');
    const already = await h.fake.waitFor('response_url', (c) => c.responseId === second.responseId, 5_000);
    expect(already.body).toMatchObject({
      response_type: 'ephemeral',
      text: 'A watch is already running in this incident thread.',
    });
    expect(
      h.fake
        .callsTo('chat.postMessage')
        .filter((c) => h.since(second.mark, c) && hasButton(c, 'watch_cancel')),
    ).toEqual([]);

    // Memory drops below the target: twice the maxmemory halves the percentage.
    await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes * 2));
    try {
      const end = await h.fake.waitFor(
        'chat.postMessage',
        (c) => c.body.thread_ts === thread.ts && String(c.body.text).includes('is below the target'),
        8_000,
      );
      expect(String(end.body.text)).toMatch(
        /^:white_check_mark: \*market\* is below the target: \d+\.\d% < 75%\. Watch finished\.$/,
      );
      const last = readingsIn(thread).at(-1) as RecordedCall;
      expect(readingPct(last)).toBeLessThan(WATCH_TARGET_PCT);

      // The watch message loses its Cancel button and shows the outcome.
      const updated = await h.fake.waitFor(
        'chat.update',
        (c) => c.body.ts === tsOf(watching) && c.body.channel === thread.channel,
        5_000,
      );
      expect(buttonsOf(blocksOf(updated))).toEqual([]);
      expect(textOf(blocksOf(updated))).toContain(String(end.body.text));

      // Nothing after the end: wait several intervals and count.
      const after = readingsIn(thread).length;
      const posts = h.fake.callsTo('chat.postMessage').length;
      await sleep(WATCH_INTERVAL_MS * 6);
      expect(readingsIn(thread).length).toBe(after);
      expect(h.fake.callsTo('chat.postMessage').length).toBe(posts);

      const timeline = await h.server.services.incidents.timeline(thread.incidentId);
      // The watch also moves the incident checklist's first step: in progress, then done.
      expect(timeline.map((e) => e.kind)).toEqual([
        'opened',
        'status',
        'watch_started',
        'step_in_progress',
        'watch_ended',
        'step_done',
      ]);
      expect(timeline.find((e) => e.kind === 'watch_ended')?.data).toMatchObject({
        end: 'reached',
        targetPct: 75,
      });
      expect(timeline.at(-1)?.data).toMatchObject({ step: 'verify_recovery' });
      expect(await h.server.services.watches.isWatched(thread.incidentId)).toBe(false);
    } finally {
      await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes));
    }
  });

  it('Cancel stops the watch: the message says who cancelled, and no reading follows', async () => {
    const thread = await openThread('C0CANCEL');
    const { mark } = await clickWatch(thread);
    const watching = await watchMessage(thread, mark);
    await waitForReadings(thread, 1);

    // UCANCEL did not start the watch: a member of the incident channel may stop it.
    h.setChannelMembers('C0CANCEL', ['UONCALL', 'UCANCEL']);
    const cancel = buttonOf(blocksOf(watching), 'watch_cancel');
    const clicked = await h.click(
      cancel,
      {
        ts: tsOf(watching),
        thread_ts: thread.ts,
        text: String(watching.body.text),
        blocks: blocksOf(watching),
      },
      { channel: thread.channel, user: 'UCANCEL' },
    );
    expect(clicked.res.status).toBe(200);
    const updated = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(clicked.mark, c) && c.body.ts === tsOf(watching),
      5_000,
    );
    expect(updated.body.channel).toBe(thread.channel);
    expect(buttonsOf(blocksOf(updated))).toEqual([]);
    const text = textOf(blocksOf(updated));
    expect(text).toContain('Cancelled by <@UCANCEL>.');
    // The original intro stays above the outcome.
    expect(text).toContain('<@UONCALL> started watching *market*');

    // A tick that was already past its last check may still land right now; after that, nothing.
    // (Its Slack call may be slow on a loaded machine: a generous grace.)
    await sleep(Math.max(WATCH_INTERVAL_MS, 2_000));
    const count = readingsIn(thread).length;
    await sleep(WATCH_INTERVAL_MS * 6);
    expect(readingsIn(thread).length).toBe(count);
    expect(
      h.fake
        .callsTo('chat.postMessage')
        .filter((c) => c.body.thread_ts === thread.ts && String(c.body.text).includes('Watch finished')),
    ).toEqual([]);
    expect(await h.server.services.watches.isWatched(thread.incidentId)).toBe(false);
    await expect
      .poll(async () => (await h.server.services.incidents.timeline(thread.incidentId)).map((e) => e.kind))
      .toEqual(['opened', 'status', 'watch_started', 'step_in_progress', 'watch_cancelled']);

    // Cancel again: nothing is running any more, and the user is told so privately.
    const again = await h.click(
      cancel,
      { ts: tsOf(watching), thread_ts: thread.ts, blocks: blocksOf(updated) },
      { channel: thread.channel, user: 'UCANCEL' },
    );
    const notRunning = await h.fake.waitFor('response_url', (c) => c.responseId === again.responseId, 5_000);
    expect(notRunning.body).toMatchObject({
      response_type: 'ephemeral',
      text: 'No watch is running for this incident.',
    });
  });

  // Regression: Cancel used to leave a 'cancelled' state that refused new watches for an hour.
  it('after a Cancel, a new watch can be started in the same thread', async () => {
    const thread = await openThread('C0REWATCH');
    const first = await clickWatch(thread);
    const watching = await watchMessage(thread, first.mark);
    // Whoever started a watch may stop it; the start is on the timeline right after the message
    // is posted. A person can't click faster than that, a test can: wait.
    await expect
      .poll(async () => (await h.server.services.incidents.timeline(thread.incidentId)).map((e) => e.kind))
      .toContain('watch_started');
    const cancelled = await h.click(
      buttonOf(blocksOf(watching), 'watch_cancel'),
      { ts: tsOf(watching), thread_ts: thread.ts, blocks: blocksOf(watching) },
      { channel: thread.channel },
    );
    await h.fake.waitFor(
      'chat.update',
      (c) => h.since(cancelled.mark, c) && c.body.ts === tsOf(watching),
      5_000,
    );

    const again = await clickWatch(thread);
    try {
      const second = await Promise.race([
        watchMessage(thread, again.mark),
        h.fake
          .waitFor('response_url', (c) => c.responseId === again.responseId, 5_000)
          .then((refusal) => {
            throw new Error(`the new watch was refused: ${String(refusal.body.text)}`);
          }),
      ]);
      expect(second.body.thread_ts).toBe(thread.ts);
    } finally {
      // Don't leave a watch ticking for the rest of the file.
      await h.server.services.watches.cancel(thread.incidentId);
    }
  });
});

it('calls only Web API methods whose scopes the manifest declares', () => {
  const pseudo = new Set(['response_url', 'upload']);
  const methods = [...new Set(h.fake.calls.map((c) => c.method))].filter((m) => !pseudo.has(m));
  expect(methods).not.toContain('unknown');
  const declared = manifestBotScopes();
  for (const m of methods) {
    expect(SCOPE_FOR_METHOD[m], `scope for ${m}`).toBeDefined();
    expect(declared).toContain(SCOPE_FOR_METHOD[m]);
  }
  expect(methods).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'users.info']));
});
