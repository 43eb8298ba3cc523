/**
 * What goes wrong around `/redis-status`, end to end through the real bot: forged or replayed
 * requests, unknown clusters and stray arguments, Redis servers that refuse, and a channel the bot
 * can't post in. After each Redis failure the bot must keep serving.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  buttonOf,
  hasButton,
  LOCKED_PASSWORD,
  MARKET_CHANNEL,
  type MedicHarness,
  sleep,
  startMedicHarness,
  textOf,
  tsOf,
  WRONG_PASSWORD,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness();
});

afterAll(async () => {
  await h?.stop();
});

const KNOWN = 'Known clusters: market, down, locked, tlsplain';

function responseTo(responseId: string, mark: number, timeoutMs = 5_000): Promise<RecordedCall> {
  return h.fake.waitFor('response_url', (c) => h.since(mark, c) && c.responseId === responseId, timeoutMs);
}

function postsIn(channel: string, mark: number): RecordedCall[] {
  return h.fake.callsTo('chat.postMessage').filter((c) => h.since(mark, c) && c.body.channel === channel);
}

describe('request verification', () => {
  it('refuses a forged signature (401) and posts nothing', async () => {
    const { res, responseId, mark } = await h.slash('market', {
      channel: 'C0FORGED',
      user: 'UFORGER',
      signed: { badSignature: true },
    });
    expect(res.status).toBe(401);
    await sleep(500);
    expect(h.fake.calls.filter((c) => h.since(mark, c))).toEqual([]);
    expect(h.fake.calls.some((c) => c.responseId === responseId)).toBe(false);
  });

  it('refuses a correctly signed request that is 6 minutes old (401) and posts nothing', async () => {
    const { res, mark } = await h.slash('market', {
      channel: 'C0REPLAY',
      user: 'UREPLAY',
      signed: { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 },
    });
    expect(res.status).toBe(401);
    await sleep(500);
    expect(h.fake.calls.filter((c) => h.since(mark, c))).toEqual([]);
  });

  it('accepts the same request signed now (the two refusals above are about the signature)', async () => {
    const { res, mark } = await h.slash('market', { channel: 'C0SIGNED', user: 'USIGNED' });
    expect(res.status).toBe(200);
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === 'C0SIGNED' && hasButton(c, 'status_refresh'),
      8_000,
    );
  });
});

describe('help instead of a report', () => {
  const cases = [
    {
      name: 'a stray argument after a cluster',
      text: 'nope <!channel>',
      problem: 'Expected one cluster name, got: nope &lt;!channel&gt;',
    },
    {
      name: 'a mention as the cluster name',
      text: '<!channel>',
      problem: 'Unknown cluster: &lt;!channel&gt;',
    },
    { name: 'an unknown cluster', text: 'nope', problem: 'Unknown cluster: nope' },
  ];
  for (const c of cases) {
    it(`${c.name} (${JSON.stringify(c.text)}): a private help listing the clusters, user text escaped`, async () => {
      const { res, responseId, mark } = await h.slash(c.text, { channel: 'C0HELP' });
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeLessThan(3_000);
      const help = await responseTo(responseId, mark);
      expect(help.body.response_type).toBe('ephemeral');
      const text = String(help.body.text);
      expect(text).toContain(`:warning: ${c.problem}`);
      expect(text).toContain('Usage: `/redis-status [cluster]`');
      expect(text).toContain(KNOWN);
      expect(textOf(blocksOf(help))).toBe(text);
      // Nowhere in what Slack would render may the mention survive unescaped.
      expect(help.rawBody).not.toContain('<!channel>');
      expect(postsIn('C0HELP', mark)).toEqual([]);
    });
  }

  it('no argument in a channel without a default cluster: says so, and lists the clusters', async () => {
    const { responseId, mark } = await h.slash('', { channel: 'C0NODEFAULT' });
    const help = await responseTo(responseId, mark);
    expect(help.body.response_type).toBe('ephemeral');
    expect(String(help.body.text)).toContain('This channel has no default cluster; name one.');
    expect(String(help.body.text)).toContain(KNOWN);
    expect(postsIn('C0NODEFAULT', mark)).toEqual([]);
  });

  it('`help` in the market channel also names the channel’s default cluster', async () => {
    const { responseId, mark } = await h.slash('help', { channel: MARKET_CHANNEL });
    const help = await responseTo(responseId, mark);
    expect(String(help.body.text)).not.toContain(':warning:');
    expect(String(help.body.text)).toContain('In this channel `/redis-status` alone checks market.');
    expect(postsIn(MARKET_CHANNEL, mark)).toEqual([]);
  });
});

describe('a target Redis that refuses: a clear message in Slack, and the bot keeps serving', () => {
  const cases = [
    {
      cluster: 'down',
      expected: () =>
        `:x: Could not read *down*.\ncannot reach Redis at 127.0.0.1:${h.downPort}: connection refused (is the server running, and is the port right?)`,
    },
    {
      cluster: 'locked',
      expected: () =>
        `:x: Could not read *locked*.\nRedis at 127.0.0.1:${h.locked.port} refused the login: wrong user name or password`,
    },
    {
      cluster: 'tlsplain',
      // A TLS ClientHello to a plain-text port either hangs (no newline) or gets a plain-text error.
      expected: () =>
        new RegExp(
          `^:x: Could not read \\*tlsplain\\*\\.\\nTLS to Redis at 127\\.0\\.0\\.1:${h.target.port} failed: .*plain.text`,
        ),
    },
  ];
  for (const c of cases) {
    it(`${c.cluster}`, async () => {
      const channel = 'C0BROKEN';
      const started = Date.now();
      const { res, mark } = await h.slash(c.cluster, { channel });
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeLessThan(3_000);
      const failure = await h.fake.waitFor(
        'chat.postMessage',
        (m) =>
          h.since(mark, m) && m.body.channel === channel && String(m.body.text).includes(`*${c.cluster}*`),
        15_000,
      );
      // Within seconds (connectTimeoutMs is 1 s), not after a client library's retries (which would
      // go on for a minute and more).
      expect(failure.at - started).toBeLessThan(10_000);
      const expected = c.expected();
      if (typeof expected === 'string') expect(failure.body.text).toBe(expected);
      else expect(String(failure.body.text)).toMatch(expected);
      expect(textOf(blocksOf(failure))).toBe(failure.body.text);
      // Secrets never reach Slack.
      expect(failure.rawBody).not.toContain(WRONG_PASSWORD);
      expect(failure.rawBody).not.toContain(LOCKED_PASSWORD);
      // No report, no buttons, no chart for a target that could not be read.
      expect(hasButton(failure, 'status_refresh')).toBe(false);

      // Right after, the healthy cluster still answers.
      const next = await h.slash('market', { channel });
      expect(next.res.status).toBe(200);
      const report = await h.fake.waitFor(
        'chat.postMessage',
        (m) => h.since(next.mark, m) && m.body.channel === channel && hasButton(m, 'status_refresh'),
        8_000,
      );
      expect(String(report.body.text)).toMatch(/^market: \d+\.\d% — /);
    });
  }

  it('a failure of a cluster with an open incident goes into its thread and onto its timeline', async () => {
    const channel = 'C0LOCKED';
    // Give `locked` the password the config has, so a report can open an incident thread...
    const admin = new Redis(h.locked.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await admin.connect();
      await admin.config('SET', 'requirepass', WRONG_PASSWORD);
      const ok = await h.slash('locked', { channel });
      const report = await h.fake.waitFor(
        'chat.postMessage',
        (m) => h.since(ok.mark, m) && m.body.channel === channel && hasButton(m, 'status_refresh'),
        8_000,
      );
      const threadTs = tsOf(report);
      // ...then change it back: the next reading is refused.
      await admin.config('SET', 'requirepass', LOCKED_PASSWORD);
      const { mark } = await h.slash('locked', { channel });
      const failure = await h.fake.waitFor(
        'chat.postMessage',
        (m) => h.since(mark, m) && m.body.channel === channel && String(m.body.text).startsWith(':x:'),
        6_000,
      );
      expect(failure.body.thread_ts).toBe(threadTs);
      expect(String(failure.body.text)).toContain('refused the login: wrong user name or password');

      const incidentId = (
        JSON.parse(buttonOf(blocksOf(report), 'status_refresh').value) as { incident: string }
      ).incident;
      await expect
        .poll(async () => (await h.server.services.incidents.timeline(incidentId)).map((e) => e.kind))
        .toEqual(['opened', 'status', 'status_failed']);
    } finally {
      await admin.quit().catch(() => admin.disconnect());
    }
  });
});

describe('Slack refuses the post', () => {
  it('not_in_channel: the user privately gets the invite hint, and the next report opens the thread', async () => {
    const channel = 'C0NOTINVITED';
    h.fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const { responseId, mark } = await h.slash('market', { channel });
    const hint = await responseTo(responseId, mark, 8_000);
    expect(hint.body.response_type).toBe('ephemeral');
    expect(String(hint.body.text)).toContain('Invite me with `/invite @redis-medic`');

    // The half-opened incident was released: after /invite the next report starts a thread.
    const again = await h.slash('market', { channel });
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (m) => h.since(again.mark, m) && m.body.channel === channel && hasButton(m, 'status_refresh'),
      8_000,
    );
    expect(report.body.thread_ts).toBeUndefined();
    expect(report.status).toBe(200);
  });
});
