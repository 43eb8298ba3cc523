/**
 * Slack under load, against the real bot over signed HTTP:
 * - a burst of slash commands from a cold start (the bot just started: nothing warmed up), spread
 *   evenly over the burst window: every ack in under Slack's 3 s, every command answered once;
 * - a fake Slack answering 429 with Retry-After to every third Web API call: the incident message
 *   (several messages in order) arrives complete, without duplicates, in the same order as without
 *   rate limiting, and a series of status reports in the incident thread all arrive, once each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NotifyView } from '../../src/slack/blocks/notify-modal.js';
import { blocksOf, MARKET_CHANNEL, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import { settleFake } from '../support/output-checks.js';
import { Scenario } from '../support/reliability-report.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postViewSubmission, type SignedPostResult } from '../support/slack/signed-request.js';

/** Slack's limit for an ack. */
const ACK_LIMIT_MS = 3_000;
const DEV_CHANNEL = 'C0DEVTEAM';

export interface SlackLoadSizes {
  burst: number;
  burstWindowMs: number;
  /** Status reports posted under 429s; 0 leaves the rate-limited run out. */
  statusReports: number;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export function slackLoadSuites(sizes: SlackLoadSizes): void {
  describe('a burst of slash commands from a cold start', () => {
    const scenario = new Scenario(
      `${sizes.burst} slash commands in ${sizes.burstWindowMs / 1000} s from a cold start`,
    );
    let h: MedicHarness | undefined;
    afterAll(async () => {
      scenario.save();
      await h?.stop();
    });
    it(`every ack under ${ACK_LIMIT_MS} ms, every command answered once`, async () => {
      await scenario.run(async () => {
        h = await startMedicHarness({ keys: 2_000 });
        const bot = h;
        // A mix like an incident channel's: mostly quick answers, every tenth a full status check.
        const commands = Array.from({ length: sizes.burst }, (_, i) =>
          i % 10 === 0
            ? { command: '/redis-status', text: 'market' }
            : i % 3 === 0
              ? { command: '/redis-audit', text: 'market' }
              : { command: '/redis-status', text: 'help' },
        );
        const gapMs = sizes.burstWindowMs / sizes.burst;
        const t0 = Date.now();
        const sent = await Promise.all(
          commands.map(async (c, i) => {
            const wait = t0 + i * gapMs - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            return { c, ...(await bot.slash(c.text, { command: c.command })) };
          }),
        );
        const acks = sent.map((s) => s.res.elapsedMs);
        scenario.figure('p50 ack ms', Math.round(percentile(acks, 50)));
        scenario.figure('p99 ack ms', Math.round(percentile(acks, 99)));
        scenario.figure('max ack ms', Math.round(Math.max(...acks)));
        const slow = sent.filter((s) => s.res.elapsedMs >= ACK_LIMIT_MS).length;
        scenario.figure(`acks ≥ ${ACK_LIMIT_MS} ms`, slow);
        expect(sent.filter((s) => s.res.status !== 200)).toEqual([]);
        // Every quick command gets exactly one answer on its response_url.
        await settleFake(bot.fake, 120_000 + sizes.burst * 500, 1_500);
        const quick = sent.filter((s) => s.c.text !== 'market');
        const answers = (id: string) =>
          bot.fake.callsTo('response_url').filter((c) => c.responseId === id).length;
        const wrong = quick
          .filter((s) => answers(s.responseId) !== 1)
          .map((s) => `${s.responseId}: ${answers(s.responseId)}`);
        scenario.figure('commands answered other than once', wrong.length);
        expect(wrong).toEqual([]);
        expect(slow).toBe(0);
      });
    }, 240_000);
  });

  // The 429 run waits out real Retry-After seconds: the soak runs it, the fast suite does not.
  if (sizes.statusReports === 0) return;
  describe('a fake Slack answering 429 with Retry-After to a third of the calls', () => {
    const scenario = new Scenario('Slack answers 429 + Retry-After to a third of calls');
    let h: MedicHarness | undefined;
    afterAll(async () => {
      scenario.save();
      await h?.stop();
    });

    /** Successful posts to `channel` since `mark`, in the order the fake accepted them. */
    const posted = (bot: MedicHarness, mark: number, channel: string): RecordedCall[] =>
      bot.fake.calls
        .slice(mark)
        .filter((c) => c.method === 'chat.postMessage' && c.body.channel === channel && c.status === 200);

    const sendNotify = async (bot: MedicHarness): Promise<SignedPostResult> =>
      postViewSubmission(bot.baseUrl, bot.signingSecret, {
        user: { id: 'UONCALL' },
        view: {
          id: 'VNOTIFY',
          callback_id: NotifyView.callbackId,
          private_metadata: JSON.stringify({ cluster: 'market', origin: MARKET_CHANNEL, lang: 'en' }),
          values: {
            [NotifyView.channel]: { [NotifyView.channel]: { selected_conversation: DEV_CHANNEL } },
            [NotifyView.deadline]: { [NotifyView.deadline]: { selected_date: '2999-01-01' } },
            [NotifyView.owner]: { [NotifyView.owner]: { selected_user: 'UOWNER' } },
            [NotifyView.summary('en')]: {
              [NotifyView.summary('en')]: { value: 'Keys without TTL filled memory.' },
            },
            [NotifyView.summary('zh')]: {
              [NotifyView.summary('zh')]: { value: '无 TTL 的 Key 占满了内存。' },
            },
            [NotifyView.langs]: { [NotifyView.langs]: { selected_option: { value: 'both' } } },
          },
        },
      });

    it('no message lost or duplicated, thread and message order kept', async () => {
      await scenario.run(async () => {
        // The bot as deployed: web-api's retries on, so a 429 is waited out and retried.
        h = await startMedicHarness({ keys: 2_000, slackRetries: 3 });
        const bot = h;
        // An incident to write about.
        const first = await bot.slash('market');
        expect(first.res.status).toBe(200);
        await bot.fake.waitFor(
          'chat.postMessage',
          (c) => c.body.channel === MARKET_CHANNEL && !c.body.thread_ts,
          30_000,
        );
        await settleFake(bot.fake, 60_000);

        // The reference: the incident message without rate limiting.
        let mark = bot.mark();
        expect((await sendNotify(bot)).status).toBe(200);
        await settleFake(bot.fake, 60_000, 1_500);
        // A part is known by its heading (the body names the earlier send in the timeline).
        const heading = (c: RecordedCall) => JSON.stringify(blocksOf(c)[0] ?? c.body.text);
        const reference = posted(bot, mark, DEV_CHANNEL).map(heading);
        expect(reference.length).toBeGreaterThan(1);

        // The same message with a third of the calls rate limited.
        bot.fake.setRateLimit({ every: 3, retryAfterSec: 1 });
        mark = bot.mark();
        expect((await sendNotify(bot)).status).toBe(200);
        await settleFake(bot.fake, 120_000, 3_000);
        const limited = posted(bot, mark, DEV_CHANNEL).map(heading);
        const rateLimited = bot.fake.calls.slice(mark).filter((c) => c.status === 429).length;
        scenario.figure('incident message parts', reference.length);
        scenario.figure('parts delivered under 429s', limited.length);
        expect(rateLimited).toBeGreaterThan(0);
        expect(limited).toEqual(reference);

        // Status reports into the incident thread, one after another, under the same 429s.
        mark = bot.mark();
        for (let i = 0; i < sizes.statusReports; i++) {
          const m = bot.mark();
          expect((await bot.slash('market')).res.status).toBe(200);
          await bot.fake.waitFor(
            'chat.postMessage',
            (c) =>
              bot.since(m, c) &&
              c.body.channel === MARKET_CHANNEL &&
              c.status === 200 &&
              typeof c.body.thread_ts === 'string',
            60_000,
          );
        }
        await settleFake(bot.fake, 120_000, 3_000);
        const reports = posted(bot, mark, MARKET_CHANNEL).filter((c) => typeof c.body.thread_ts === 'string');
        const threads = new Set(reports.map((c) => c.body.thread_ts));
        const all429 = bot.fake.calls.slice(mark).filter((c) => c.status === 429).length;
        scenario.figure('status reports sent', sizes.statusReports);
        scenario.figure('status reports delivered', reports.length);
        scenario.figure('429 answers', rateLimited + all429);
        expect(reports).toHaveLength(sizes.statusReports);
        expect(threads.size).toBe(1);
        bot.fake.setRateLimit(undefined);
      });
    }, 300_000);
  });
}
