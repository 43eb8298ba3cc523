/**
 * `/redis-notify` end to end through the real bot: the modal opens at once and is filled with the
 * draft from the incident (timeline, census, rules), Send posts the bilingual message to the
 * chosen channel in order and within Slack's limits, records it in the incident timeline and the
 * audit log, and notes it in the incident thread. User text never pings; bad submissions change
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyView } from '../../src/slack/blocks/notify-modal.js';
import { census as fixtureCensus } from '../fixtures/incident.js';
import { readAuditStream } from '../support/audit-stream.js';
import {
  blocksOf,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postViewSubmission } from '../support/slack/signed-request.js';

const DEV_CHANNEL = 'C0DEVTEAM';
const SRE = 'USRE1';
const SRE_ZH = 'USREZH';
const OWNER = 'UDEVOWNER';
const PATTERN = 'MARKETING:COUPON:UNREAD:*';

let h: MedicHarness;
let incidentId: string;
let viewCounter = 0;

beforeAll(async () => {
  h = await startMedicHarness({
    devTeamChannel: DEV_CHANNEL,
    rules: [
      {
        name: 'coupon-unread',
        match: PATTERN,
        action: 'set-missing',
        ttl: '60d',
        jitter: '10%',
        risk: 'low',
      },
    ],
  });
  h.fake.setHandler('views.open', () => {
    viewCounter += 1;
    return { ok: true, view: { id: `V${viewCounter}`, hash: `h${viewCounter}` } };
  });
  h.fake.setHandler('views.update', (call) => ({ ok: true, view: { id: call.body.view_id, hash: 'h2' } }));
  h.fake.setUserLocale(SRE_ZH, 'zh-CN');
  // An incident thread (status check), and a census of the cluster to name the patterns at fault.
  const { mark } = await h.slash('', { user: SRE });
  await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL,
    15_000,
  );
  // The incident is recorded right after its first message is posted.
  let incident = await h.server.services.incidents.findOpen('market', MARKET_CHANNEL);
  for (let i = 0; i < 100 && !incident; i++) {
    await new Promise((r) => setTimeout(r, 50));
    incident = await h.server.services.incidents.findOpen('market', MARKET_CHANNEL);
  }
  if (!incident) throw new Error('no incident after /redis-status');
  incidentId = incident.id;
  await h.server.services.snapshots.save({ ...fixtureCensus, cluster: 'market' });
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

interface OpenedModal {
  viewId: string;
  view: { title: { text: string }; private_metadata: string; blocks: Record<string, unknown>[] };
}

async function openModal(user = SRE, text = ''): Promise<OpenedModal> {
  const { mark, res } = await h.slash(text, { user, command: '/redis-notify' });
  expect(res.status).toBe(200);
  const open = await h.fake.waitFor('views.open', (c) => h.since(mark, c));
  expect(open.body.trigger_id).toBeTruthy();
  const update = await h.fake.waitFor('views.update', (c) => h.since(mark, c), 10_000);
  return { viewId: String(update.body.view_id), view: update.body.view as OpenedModal['view'] };
}

function initialValue(view: OpenedModal['view'], blockId: string): string {
  const block = view.blocks.find((b) => b.block_id === blockId) as { element: { initial_value?: string } };
  return block.element.initial_value ?? '';
}

function submit(
  modal: OpenedModal,
  o: {
    user?: string;
    channel?: string;
    deadline?: string;
    owner?: string;
    langs?: string;
    summaryEn?: string;
    summaryZh?: string;
    metadata?: string;
  } = {},
) {
  const v = (blockId: string, value: Record<string, unknown>) => ({ [blockId]: { [blockId]: value } });
  return postViewSubmission(h.baseUrl, h.signingSecret, {
    user: { id: o.user ?? SRE },
    view: {
      id: modal.viewId,
      callback_id: NotifyView.callbackId,
      private_metadata: o.metadata ?? modal.view.private_metadata,
      values: {
        ...v(NotifyView.summary('en'), {
          type: 'plain_text_input',
          value: o.summaryEn ?? initialValue(modal.view, NotifyView.summary('en')),
        }),
        ...v(NotifyView.summary('zh'), {
          type: 'plain_text_input',
          value: o.summaryZh ?? initialValue(modal.view, NotifyView.summary('zh')),
        }),
        ...v(NotifyView.owner, { type: 'users_select', selected_user: o.owner ?? null }),
        ...v(NotifyView.deadline, { type: 'datepicker', selected_date: o.deadline ?? null }),
        ...v(NotifyView.channel, {
          type: 'conversations_select',
          selected_conversation: o.channel ?? DEV_CHANNEL,
        }),
        ...v(NotifyView.langs, {
          type: 'static_select',
          selected_option: { value: o.langs ?? 'both', text: { type: 'plain_text', text: 'x' } },
        }),
      },
    },
  });
}

const futureDate = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
const postsTo = (channel: string, mark: number) =>
  h.fake.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && h.since(mark, c));

describe('/redis-notify', () => {
  it('opens a modal pre-filled from the incident: drafts in both languages, dev channel, preview', async () => {
    const { view } = await openModal();
    expect(view.title.text).toBe('Incident message');
    const en = initialValue(view, NotifyView.summary('en'));
    const zh = initialValue(view, NotifyView.summary('zh'));
    expect(en).toMatch(/cache cluster market reached \d+\.\d% of its memory/);
    expect(en).toContain('329,044 keys had no TTL');
    expect(zh).toMatch(/缓存集群 market 的内存使用率在 .* 达到 \d+\.\d%/);
    const channel = view.blocks.find((b) => b.block_id === NotifyView.channel) as {
      element: { initial_conversation?: string };
    };
    expect(channel.element.initial_conversation).toBe(DEV_CHANNEL);
    const preview = textOf(view.blocks);
    expect(preview).toContain('Preview: English');
    expect(preview).toContain('Preview: Chinese');
    expect(preview).toContain(`\`${PATTERN}\``);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ cluster: 'market', incidentId });
  });

  it('speaks Chinese to a zh-CN user', async () => {
    const { view } = await openModal(SRE_ZH);
    expect(view.title.text).toBe('事故通报');
    expect(textOf(view.blocks)).toContain('预览：英文');
  });

  it('Send posts English then Chinese to the channel, records it, and user text never pings', async () => {
    const modal = await openModal();
    const mark = h.mark();
    const evil = 'Fixed. <!channel> please read & ack <@U123|x>';
    const res = await submit(modal, {
      owner: OWNER,
      deadline: futureDate(),
      summaryEn: evil,
      summaryZh: `已修复。${evil}`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe(''); // plain ack: the modal closes
    const note = await h.fake.waitFor(
      'chat.postMessage',
      (c) =>
        h.since(mark, c) && c.body.channel === MARKET_CHANNEL && String(c.body.text).includes(DEV_CHANNEL),
      10_000,
    );
    const posts = postsTo(DEV_CHANNEL, mark);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    const texts = posts.map((p) => textOf(blocksOf(p)));
    const firstZh = texts.findIndex((t) => /[\u4e00-\u9fff]/.test(t));
    expect(firstZh).toBeGreaterThan(0);
    expect(texts.slice(firstZh).every((t) => /[\u4e00-\u9fff]/.test(t))).toBe(true); // en first, then zh
    expect(texts[0]).toContain('Redis memory incident on market');
    const all = texts.join('\n');
    expect(all).toContain('Fixed. &lt;!channel&gt; please read &amp; ack &lt;@U123|x&gt;');
    expect(all).not.toMatch(/<!channel>|<@U123\|x>/);
    expect(all).toContain(`<@${OWNER}>`); // a mention the bot built from the users_select
    expect(all).toContain(`MARKETING:COUPON:UNREAD:*\`: set a TTL of 60 days (\`EX 5184000\`)`);
    for (const p of posts) {
      const blocks = blocksOf(p);
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks as { type: string; text?: { text: string } }[])
        if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      expect(String(p.body.text).length).toBeGreaterThan(0);
    }
    // The thread hears about it, and so do the timeline and the audit log.
    expect(note.body.thread_ts).toBeTruthy();
    expect(String(note.body.text)).toContain(`<@${SRE}>`);
    const timeline = await h.server.services.incidents.timeline(incidentId);
    // Sending it also ticks the checklist's "message to the dev team" step, right after.
    expect(timeline.at(-1)).toMatchObject({
      kind: 'step_done',
      actor: SRE,
      data: { step: 'notify_dev_team' },
    });
    expect(timeline.at(-2)).toMatchObject({
      kind: 'notify_sent',
      actor: SRE,
      data: { channel: DEV_CHANNEL, langs: 'both', messages: posts.length },
    });
    const [entry] = await h.server.services.audit.list({ cluster: 'market', limit: 1 });
    expect(entry).toMatchObject({
      action: 'notify_sent',
      actor: SRE,
      channel: DEV_CHANNEL,
      incidentId,
      counts: { messages: posts.length },
    });
  });

  it('one language only when asked', async () => {
    const modal = await openModal();
    const mark = h.mark();
    await submit(modal, { langs: 'zh' });
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL,
      10_000,
    );
    const texts = postsTo(DEV_CHANNEL, mark).map((p) => textOf(blocksOf(p)));
    expect(texts.length).toBeGreaterThan(0);
    expect(texts[0]).toContain('Redis 内存事故');
    expect(texts.join('\n')).not.toContain('Redis memory incident');
  });

  it('a deadline in the past is refused in the form, and nothing is sent', async () => {
    const modal = await openModal();
    const mark = h.mark();
    const res = await submit(modal, { deadline: '2020-01-01' });
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { [NotifyView.deadline]: 'The deadline is in the past.' },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(postsTo(DEV_CHANNEL, mark)).toHaveLength(0);
  });

  it('a forged form (unknown cluster in the metadata) is refused and audited, and nothing is sent', async () => {
    const modal = await openModal();
    const mark = h.mark();
    const before = (await readAuditStream(h.queue.url, h.config.queue.prefix)).length;
    const res = await submit(modal, {
      metadata: JSON.stringify({ cluster: 'nope', origin: MARKET_CHANNEL }),
    });
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'errors' });
    // The refusal is written after the ack: wait for it, then nothing else may have been sent.
    await expect
      .poll(async () => (await readAuditStream(h.queue.url, h.config.queue.prefix)).slice(before))
      .toEqual([
        expect.objectContaining({
          action: 'refused',
          actor: SRE,
          reason: 'forged_form',
          control: 'notify_submit',
          channel: MARKET_CHANNEL,
        }),
      ]);
    expect(postsTo(DEV_CHANNEL, mark)).toHaveLength(0);
  });

  it('a channel the bot is not in: the sender is told how to fix it, nothing is recorded', async () => {
    const modal = await openModal();
    const mark = h.mark();
    const before = (await h.server.services.audit.list({ limit: 1 }))[0]?.id;
    h.fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await submit(modal, { channel: 'C0NOTMEMBER' });
    const told: RecordedCall = await h.fake.waitFor('chat.postEphemeral', (c) => h.since(mark, c), 10_000);
    expect(told.body).toMatchObject({ channel: MARKET_CHANNEL, user: SRE });
    expect(String(told.body.text)).toContain('the bot is not a member of that channel');
    expect((await h.server.services.audit.list({ limit: 1 }))[0]?.id).toBe(before);
  });

  it("today's UTC date is never refused as past, whatever the sender's time zone", async () => {
    const modal = await openModal();
    const mark = h.mark();
    const res = await submit(modal, { deadline: new Date().toISOString().slice(0, 10), langs: 'en' });
    expect(res.body).toBe('');
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL,
      10_000,
    );
    expect(postsTo(DEV_CHANNEL, mark).length).toBeGreaterThan(0);
  });

  it('a send that breaks half way is told and recorded as partial, never as sent', async () => {
    const modal = await openModal();
    const mark = h.mark();
    let posts = 0;
    h.fake.setHandler('chat.postMessage', (call) => {
      if (call.body.channel !== DEV_CHANNEL) return { ok: true };
      posts += 1;
      return posts === 2 ? { ok: false, error: 'is_archived' } : { ok: true };
    });
    try {
      await submit(modal, { langs: 'both' });
      const told = await h.fake.waitFor('chat.postEphemeral', (c) => h.since(mark, c), 10_000);
      expect(String(told.body.text)).toMatch(/after 1 of \d+ messages: Slack answered is_archived/);
      const note = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL && Boolean(c.body.thread_ts),
        10_000,
      );
      expect(String(note.body.text)).toMatch(/sent only part of the incident message .*: 1 of \d+ messages/);
      const [entry] = await h.server.services.audit.list({ cluster: 'market', limit: 1 });
      expect(entry?.action).toBe('notify_sent');
      expect(entry?.counts?.messages).toBe(1);
      expect(entry?.counts?.total).toBeGreaterThan(1);
    } finally {
      h.fake.setHandler('chat.postMessage', undefined);
    }
  });

  it('unknown cluster in the command: the help, no modal', async () => {
    const { mark, responseId } = await h.slash('nope', { command: '/redis-notify' });
    const reply = await h.fake.waitFor(
      'response_url',
      (c) => h.since(mark, c) && c.path.endsWith(responseId),
    );
    expect(String(reply.body.text)).toContain('/redis-notify');
    expect(h.fake.callsTo('views.open').filter((c) => h.since(mark, c))).toHaveLength(0);
  });
});
