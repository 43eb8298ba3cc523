/**
 * Hostile text end to end through the real bot: key names, key patterns, a forged user id and text
 * people type reach the fake Slack escaped (no `<!channel>` that pings, no ``` that ends a code
 * block early) and as well-formed UTF-16 (an emoji cut in half is not sent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWellFormed, mrkdwnOf, stringsOf } from '../support/hostile-text.js';
import {
  blocksOf,
  buttonOf,
  buttonsOf,
  hasButton,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const RULE = 'esc-samples';
const CHANNEL_KEY = 'esc:<!channel>:1';
const BINARY_KEY = Buffer.concat([Buffer.from('esc:bin:'), Buffer.from([0xff, 0xfe, 0x00])]);
/** 199 code units, then emoji: a cut at 200 code units falls inside the first one. */
const LONG_EMOJI_KEY = `esc:${'a'.repeat(195)}${'👍'.repeat(5)}`;
const FENCE_KEY_PREFIX = '```<!here>```';
/** "Draft TTL rule: " (16) + 58 = 74: a cut at 75 falls inside the first emoji. */
const EMOJI_PATTERN_PREFIX = `emo${'x'.repeat(55)}🔥🔥🔥`;
const FORGED_USER = 'U1><!channel';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 1_000,
    approvers: { users: ['UAPPROVER'] },
    rules: [{ name: RULE, match: 'esc:*', action: 'set-missing', ttl: '30d', jitter: '0%', risk: 'low' }],
  });
  // Room for the extra keys (no status is checked here).
  await h.targetClient.config('SET', 'maxmemory', '0');
  const pipeline = h.targetClient.pipeline();
  pipeline.set(CHANNEL_KEY, 'v');
  pipeline.set(BINARY_KEY, 'v');
  pipeline.set(LONG_EMOJI_KEY, 'v');
  // Enough keys without TTL that both patterns lead the table and get draft-rule buttons.
  for (let i = 0; i < 400; i++) pipeline.set(`${FENCE_KEY_PREFIX}:${i}`, 'x'.repeat(2_000));
  for (let i = 0; i < 400; i++) pipeline.set(`${EMOJI_PATTERN_PREFIX}:${i}`, 'x'.repeat(1_000));
  await pipeline.exec();
});

afterAll(async () => {
  await h?.stop();
});

/**
 * No lone surrogate in anything the bot sent (texts, labels, values, arguments), and no special
 * mention (`<!channel>`, `<!here>`) in any text Slack reads as mrkdwn.
 */
function expectSlackSafe(call: RecordedCall): void {
  for (const s of stringsOf(call.body)) {
    expect.soft(isWellFormed(s), `ill-formed UTF-16 in ${JSON.stringify(s)}`).toBe(true);
  }
  for (const s of mrkdwnOf(call.body)) expect.soft(s).not.toMatch(/<!(channel|here|everyone)/);
}

describe('hostile text reaches Slack escaped and well-formed', () => {
  it('dry-run samples: a `<!channel>` key, a binary key and a long emoji key in the approval request', async () => {
    const dry = await h.slash(`market ${RULE}`, { command: '/redis-ttl', channel: 'C0ESCTTL' });
    expect(dry.res.status).toBe(200);
    const result = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(dry.mark, c) && c.body.channel === 'C0ESCTTL' && hasButton(c, 'ttl_request_approval'),
      20_000,
    );
    const message = { ts: String(result.body.ts), blocks: blocksOf(result) };
    const click = await h.click(buttonOf(message.blocks, 'ttl_request_approval'), message, {
      channel: 'C0ESCTTL',
      user: 'UREQUESTER',
    });
    expect(click.res.status).toBe(200);
    const request = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(click.mark, c) && c.body.channel === 'C0ESCTTL' && hasButton(c, 'ttl_approve'),
      10_000,
    );
    for (const call of [result, request]) {
      expectSlackSafe(call);
      const text = textOf(blocksOf(call));
      // All four keys of the rule are among the samples, each shown escaped.
      expect.soft(text).toContain('esc:&lt;!channel&gt;:1');
      expect.soft(text).toContain('esc:bin:\\xff\\xfe\\x00');
      expect.soft(text).toContain(`esc:${'a'.repeat(195)}…`);
      const samples = blocksOf(call)
        .map((b) => String((b.text as { text?: string } | undefined)?.text ?? ''))
        .find((t) => t.includes('esc:bin:'));
      expect.soft(samples?.split('```').length).toBe(3);
    }
  }, 60_000);

  it('census: a pattern with ``` stays inside the table; a forged user id is text; draft buttons keep emoji whole', async () => {
    const { res, mark } = await h.slash('market', {
      command: '/redis-keys',
      channel: 'C0ESCKEYS',
      user: FORGED_USER,
    });
    expect(res.status).toBe(200);
    const progress = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === 'C0ESCKEYS',
    );
    expect.soft(textOf(blocksOf(progress))).toContain('U1&gt;&lt;!channel');
    const table = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && textOf(blocksOf(c)).includes('Key census of market'),
      30_000,
    );
    expect(table.body.thread_ts).toBe(tsOf(progress));
    const tableSection = blocksOf(table)
      .map((b) => String((b.text as { text?: string } | undefined)?.text ?? ''))
      .find((t) => t.startsWith('```'));
    expect(tableSection).toBeDefined();
    // One code block: the pattern's own backticks neither close it nor open another.
    expect.soft(tableSection?.split('```').length).toBe(3);
    expect.soft(tableSection).toContain('&lt;!here&gt;');

    const buttons = buttonsOf(blocksOf(table)).filter((b) => b.action_id.startsWith('draft_ttl_rule_'));
    const emoji = buttons.find((b) => b.text.includes('emo'));
    expect(emoji, JSON.stringify(buttons)).toBeDefined();
    expect.soft(emoji?.text.length).toBeLessThanOrEqual(75);
    expect.soft(emoji?.text.endsWith('…')).toBe(true);

    for (const call of h.fake.calls.filter((c) => h.since(mark, c))) expectSlackSafe(call);
  }, 60_000);

  it('help echoing what was typed: an emoji at the cut is kept whole or dropped', async () => {
    const typed = `${'m'.repeat(99)}😀tail`;
    const { responseId } = await h.slash(typed, { command: '/redis-status', channel: 'C0ESCHELP' });
    const help = await h.fake.waitFor('response_url', (c) => c.responseId === responseId);
    expectSlackSafe(help);
    expect(String(help.body.text)).toContain(`Unknown cluster: ${'m'.repeat(99)}…`);
  });
});
