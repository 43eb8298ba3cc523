/**
 * Hostile input against the real bot over signed HTTP (property-based, fast-check): slash-command
 * text for every command, button clicks with forged values for every action id, and notify-modal
 * submissions. Sized by the caller (a few hundred cases in `npm test`, thousands in the soak).
 *
 * After each batch, on everything the fake Slack API recorded: 0 non-200 acks, 0 unhandled
 * rejections, 0 jobs added to the queue Redis, every string well-formed UTF-16, no broadcast
 * mention and no mention of anyone the test did not use, and no English sentence of locales/en in a
 * reply to the Chinese-speaking user.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ActionId } from '../../src/slack/action-ids.js';
import { NotifyView } from '../../src/slack/blocks/notify-modal.js';
import { MARKET_CHANNEL, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import {
  englishFragments,
  isWellFormedUtf16,
  jobsEverAdded,
  outputProblems,
  settleFake,
  stringsIn,
  watchProcessFaults,
} from '../support/output-checks.js';
import { Scenario } from '../support/reliability-report.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postViewSubmission, type SignedPostResult } from '../support/slack/signed-request.js';

/** A channel no cluster is mapped to: nothing typed there names a cluster unless it says so. */
const FUZZ_CHANNEL = 'C0FUZZ';
const EN_USER = 'UONCALL';
const ZH_USER = 'UZH';
const PEOPLE = [EN_USER, ZH_USER, 'UBOT'];
/** User ids as a forged request could carry them: the bot must never echo them as markup. */
const FORGED_USERS = ['U1><!channel', 'W<!here>', 'U2|x'];

const HOSTILE = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U1>',
  'U1><!channel',
  '<@U1><!channel>',
  '```',
  '`',
  '*',
  '_x_',
  '~',
  '&amp;',
  '&lt;!channel&gt;',
  '<',
  '>',
  '&',
  '😀',
  '👩‍👩‍👧‍👦',
  '🇨🇳',
  '\u0000',
  '\u202E',
  '\u200B',
  '--help',
  '-h',
  'help',
  'all',
  '{{cluster}}',
  '%s',
  '$(id)',
  "'",
  '"',
  '\\',
  'nosuch',
  'coupon-unread',
  'x'.repeat(3000),
  '集群',
];

/** Long runs of emoji and flags: a cut at a fixed length lands inside a surrogate pair. */
const emojiRun = fc
  .array(fc.constantFrom('😀', '🇨🇳', '👩‍👩‍👧‍👦', 'x', ' ', 'é'), { minLength: 20, maxLength: 160 })
  .map((a) => a.join(''));

export const hostileWord = fc.oneof(
  { weight: 2, arbitrary: emojiRun },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
);
/**
 * Words joined by spaces. Well-formed only: Slack's JSON is UTF-8, so what it sends has no lone
 * surrogate, and one in the output must have been made by the bot (cutting a string in a pair).
 */
export const hostileText = fc
  .array(hostileWord, { maxLength: 6 })
  .map((ws) => ws.join(' '))
  .filter((s) => isWellFormedUtf16(s));

const COMMANDS = ['/redis-status', '/redis-keys', '/redis-ttl', '/redis-audit', '/redis-notify'] as const;

interface Sizes {
  cases: number;
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(
  items: readonly T[],
  width: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/** Fails with the first problems named (the report shows the first failure's message). */
function failOn(problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`${problems.length} problems: ${problems.slice(0, 3).join('; ')}`);
}

export function hostileSlackSuites(sizes: Sizes): void {
  let h: MedicHarness;
  let faults: ReturnType<typeof watchProcessFaults>;
  let fragments: string[];
  let queueClient: Redis;
  beforeAll(async () => {
    faults = watchProcessFaults();
    fragments = englishFragments();
    h = await startMedicHarness({
      keys: 2_000,
      rules: [
        {
          name: 'coupon-unread',
          cluster: 'market',
          match: 'coupon:unread:*',
          action: 'set-missing',
          ttl: '60d',
          jitter: '10%',
          risk: 'low',
        },
      ],
    });
    h.fake.setUserLocale(ZH_USER, 'zh-CN');
    queueClient = new Redis(h.queue.url, { maxRetriesPerRequest: 1 });
  }, 120_000);
  afterAll(async () => {
    faults?.stop();
    queueClient?.disconnect();
    await h?.stop();
  });

  /** Replies meant for the Chinese-speaking user that carry an English sentence. */
  const englishForZh = (calls: readonly RecordedCall[], zhResponseIds: Set<string>): string[] => {
    const out: string[] = [];
    let seen = 0;
    for (const c of calls) {
      const forZh =
        (c.method === 'response_url' && c.responseId !== undefined && zhResponseIds.has(c.responseId)) ||
        (c.method === 'chat.postEphemeral' && c.body.user === ZH_USER);
      if (!forZh) continue;
      seen++;
      const text = stringsIn(c.body).join('\n');
      const hit = fragments.find((f) => text.includes(f));
      if (hit) out.push(`${c.method}: English in a reply to a zh user: ${JSON.stringify(hit)}`);
    }
    // A check that saw nothing proves nothing.
    if (zhResponseIds.size > 0 && seen === 0) out.push('no reply to the zh user was seen');
    return out;
  };

  const verdict = async (
    scenario: Scenario,
    what: {
      mark: number;
      jobsBefore: number;
      rejectionsBefore: number;
      acks: SignedPostResult[];
      zh: Set<string>;
    },
  ) => {
    await settleFake(h.fake, 60_000 + sizes.cases * 50);
    const calls = h.fake.calls.slice(what.mark);
    const badAcks = what.acks.filter((r) => r.status !== 200);
    const problems = [
      ...badAcks.slice(0, 5).map((r) => `ack ${r.status}: ${r.body.slice(0, 100)}`),
      ...outputProblems(calls, PEOPLE),
      ...englishForZh(calls, what.zh),
    ];
    const jobs = (await jobsEverAdded(queueClient)) - what.jobsBefore;
    const rejections = faults.rejections() - what.rejectionsBefore;
    if (jobs !== 0) problems.push(`${jobs} jobs added from invalid input`);
    if (rejections !== 0) problems.push(`${rejections} unhandled rejections`);
    scenario.figure('cases', what.acks.length);
    scenario.figure('non-200 acks', badAcks.length);
    scenario.figure('Slack calls checked', calls.length);
    scenario.figure('jobs from invalid input', jobs);
    scenario.figure('unhandled rejections', rejections);
    scenario.figure('output problems', problems.length);
    scenario.max('slowest ack ms', Math.round(Math.max(0, ...what.acks.map((a) => a.elapsedMs))));
    return problems;
  };

  const start = async () => ({
    mark: h.mark(),
    jobsBefore: await jobsEverAdded(queueClient),
    rejectionsBefore: faults.rejections(),
    acks: [] as SignedPostResult[],
    zh: new Set<string>(),
  });

  describe('hostile slash-command text, every command, en and zh users', () => {
    const scenario = new Scenario('hostile slash-command text (fast-check), every command');
    afterAll(() => scenario.save());
    it(
      `${sizes.cases} cases: acked, nothing queued, output escaped, valid UTF-16, localized`,
      async () => {
        const cases = fc.sample(
          fc.record({
            command: fc.constantFrom(...COMMANDS),
            text: hostileText,
            user: fc.constantFrom(EN_USER, ZH_USER, ...FORGED_USERS),
            channel: fc.constantFrom(FUZZ_CHANNEL, MARKET_CHANNEL),
          }),
          { numRuns: sizes.cases, seed: 4242 },
        );
        const w = await start();
        await scenario.run(async () => {
          await pool(cases, 4, async (c) => {
            // In the market channel only refusals: a text that names nothing valid.
            const text = c.channel === MARKET_CHANNEL ? `nosuch ${c.text} extra` : c.text;
            const r = await h.slash(text, { command: c.command, user: c.user, channel: c.channel });
            w.acks.push(r.res);
            if (c.user === ZH_USER) w.zh.add(r.responseId);
          });
          failOn(await verdict(scenario, w));
        });
      },
      120_000 + sizes.cases * 200,
    );
  });

  describe('forged button values on every action id', () => {
    const scenario = new Scenario('forged button values (fast-check), every action id');
    afterAll(() => scenario.save());
    it(
      `${sizes.cases} clicks: acked, nothing queued, output escaped, valid UTF-16`,
      async () => {
        // Draft-rule buttons carry their row: `draft_ttl_rule_<n>`.
        const ids = Object.values(ActionId).map((id) => (id === ActionId.DraftTtlRule ? `${id}_0` : id));
        const shaped = fc.record({
          cluster: fc.oneof(fc.constant('nosuch'), hostileText),
          incident: hostileText,
          run: hostileText,
          request: hostileText,
          dryRun: hostileText,
          pattern: hostileText,
          keysWithoutTtl: fc.integer(),
          target: fc.double(),
        });
        const value = fc.oneof(
          hostileText,
          fc.json(),
          shaped.map((v) => JSON.stringify(v)),
          // Right shape, ids that name nothing.
          fc
            .record({
              run: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
              request: fc.stringMatching(/^[a-z0-9]{1,20}$/),
            })
            .map((v) => JSON.stringify({ ...v, dryRun: v.request, cluster: 'market', incident: v.run })),
        );
        const cases = fc.sample(
          fc.record({
            action: fc.constantFrom(...ids),
            value,
            user: fc.constantFrom(EN_USER, ZH_USER, ...FORGED_USERS),
            channel: fc.constantFrom(FUZZ_CHANNEL, MARKET_CHANNEL),
            text: hostileText,
          }),
          { numRuns: sizes.cases, seed: 99 },
        );
        const w = await start();
        await scenario.run(async () => {
          await pool(cases, 4, async (c) => {
            const r = await h.click(
              { action_id: c.action, value: c.value, text: c.text.slice(0, 70) || 'x' },
              { ts: '1700000000.000100', text: c.text, blocks: [] },
              { channel: c.channel, user: c.user },
            );
            w.acks.push(r.res);
            if (c.user === ZH_USER) w.zh.add(r.responseId);
          });
          failOn(await verdict(scenario, w));
        });
      },
      120_000 + sizes.cases * 200,
    );
  });

  describe('notify modal submissions with hostile fields', () => {
    const scenario = new Scenario('hostile notify-modal submissions (fast-check)');
    afterAll(() => scenario.save());
    it(
      `${sizes.cases} submissions: acked, nothing queued, output escaped, valid UTF-16`,
      async () => {
        const meta = fc.oneof(
          hostileText,
          fc.json(),
          fc
            .record({
              cluster: fc.constantFrom('market', 'nosuch'),
              incidentId: fc.option(hostileText, { nil: undefined }),
              origin: fc.constantFrom(MARKET_CHANNEL, FUZZ_CHANNEL),
              lang: fc.constantFrom('en', 'zh'),
            })
            .map((m) => JSON.stringify(m)),
        );
        const cases = fc.sample(
          fc.record({
            meta,
            user: fc.constantFrom(EN_USER, ZH_USER),
            channel: fc.oneof(fc.constantFrom(MARKET_CHANNEL, 'C0DEV', ''), hostileText),
            deadline: fc.oneof(fc.constantFrom('2999-01-01', '2000-01-01', ''), hostileText),
            owner: fc.oneof(fc.constantFrom(EN_USER, 'U1><!channel'), hostileText),
            summaryEn: hostileText,
            summaryZh: hostileText,
            langs: fc.constantFrom('en', 'zh', 'both', '<!here>'),
          }),
          { numRuns: sizes.cases, seed: 7 },
        );
        const w = await start();
        await scenario.run(async () => {
          await pool(cases, 4, async (c, i) => {
            // The modal was opened in its reader's language: metadata that names one names theirs.
            const meta = c.meta.replace(/"lang":"(en|zh)"/, `"lang":"${c.user === ZH_USER ? 'zh' : 'en'}"`);
            const res = await postViewSubmission(h.baseUrl, h.signingSecret, {
              user: { id: c.user },
              view: {
                id: `V${i}`,
                callback_id: NotifyView.callbackId,
                private_metadata: meta,
                values: {
                  [NotifyView.channel]: { [NotifyView.channel]: { selected_conversation: c.channel } },
                  [NotifyView.deadline]: { [NotifyView.deadline]: { selected_date: c.deadline } },
                  [NotifyView.owner]: { [NotifyView.owner]: { selected_user: c.owner } },
                  [NotifyView.summary('en')]: { [NotifyView.summary('en')]: { value: c.summaryEn } },
                  [NotifyView.summary('zh')]: { [NotifyView.summary('zh')]: { value: c.summaryZh } },
                  [NotifyView.langs]: { [NotifyView.langs]: { selected_option: { value: c.langs } } },
                },
              },
            });
            w.acks.push(res);
            // The ack itself is output: errors shown in the modal.
            if (res.json !== undefined) {
              for (const s of stringsIn(res.json)) {
                if (!isWellFormedUtf16(s))
                  w.acks.push({ ...res, status: 599, body: `ill-formed ack ${s.slice(0, 40)}` });
              }
              const ackText = stringsIn(res.json).join('\n');
              const meantZh = c.user === ZH_USER;
              const hit = meantZh ? fragments.find((f) => ackText.includes(f)) : undefined;
              if (hit)
                w.acks.push({ ...res, status: 598, body: `English modal error for a zh user: ${hit}` });
            }
          });
          failOn(await verdict(scenario, w));
        });
      },
      120_000 + sizes.cases * 200,
    );
  });
}
