/**
 * An incident closes after `incidents.idleHours` without activity (here 0.004 h: about 14 s): reports
 * inside that time go into the incident's thread; the first report after it opens a new thread with
 * a new incident. The pointer's expiry is read from the queue Redis itself.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  buttonOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const IDLE_HOURS = 0.004;
const IDLE_MS = IDLE_HOURS * 3_600_000;
const CHANNEL = 'C0IDLE';

let h: MedicHarness;
let queue: Redis;

beforeAll(async () => {
  h = await startMedicHarness({ incidentIdleHours: IDLE_HOURS });
  queue = new Redis(h.queue.url);
}, 60_000);

afterAll(async () => {
  queue?.disconnect();
  await h?.stop();
});

async function report(): Promise<{ call: RecordedCall; incident: string }> {
  const { mark } = await h.slash('market', { channel: CHANNEL });
  const call = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === CHANNEL && hasButton(c, 'status_refresh'),
    15_000,
  );
  const incident = (JSON.parse(buttonOf(blocksOf(call), 'watch_start').value) as { incident: string })
    .incident;
  return { call, incident };
}

describe('incidents.idleHours', () => {
  it('a report within the idle time joins the thread; after it, a new thread and a new incident', async () => {
    const first = await report();
    expect(first.call.body.thread_ts).toBeUndefined();

    // The open-incident pointer on the queue Redis expires after the configured idle time.
    const pointer = `${h.config.queue.prefix}:incident-open:market:${CHANNEL}`;
    // (The bot claims it before posting and binds it to the incident right after.)
    await expect.poll(() => queue.get(pointer)).toBe(first.incident);
    const ttlMs = await queue.pttl(pointer);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(Math.ceil(IDLE_MS / 1000) * 1000);

    const second = await report();
    expect(second.incident).toBe(first.incident);
    expect(second.call.body.thread_ts).toBe(tsOf(first.call));

    // No activity: the incident closes once the idle time has passed.
    await expect.poll(() => queue.exists(pointer), { timeout: IDLE_MS + 30_000, interval: 200 }).toBe(0);
    const third = await report();
    expect(third.incident).not.toBe(first.incident);
    expect(third.call.body.thread_ts).toBeUndefined();
    expect(tsOf(third.call)).not.toBe(tsOf(first.call));
    // The closed incident's record and timeline stay for the audit trail.
    expect((await h.server.services.incidents.timeline(first.incident)).map((e) => e.kind)).toContain(
      'opened',
    );
  });
});
