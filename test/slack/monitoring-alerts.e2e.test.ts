/**
 * Monitoring alerts and the daily summary through the real bot (startServer, the fake Slack Web
 * API, a real target redis-server without AWS), sampling every second:
 * - keys without TTL growing: the bot's history says 15 minutes ago there were 3,000 fewer; the
 *   alert's rate and figures are checked against that span and against the target's own counts;
 * - evictions: the target is driven into evicting (allkeys-lru, small maxmemory); the alert's
 *   count is checked against the target's INFO `evicted_keys`, with its three buttons;
 * - the application team's channel (`slack.devTeamChannel`) gets one bilingual notice per memory
 *   crossing past critical and per recovery, and a bilingual daily summary of every cluster.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { ActionId } from '../../src/slack/action-ids.js';
import { MARKET_CHANNEL, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { waitFor } from '../support/wait-for.js';

const DEV = 'C0DEVTEAM';
const PER_HOUR_LIMIT = 6_000;
const GROWTH = 3_000;

let h: MedicHarness;
let queue: Redis;
let history: HistoryStore;

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 2_000,
    memoryPct: 40,
    noAws: true,
    devTeamChannel: DEV,
    monitoring: {
      sample: { cron: '* * * * * *' },
      summary: { cron: '* * * * * *' },
      alerts: { minDurationSeconds: 0, keysWithoutTtlPerHour: PER_HOUR_LIMIT },
    },
  });
  queue = new Redis(h.queue.url);
  history = new HistoryStore(queue, { prefix: h.config.queue.prefix });
}, 120_000);

afterAll(async () => {
  queue?.disconnect();
  await h?.stop();
});

/** Keys and keys with a TTL, from the target's own INFO keyspace. */
async function keyCounts(): Promise<{ keys: number; withTtl: number }> {
  const keyspace = parseInfo(await h.targetClient.info('keyspace')).keyspace ?? {};
  let keys = 0;
  let withTtl = 0;
  for (const value of Object.values(keyspace)) {
    keys += Number(/keys=(\d+)/.exec(value)?.[1] ?? 0);
    withTtl += Number(/expires=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return { keys, withTtl };
}

const posts = (channel: string, has: string) =>
  h.fake.calls.filter(
    (c) => c.method === 'chat.postMessage' && c.body.channel === channel && String(c.body.text).includes(has),
  );

const posted = (channel: string, has: string, timeoutMs = 30_000) =>
  h.fake.waitFor(
    'chat.postMessage',
    (c) => c.body.channel === channel && String(c.body.text).includes(has),
    timeoutMs,
  );

/** The mrkdwn of every section (text and fields) of a posted message. */
function sectionTexts(call: RecordedCall): string[] {
  const blocks = (call.body.blocks ?? []) as {
    type: string;
    text?: { text: string };
    fields?: { text: string }[];
  }[];
  return blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)]).filter(Boolean);
}

const int = (s: string | undefined) => Number((s ?? '').replace(/,/g, ''));

/** Waits for `n` more samples of market in the history: the bot has had `n` chances to post again. */
async function moreSamples(n: number): Promise<void> {
  const [last] = await history.latest('market');
  const from = last?.at ?? 0;
  await waitFor(
    `${n} more samples`,
    async () => (await history.range('market', from + 1, Number.POSITIVE_INFINITY)).length >= n || undefined,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

describe('monitoring alerts through the bot', () => {
  it('keys without TTL growing faster than the limit: the rate over the span, the counts, the buttons', async () => {
    const truth = await keyCounts();
    // The history: 15 minutes ago there were GROWTH fewer keys without TTL.
    const now = Date.now();
    const latest = await waitFor('a first sample', async () => (await history.latest('market'))[0], {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const seededAt = now - 15 * 60_000;
    await history.add('market', {
      ...latest,
      at: seededAt,
      keys: truth.keys - GROWTH,
      keysWithTtl: truth.withTtl,
    });

    const alert = await posted(MARKET_CHANNEL, 'keys without TTL are growing');
    const seenAt = Date.now();
    const rate = int(/growing by ([\d,]+) an hour/.exec(String(alert.body.text))?.[1]);
    // The tick that alerted read the history after the seeding and was scheduled before the post
    // was seen (and, queued behind slower ticks, at most 10 s before the seeding): its rate lies
    // between the two spans' rates.
    const hour = 3_600_000;
    expect(rate).toBeGreaterThan(PER_HOUR_LIMIT);
    expect(rate).toBeGreaterThanOrEqual(Math.floor((GROWTH * hour) / (seenAt - seededAt)));
    expect(rate).toBeLessThanOrEqual(Math.ceil((GROWTH * hour) / (now - 10_000 - seededAt)));
    const texts = sectionTexts(alert);
    const withoutTtl = int(texts.find((t) => t.startsWith('*Keys without TTL*'))?.split('\n')[1]);
    expect(withoutTtl).toBe(truth.keys - truth.withTtl);
    const buttons = (
      (alert.body.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[]
    )
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => b.action_id)).toEqual([
      ActionId.AlertStatus,
      ActionId.AlertCensus,
      ActionId.AlertRules,
    ]);
    for (const b of buttons) expect(JSON.parse(b.value)).toMatchObject({ cluster: 'market' });
    // Not a memory crossing: the application team hears nothing about it.
    expect(posts(DEV, 'keys without TTL')).toEqual([]);
  }, 90_000);

  it('the application team gets a bilingual daily summary of every cluster; the cluster channel its own language', async () => {
    const truth = await keyCounts();
    const keys = truth.keys.toLocaleString('en-US');
    const summary = await h.fake.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === DEV && String(c.body.text).includes(`${keys} keys`),
      30_000,
    );
    const [en, zh] = sectionTexts(summary);
    expect(en).toContain('Daily memory summary');
    expect(en).toContain(`*market*: `);
    expect(en).toContain(`${keys} keys, ${(truth.keys - truth.withTtl).toLocaleString('en-US')} without TTL`);
    expect(en).toMatch(/\*down\*: no samples in the last 24 h/);
    expect(zh).toContain('每日内存摘要');
    expect(zh).toContain(`${keys} 个 Key`);
    expect(zh).toContain('最近 24 小时没有采样');
    const own = await posted(MARKET_CHANNEL, 'Daily memory summary');
    expect(String(own.body.text)).not.toContain('每日内存摘要');
    expect(String(own.body.text)).not.toContain('*down*');
  }, 60_000);

  it('evictions: the alert counts what the target evicted; memory past critical and back is told to the application team once each, in both languages', async () => {
    const target = h.targetClient;
    await target.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const before = Number(parseInfo(await target.info('stats')).stats?.evicted_keys);
    // Write twice maxmemory in 8 KB values: allkeys-lru evicts to stay under the limit.
    const value = 'x'.repeat(8_192);
    for (let i = 0; i * 8_192 < 2 * h.maxmemoryBytes; i += 50) {
      await target.mset(...Array.from({ length: 50 }, (_, j) => [`fill:${i + j}`, value]).flat());
    }
    const evictedNow = () =>
      target.info('stats').then((s) => Number(parseInfo(s).stats?.evicted_keys) - before);
    expect(await evictedNow()).toBeGreaterThan(0);

    const alert = await posted(MARKET_CHANNEL, 'started evicting keys');
    const count = int(/evicting keys: ([\d,]+) since the last sample/.exec(String(alert.body.text))?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(await evictedNow());
    const texts = sectionTexts(alert);
    expect(int(texts.find((t) => t.startsWith('*Evicted since last sample*'))?.split('\n')[1])).toBe(count);
    const actions = (
      (alert.body.blocks ?? []) as { type: string; elements?: { action_id: string }[] }[]
    ).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => e.action_id)).toEqual([
      ActionId.AlertStatus,
      ActionId.AlertCensus,
      ActionId.AlertRules,
    ]);

    // Evicting means memory at its limit: past the emergency line (85 %).
    const emergency = await posted(MARKET_CHANNEL, 'emergency line');
    const pct = /memory at ([\d.]+)%/.exec(String(emergency.body.text))?.[1];
    expect(Number(pct)).toBeGreaterThanOrEqual(85);
    const notice = await posted(DEV, 'emergency line');
    const [en, zh] = sectionTexts(notice);
    expect(en).toContain(`Redis *market* is at ${pct}% of its memory limit (emergency line: 85%)`);
    expect(zh).toContain(`内存已用到上限的 ${pct}%（紧急线：85%）`);

    // Room again: memory falls under the warning line minus the hysteresis.
    await target.config('SET', 'maxmemory', String(h.maxmemoryBytes * 20));
    await posted(MARKET_CHANNEL, 'recovered', 30_000);
    const back = await posted(DEV, 'has recovered');
    const [backEn, backZh] = sectionTexts(back);
    expect(backEn).toMatch(
      /Redis \*market\* has recovered: memory at [\d.]+%, back under the 60% warning line/,
    );
    expect(backZh).toMatch(/Redis \*\u200b?market\u200b?\* 已恢复：内存 [\d.]+%，回到 60% 告警线以下/);

    // A few more ticks: nothing is told twice, and the team heard exactly what the channel did.
    await moreSamples(3);
    for (const kind of ['critical line', 'emergency line']) {
      const channel = posts(MARKET_CHANNEL, kind).length;
      expect(channel).toBeLessThanOrEqual(1);
      expect(posts(DEV, kind)).toHaveLength(channel);
    }
    expect(posts(MARKET_CHANNEL, 'recovered')).toHaveLength(1);
    expect(posts(DEV, 'has recovered')).toHaveLength(1);
    expect(posts(DEV, 'evicting')).toEqual([]);
  }, 120_000);
});
