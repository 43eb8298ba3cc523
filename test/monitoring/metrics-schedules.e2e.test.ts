/**
 * The bot's own health on /metrics while it samples: the monitoring ticks and reminders are jobs
 * like any other, so `redis_medic_jobs` counts them by state, and each tick records how late it
 * ran (`redis_medic_schedule_lag_seconds`), measured against the tick's scheduled time in BullMQ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_METRICS } from '../../src/monitoring/metrics/names.js';
import { type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import { waitFor } from '../support/wait-for.js';
import { parseExposition, type Sample } from './exposition.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({ keys: 100, noAws: true, monitoring: { sample: { cron: '* * * * * *' } } });
});

afterAll(async () => {
  await h?.stop();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${h.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('/metrics while the bot samples', () => {
  it('counts the monitoring and reminder queues, and shows how late the sample tick ran', async () => {
    const started = Date.now();
    const samples = await waitFor(
      'a completed sample tick counted in redis_medic_jobs',
      async () => {
        const s = await scrape();
        const done = find(s, BOT_METRICS.jobs, { queue: 'monitor', state: 'completed' })?.value ?? 0;
        return done >= 1 && find(s, BOT_METRICS.scheduleLagSeconds, { schedule: 'sample' }) && s;
      },
      30_000,
    );
    expect(find(samples, BOT_METRICS.jobs, { queue: 'reminders', state: 'delayed' })?.value).toBe(0);
    const lag = find(samples, BOT_METRICS.scheduleLagSeconds, { schedule: 'sample' })?.value;
    // A tick can't run before its scheduled time, nor later than the test has been waiting.
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual((Date.now() - started) / 1000 + 1);
  }, 60_000);
});
