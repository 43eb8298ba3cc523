/**
 * Slack gives a slash command 3 s to be acknowledged. A bot started cold and hit by a burst of
 * commands (an incident: everyone types /redis-status at once) must ack every one of them in time,
 * from the very first request: the real bot (startServer, Bolt over HTTP), real redis-servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import type { SignedPostResult } from '../support/slack/signed-request.js';

/** Slack's own limit for the HTTP response to a slash command. */
const SLACK_ACK_LIMIT_MS = 3_000;
const REQUESTS = 200;
/** The burst: 200 commands over 2 s (well within the 10 s an incident channel produces them in). */
const SPREAD_MS = 2_000;

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness();
});

afterAll(async () => {
  await h?.stop();
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

describe('a burst of slash commands right after start', () => {
  it(`acks all ${REQUESTS} /redis-status sent within 2 s in under 3 s each`, async () => {
    const started = performance.now();
    const sent: Promise<SignedPostResult>[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      // Evenly over the burst, fired without waiting for earlier answers (as Slack would deliver them).
      const due = started + (i * SPREAD_MS) / REQUESTS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.push(
        h
          .slash('market', { user: `U${String(i).padStart(4, '0')}`, signed: { timeoutMs: 60_000 } })
          .then((r) => r.res),
      );
    }
    const results = await Promise.all(sent);
    const acks = results.map((r) => r.elapsedMs);
    const first = [...acks.slice(0, 60)].sort((a, b) => a - b);
    const all = [...acks].sort((a, b) => a - b);
    console.info(
      `ack ms: first 60 p50 ${percentile(first, 50).toFixed(0)} p99 ${percentile(first, 99).toFixed(0)} max ${first.at(-1)?.toFixed(0)}; all p50 ${percentile(all, 50).toFixed(0)} p99 ${percentile(all, 99).toFixed(0)} max ${all.at(-1)?.toFixed(0)}`,
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const late = acks.map((ms, i) => ({ i, ms: Math.round(ms) })).filter((a) => a.ms >= SLACK_ACK_LIMIT_MS);
    expect(late).toEqual([]);
  }, 180_000);
});
