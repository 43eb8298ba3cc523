/**
 * The incident as a living checklist, end to end through the real Bolt app: /redis-status opens the
 * incident and its checklist is posted in the thread and pinned once; steps tick as their actions
 * complete (a watch reaching the target, the monitoring export) and the same message is redrawn
 * with chat.update; a skip takes a reason and is audited, an outsider's skip is refused and audited;
 * two replicas opening at once open one incident, and two replicas ticking at once lose no tick;
 * closing posts the report in the thread and to the dev team in English and Chinese (with the
 * memory freed so far); App Home shows every cluster from the bot's own history in the viewer's
 * language, a dead cluster included, with the figures `status --json` gives, and a pending approval
 * (one rule's or the whole plan's) only to an approver who did not ask for it.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverFacts } from '../../src/keyspace/server-facts.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import {
  blocksOf,
  buttonOf,
  buttonsOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
  WRONG_PASSWORD,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';
import { postAppHomeOpened, postSlashCommand, postViewSubmission } from '../support/slack/signed-request.js';
import { waitFor } from '../support/wait-for.js';

const DEV_CHANNEL = 'C0DEVTEAM';
let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({
    devTeamChannel: DEV_CHANNEL,
    approvers: { users: ['UAPPROVER'] },
    rules: [
      {
        name: 'coupon-unread',
        match: 'MARKETING:COUPON:UNREAD:*',
        action: 'set-missing',
        ttl: '60d',
        risk: 'low',
      },
    ],
    remediation: { throttle: false },
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

interface Opened {
  channel: string;
  report: RecordedCall;
  threadTs: string;
  incidentId: string;
  checklist: RecordedCall;
  checklistTs: string;
}

const isChecklist = (c: RecordedCall) => textOf(blocksOf(c)).includes('Incident checklist: market');

/** `/redis-status market` in a channel of its own: opens the incident and posts its checklist. */
async function openByStatus(channel: string, user = 'UONCALL'): Promise<Opened> {
  const { mark } = await h.slash('market', { channel, user });
  const report = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
    10_000,
  );
  const threadTs = tsOf(report);
  const checklist = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.body.channel === channel && c.body.thread_ts === threadTs && isChecklist(c),
    10_000,
  );
  const incidentId = (JSON.parse(buttonOf(blocksOf(report), 'watch_start').value) as { incident: string })
    .incident;
  return { channel, report, threadTs, incidentId, checklist, checklistTs: tsOf(checklist) };
}

function updatesOf(o: Opened): RecordedCall[] {
  return h.fake
    .callsTo('chat.update')
    .filter((c) => c.body.channel === o.channel && c.body.ts === o.checklistTs);
}

/** The newest drawing of the checklist: the last chat.update of its message, else the post. */
function latestChecklist(o: Opened): RecordedCall {
  return updatesOf(o).at(-1) ?? o.checklist;
}

/** The line of one step in a drawing: its block `step_<id>`. */
function stepLine(call: RecordedCall, step: string): string {
  const block = blocksOf(call).find((b) => b.block_id === `step_${step}`) as
    | { text?: { text?: string } }
    | undefined;
  return block?.text?.text ?? '';
}

function stepButtons(call: RecordedCall, step: string) {
  return buttonsOf(blocksOf(call).filter((b) => b.block_id === `step_actions_${step}`));
}

async function memoryPctNow(): Promise<number> {
  const facts = serverFacts(await h.targetClient.info('memory'));
  return ((facts.usedMemory ?? 0) / (facts.maxmemory ?? 1)) * 100;
}

describe('the checklist of an incident opened by /redis-status', () => {
  it('is posted in the thread, pinned once, and ticks in place as the watch and the export complete', async () => {
    const o = await openByStatus('C0CHECK1');
    // Pinned: the checklist message itself, once.
    await waitFor(
      'pins.add',
      () => h.fake.callsTo('pins.add').find((c) => c.body.channel === o.channel),
      5_000,
    );
    // The runbook's eight steps, in order, all to do; severity from the 84.6 % reading (critical ≥ 70).
    expect(
      blocksOf(o.checklist).filter(
        (b) => String(b.block_id ?? '').startsWith('step_') && b.type === 'section',
      ),
    ).toHaveLength(8);
    const plan = stepButtons(o.checklist, 'dry_run').find((b) => b.action_id === 'plan_dry_run');
    expect(JSON.parse(plan?.value ?? '{}')).toEqual({ cluster: 'market' });
    expect(stepButtons(o.checklist, 'sign_off').map((b) => b.action_id)).toContain('plan_request_approval');

    // "Watch until below 75 %" from the checklist; memory is then really lowered on the target.
    const watch = buttonOf(blocksOf(o.checklist), 'watch_start');
    await h.click(
      watch,
      { ts: o.checklistTs, thread_ts: o.threadTs, blocks: blocksOf(o.checklist) },
      { channel: o.channel },
    );
    await waitFor(
      'verify_recovery in progress',
      () => stepLine(latestChecklist(o), 'verify_recovery').includes('in progress'),
      10_000,
    );
    await h.targetClient.config('SET', 'maxmemory', String(Math.round(h.maxmemoryBytes * 1.3)));
    try {
      const done = await waitFor(
        'verify_recovery done',
        () => {
          const line = stepLine(latestChecklist(o), 'verify_recovery');
          return line.startsWith(':white_check_mark:') ? line : undefined;
        },
        20_000,
      );
      // The reading that reached the target is the one Redis itself shows now (within a reading's drift).
      const shown = Number(/\((\d+\.\d)%\)/.exec(done)?.[1]);
      expect(shown).toBeLessThan(75);
      expect(Math.abs(shown - (await memoryPctNow()))).toBeLessThan(1);
      // The bot's watch completed it (the person who started the watch is on the timeline).
      expect(done).toContain('done by the bot');
    } finally {
      await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes));
    }

    // The export button of the monitoring step uploads into the thread and ticks the step.
    const drawing = latestChecklist(o);
    const exportButton = buttonOf(blocksOf(drawing), 'checklist_monitoring');
    await h.click(
      exportButton,
      { ts: o.checklistTs, thread_ts: o.threadTs, blocks: blocksOf(drawing) },
      { channel: o.channel },
    );
    await waitFor(
      'deploy_monitoring done',
      () => stepLine(latestChecklist(o), 'deploy_monitoring').startsWith(':white_check_mark:'),
      10_000,
    );
    const upload = h.fake
      .callsTo('files.completeUploadExternal')
      .find((c) => c.body.channel_id === o.channel);
    expect(upload?.body.thread_ts).toBe(o.threadTs);

    // Every redraw went to the one checklist message; nothing else posted a second checklist or pin.
    expect(updatesOf(o).length).toBeGreaterThanOrEqual(3);
    expect(
      h.fake.callsTo('chat.postMessage').filter((c) => c.body.channel === o.channel && isChecklist(c)),
    ).toHaveLength(1);
    expect(h.fake.callsTo('pins.add').filter((c) => c.body.channel === o.channel)).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ timestamp: o.checklistTs }) }),
    ]);
    // A second /redis-status joins the thread: still one checklist, one pin.
    const again = await h.slash('market', { channel: o.channel });
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(again.mark, c) && c.body.thread_ts === o.threadTs && hasButton(c, 'status_refresh'),
      10_000,
    );
    expect(h.fake.callsTo('pins.add').filter((c) => c.body.channel === o.channel)).toHaveLength(1);
  }, 90_000);

  it('skips a step with a reason (escaped, audited); an outsider is refused and audited', async () => {
    const o = await openByStatus('C0CHECK2');
    h.setChannelMembers(o.channel, ['UONCALL', 'UMEMBER']);
    const skip = stepButtons(o.checklist, 'notify_dev_team').find((b) => b.action_id === 'checklist_skip');
    if (!skip) throw new Error('no Skip on notify_dev_team');
    const message = { ts: o.checklistTs, thread_ts: o.threadTs, blocks: blocksOf(o.checklist) };

    // The outsider: told why, nothing opened, the refusal audited with who, what and where.
    const outsider = await h.click(skip, message, { channel: o.channel, user: 'UOUTSIDER' });
    const told = await h.fake.waitFor('response_url', (c) => c.responseId === outsider.responseId, 5_000);
    expect(String(told.body.text)).toContain('Only members of this channel');
    await waitFor(
      'refusal audited',
      async () =>
        (await h.server.services.audit.list({ cluster: 'market' })).find(
          (e) => e.action === 'refused' && e.actor === 'UOUTSIDER' && e.control === 'checklist_skip',
        ),
      5_000,
    );
    expect(h.fake.callsTo('views.open').filter((c) => h.since(outsider.mark, c))).toHaveLength(0);

    // A member: the form opens; the reason is saved as typed and shown escaped.
    const member = await h.click(skip, message, { channel: o.channel, user: 'UMEMBER' });
    const form = await h.fake.waitFor('views.open', (c) => h.since(member.mark, c), 5_000);
    const view = form.body.view as { private_metadata: string; callback_id: string };
    const reason = 'dev team <!channel> already told & agreed';
    const res = await postViewSubmission(h.baseUrl, h.signingSecret, {
      user: { id: 'UMEMBER' },
      view: {
        id: 'V1',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { text: { text: { type: 'plain_text_input', value: reason } } },
      },
    });
    expect(res.status).toBe(200);
    const line = await waitFor(
      'notify_dev_team skipped',
      () => {
        const l = stepLine(latestChecklist(o), 'notify_dev_team');
        return l.startsWith(':fast_forward:') ? l : undefined;
      },
      10_000,
    );
    expect(line).toContain('dev team &lt;!channel&gt; already told &amp; agreed');
    expect(line).toContain('<@UMEMBER>');
    expect(line).not.toContain('<!channel>');
    const audited = (await h.server.services.audit.list({ cluster: 'market' })).find(
      (e) => e.action === 'step_skipped' && e.incidentId === o.incidentId,
    );
    expect(audited).toMatchObject({ actor: 'UMEMBER', reason: `notify_dev_team: ${reason}` });
    // A skipped step carries no buttons any more.
    expect(stepButtons(latestChecklist(o), 'notify_dev_team')).toEqual([]);
  }, 60_000);
});

describe('deciding scaling', () => {
  it('"Decide scaling" takes the decision in a form and ticks the last step with it', async () => {
    const o = await openByStatus('C0CHECK3');
    const decide = stepButtons(o.checklist, 'scale_decision').find((b) => b.action_id === 'checklist_decide');
    if (!decide) throw new Error('no Decide scaling button');
    const click = await h.click(
      decide,
      { ts: o.checklistTs, thread_ts: o.threadTs, blocks: blocksOf(o.checklist) },
      { channel: o.channel },
    );
    const form = await h.fake.waitFor('views.open', (c) => h.since(click.mark, c), 5_000);
    const view = form.body.view as { private_metadata: string; callback_id: string };
    await postViewSubmission(h.baseUrl, h.signingSecret, {
      user: { id: 'UONCALL' },
      view: {
        id: 'V3',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { text: { text: { type: 'plain_text_input', value: 'no scaling: 62% after two weeks' } } },
      },
    });
    const line = await waitFor(
      'scale_decision done',
      () => {
        const l = stepLine(latestChecklist(o), 'scale_decision');
        return l.startsWith(':white_check_mark:') ? l : undefined;
      },
      10_000,
    );
    expect(line).toContain('<@UONCALL>');
    expect(line).toContain('no scaling: 62% after two weeks');
    const timeline = await h.server.services.incidents.timeline(o.incidentId);
    expect(timeline.find((e) => e.kind === 'scale_decided')).toMatchObject({
      actor: 'UONCALL',
      data: { decision: 'no scaling: 62% after two weeks' },
    });
  }, 60_000);
});

describe('two replicas', () => {
  it('open one incident when /redis-incident start arrives at both at once', async () => {
    const b = await h.startAnotherBot();
    const channel = 'C0RACE1';
    const post = (baseUrl: string, user: string) =>
      postSlashCommand(baseUrl, h.signingSecret, {
        command: '/redis-incident',
        text: 'start market',
        user_id: user,
        channel_id: channel,
        response_url: h.fake.responseUrl(`race-${user}`),
      });
    const results = await Promise.all([post(h.baseUrl, 'UA'), post(`http://127.0.0.1:${b.port}`, 'UB')]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const root = await h.fake.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === channel && String(c.body.text).includes('opened an incident'),
      10_000,
    );
    // The loser is told where the open one is.
    await h.fake.waitFor(
      'response_url',
      (c) => String(c.responseId).startsWith('race-') && String(c.body.text).includes('already open'),
      10_000,
    );
    await waitFor(
      'one pin',
      () => h.fake.callsTo('pins.add').some((c) => c.body.channel === channel),
      10_000,
    );
    expect(
      h.fake.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts),
    ).toEqual([root]);
    expect(
      h.fake.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && isChecklist(c)),
    ).toHaveLength(1);
    expect(h.fake.callsTo('pins.add').filter((c) => c.body.channel === channel)).toHaveLength(1);
    const open = await h.server.services.incidents.findOpen('market', channel);
    expect(open?.threadTs).toBe(tsOf(root));
    expect(
      (await h.server.services.audit.list({ cluster: 'market' })).filter(
        (e) => e.action === 'incident_opened' && e.incidentId === open?.id,
      ),
    ).toHaveLength(1);

    // Both replicas tick every step at once: the checklist's last drawing shows all of them.
    if (!open) throw new Error('no open incident');
    const checklist = await h.fake.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === channel && isChecklist(c),
      10_000,
    );
    await waitFor(
      'checklist ts stored',
      async () => (await h.server.services.incidents.get(open.id))?.checklistTs,
      10_000,
    );
    const o: Opened = {
      channel,
      report: root,
      threadTs: tsOf(root),
      incidentId: open.id,
      checklist,
      checklistTs: tsOf(checklist),
    };
    const steps = h.server.services.checklist.template.map((t) => t.id);
    // Each replica's path to Slack is slow by a different, varying amount: an update sent earlier
    // can arrive later. One tick after the other, alternating replicas, each redrawing at once.
    h.fake.setLatency('chat.update', () => Math.random() * 150);
    try {
      for (const [i, step] of steps.entries()) {
        await (i % 2 ? h.server.services.checklist : b.services.checklist).tick(
          open.id,
          step,
          i % 2 ? 'UA' : 'UB',
        );
      }
      await Promise.all([h.server.services.checklistMessages.idle(), b.services.checklistMessages.idle()]);
    } finally {
      h.fake.setLatency('chat.update', undefined);
    }
    const last = latestChecklist(o);
    for (const step of steps) expect(stepLine(last, step), step).toMatch(/^:white_check_mark:/);
  }, 60_000);
});

describe('closing', () => {
  it('asks for a resolution, posts the report in the thread and to the dev team in English and Chinese', async () => {
    const o = await openByStatus('C0CLOSE1');
    const before = await memoryPctNow();
    // Memory recovers, and a status check in the thread records it.
    await h.targetClient.config('SET', 'maxmemory', String(Math.round(h.maxmemoryBytes * 1.25)));
    try {
      const again = await h.slash('market', { channel: o.channel });
      await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(again.mark, c) && c.body.thread_ts === o.threadTs && hasButton(c, 'status_refresh'),
        10_000,
      );
      const after = await memoryPctNow();
      await waitFor(
        'status recorded',
        async () =>
          (await h.server.services.incidents.timeline(o.incidentId)).filter((e) => e.kind === 'status')
            .length === 2,
        5_000,
      );

      // The bot's samples: 4 MiB used just before it opened, 2.5 MiB now: 1.5 MiB freed so far.
      const opened = await h.server.services.incidents.get(o.incidentId);
      const openedAt = Date.parse(opened?.openedAt ?? '');
      const historyConn = new Redis(h.queue.url, { maxRetriesPerRequest: 1 });
      try {
        const history = new HistoryStore(historyConn, { prefix: h.config.queue.prefix });
        const at = (when: number, usedMemory: number, memoryPct: number): MonitoringSample => ({
          at: when,
          usedMemory,
          maxmemory: Math.round((usedMemory * 100) / memoryPct),
          memoryPct,
          keys: 5000,
          keysWithTtl: 0,
          evicted: 0,
          expired: 0,
          opsPerSec: 1,
          fragmentation: 1,
          clients: 1,
          nodes: 1,
        });
        await history.add('market', at(openedAt - 30_000, 4 * 1024 * 1024, before));
        await history.add('market', at(Date.now(), 2.5 * 1024 * 1024, after));
      } finally {
        historyConn.disconnect();
      }

      const close = await h.slash('close market', { channel: o.channel, command: '/redis-incident' });
      const form = await h.fake.waitFor('views.open', (c) => h.since(close.mark, c), 5_000);
      const view = form.body.view as { private_metadata: string; callback_id: string };
      const submit = (value: string, user = 'UONCALL') =>
        postViewSubmission(h.baseUrl, h.signingSecret, {
          user: { id: user },
          view: {
            id: 'V2',
            callback_id: view.callback_id,
            private_metadata: view.private_metadata,
            values: { text: { text: { type: 'plain_text_input', value } } },
          },
        });
      // An empty summary is refused on the form itself; nothing is closed.
      const empty = await submit('   ');
      expect(empty.json).toMatchObject({ response_action: 'errors' });
      expect((await h.server.services.incidents.get(o.incidentId))?.closedAt).toBeUndefined();
      // The form is checked again at submit: someone who may not act on the incident closes nothing.
      const stranger = await submit('closing it for you', 'UOUTSIDER');
      expect(stranger.json).toMatchObject({ response_action: 'errors' });
      expect((await h.server.services.incidents.get(o.incidentId))?.closedAt).toBeUndefined();
      await waitFor(
        'the refused close audited',
        async () =>
          (await h.server.services.audit.list({ limit: 50 })).some(
            (e) => e.action === 'refused' && e.actor === 'UOUTSIDER' && e.control === 'incident_close',
          ),
        5_000,
      );

      const mark = h.mark();
      await submit('TTLs set on coupon keys; app fix due Friday');
      const inThread = await h.fake.waitFor(
        'chat.postMessage',
        (c) =>
          h.since(mark, c) &&
          c.body.thread_ts === o.threadTs &&
          String(c.body.text).includes('Incident closed'),
        10_000,
      );
      const dev = await waitFor(
        'both languages to the dev team',
        () => {
          const posts = h.fake
            .callsTo('chat.postMessage')
            .filter((c) => h.since(mark, c) && c.body.channel === DEV_CHANNEL);
          return posts.length >= 2 ? posts : undefined;
        },
        10_000,
      );
      const [en, zh] = dev.map((c) => textOf(blocksOf(c)));
      expect(en).toContain('Incident closed: market');
      expect(en).toContain('TTLs set on coupon keys; app fix due Friday');
      expect(zh).toContain('事故已关闭：market');
      expect(zh).toContain('处理结果');
      // Memory when opened → now: the readings Redis gave at those moments (within the ≈ 1 point
      // the bot's own connection adds, see the harness), and the recovery that raising maxmemory made.
      const report = textOf(blocksOf(inThread));
      const m = /Memory:\*? (\d+\.\d)% when opened → (\d+\.\d)% now/.exec(report);
      expect(m, report).not.toBeNull();
      expect(Math.abs(Number(m?.[1]) - before)).toBeLessThan(1.5);
      expect(Math.abs(Number(m?.[2]) - after)).toBeLessThan(1.5);
      expect(Number(m?.[1]) - Number(m?.[2])).toBeGreaterThan(10);
      expect(report).toContain('Memory freed so far:* 1.5 MiB');
      expect(zh).toMatch(/目前已释放内存\*\u200b?：1\.5 MiB/);
      // The timeline holds the events in order, ending with the close.
      const kinds = (await h.server.services.incidents.timeline(o.incidentId)).map((e) => e.kind);
      expect(kinds[0]).toBe('opened');
      expect(kinds.at(-1)).toBe('closed');
      // Closed: the channel is free, the checklist shows the resolution without buttons and is unpinned.
      expect(await h.server.services.incidents.findOpen('market', o.channel)).toBeUndefined();
      const closed = await waitFor(
        'closed drawing',
        () => {
          const l = latestChecklist(o);
          return textOf(blocksOf(l)).includes('Closed by') ? l : undefined;
        },
        10_000,
      );
      expect(buttonsOf(blocksOf(closed))).toEqual([]);
      await waitFor(
        'unpinned',
        () => h.fake.callsTo('pins.remove').find((c) => c.body.timestamp === o.checklistTs),
        5_000,
      );
      // Closing twice closes once.
      const twice = await submit('again');
      expect(twice.json).toMatchObject({ response_action: 'errors' });
      expect(
        (await h.server.services.audit.list({ cluster: 'market' })).filter(
          (e) => e.action === 'incident_closed' && e.incidentId === o.incidentId,
        ),
      ).toHaveLength(1);
    } finally {
      await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes));
    }
  }, 90_000);
});

describe('App Home', () => {
  const openHome = (user: string) => postAppHomeOpened(h.baseUrl, h.signingSecret, user);

  function sample(at: number, memoryPct: number, maxmemory = 1_000_000): MonitoringSample {
    return {
      at,
      usedMemory: Math.round((maxmemory * memoryPct) / 100),
      maxmemory,
      memoryPct,
      keys: 5000,
      keysWithTtl: 2000,
      evicted: 0,
      expired: 0,
      opsPerSec: 10,
      fragmentation: 1.1,
      clients: 3,
      nodes: 1,
    };
  }

  it("publishes every cluster from the history, the open incident, in the viewer's language; a dead cluster too", async () => {
    const queue = new Redis(h.queue.url, { maxRetriesPerRequest: 1 });
    try {
      const history = new HistoryStore(queue, { prefix: h.config.queue.prefix });
      const now = Date.now();
      // market climbs from 70 % to 81.24 % over the last 30 minutes (above the 70 % critical line,
      // rising: the rule says Critical); locked sits flat at 42 %; down has never been sampled.
      for (let i = 0; i <= 30; i++)
        await history.add('market', sample(now - (30 - i) * 60_000, 70 + (11.24 * i) / 30));
      for (let i = 0; i <= 30; i++) await history.add('locked', sample(now - (30 - i) * 60_000, 42));
    } finally {
      queue.disconnect();
    }
    const start = await h.slash('start market', { channel: 'C0HOME1', command: '/redis-incident' });
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(start.mark, c) && c.body.channel === 'C0HOME1',
      10_000,
    );
    const incident = await waitFor(
      'incident open',
      () => h.server.services.incidents.findOpen('market', 'C0HOME1'),
      5_000,
    );

    h.fake.setUserLocale('UZHHOME', 'zh-CN');
    const mark = h.mark();
    const res = await openHome('UZHHOME');
    expect(res.status).toBe(200);
    const published = await h.fake.waitFor('views.publish', (c) => h.since(mark, c), 10_000);
    expect(published.body.user_id).toBe('UZHHOME');
    const view = published.body.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = textOf(view.blocks);
    expect(text).toContain('*market* · 内存 81.2% · 严重');
    expect(text).toContain('*locked* · 内存 42.0% · 平稳');
    expect(text).toContain('*down* · 还没有采样');
    expect(text).toContain('*tlsplain* · 还没有采样');
    // The incident opened in another channel, with its checklist's progress and a way to its thread.
    // Severity from the newest sample when it was started: 81.24 % is past the 70 % critical line.
    expect(text).toContain(`事故 ${incident.id} 处理中（严重）`);
    expect(text).toContain('已完成 0/8 步');
    expect(text).toMatch(/<https:\/\/[^|]+\|打开事故线程>/);

    // The same tab for an English reader is in English.
    const markEn = h.mark();
    await openHome('UENHOME');
    const english = await h.fake.waitFor('views.publish', (c) => h.since(markEn, c), 10_000);
    expect(textOf((english.body.view as { blocks: unknown[] }).blocks)).toContain(
      '*market* · memory 81.2% · Critical',
    );
  }, 60_000);

  it('lists a pending approval only for an approver who did not ask for it', async () => {
    const channel = 'C0HOME2';
    const dry = await h.slash('market coupon-unread', { command: '/redis-ttl', channel });
    const dryCall = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(dry.mark, c) && c.body.channel === channel && hasButton(c, 'ttl_request_approval'),
      20_000,
    );
    const ask = await h.click(
      buttonOf(blocksOf(dryCall), 'ttl_request_approval'),
      { ts: String(dryCall.body.ts), blocks: blocksOf(dryCall) },
      { channel, user: 'UONCALL' },
    );
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(ask.mark, c) && hasButton(c, 'ttl_approve'),
      10_000,
    );
    const homeOf = async (user: string) => {
      const mark = h.mark();
      await openHome(user);
      const call = await h.fake.waitFor(
        'views.publish',
        (c) => h.since(mark, c) && c.body.user_id === user,
        10_000,
      );
      return textOf((call.body.view as { blocks: unknown[] }).blocks);
    };
    expect(await homeOf('UAPPROVER')).toMatch(
      /Waiting for your approval\*\n• market: `coupon-unread` requested by <@UONCALL>, [\d,]+ keys/,
    );
    // The requester can't approve their own request (four eyes); someone who is no approver can't either.
    expect(await homeOf('UONCALL')).not.toContain('Waiting for your approval');
    expect(await homeOf('UNOBODY')).not.toContain('Waiting for your approval');
  }, 60_000);

  it("lists the whole plan's pending approval only for an approver who did not ask for it", async () => {
    const dry = await h.click(
      { action_id: 'plan_dry_run', value: JSON.stringify({ cluster: 'market' }), text: 'Dry-run the plan' },
      { ts: '1700000000.000200' },
      { channel: MARKET_CHANNEL, user: 'UPLANNER' },
    );
    const table = await h.fake.waitFor(
      'chat.update',
      (c) =>
        h.since(dry.mark, c) &&
        hasButton(c, 'plan_request_approval') &&
        textOf(blocksOf(c)).includes('TTL plan of *market*'),
      20_000,
    );
    const ask = await h.click(
      buttonOf(blocksOf(table), 'plan_request_approval'),
      { ts: String(table.body.ts), blocks: blocksOf(table) },
      { channel: MARKET_CHANNEL, user: 'UPLANNER' },
    );
    await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(ask.mark, c) && hasButton(c, 'plan_approve'),
      10_000,
    );
    const homeOf = async (user: string) => {
      const mark = h.mark();
      await openHome(user);
      const call = await h.fake.waitFor(
        'views.publish',
        (c) => h.since(mark, c) && c.body.user_id === user,
        10_000,
      );
      return textOf((call.body.view as { blocks: unknown[] }).blocks);
    };
    expect(await homeOf('UAPPROVER')).toMatch(
      /Waiting for your approval\*\n• market: the whole TTL plan, requested by <@UPLANNER>, [\d,]+ keys/,
    );
    expect(await homeOf('UPLANNER')).not.toContain('requested by <@UPLANNER>');
    expect(await homeOf('UNOBODY')).not.toContain('Waiting for your approval');
  }, 60_000);
});

describe('App Home against status --json', () => {
  let hs: MedicHarness;
  let config: string;

  beforeAll(
    async () => {
      // A self-hosted market (no CloudWatch), sampled every second by the bot itself.
      // Enough keys that a client connecting (tens of KB) moves memory by hundredths of a point, and
      // well inside a verdict band (50 %), so a reading a second apart can't change the verdict.
      hs = await startMedicHarness({
        keys: 50_000,
        memoryPct: 50,
        noAws: true,
        monitoring: { sample: { cron: '* * * * * *' } },
      });
      config = join(mkdtempSync(join(tmpdir(), 'medic-home-')), 'cfg.yml');
      writeFileSync(
        config,
        `queue:\n  url: ${hs.queue.url}\nclusters:\n` +
          `  - name: market\n    url: ${hs.target.url}\n` +
          `  - name: down\n    url: redis://127.0.0.1:${hs.downPort}\n` +
          `  - name: locked\n    url: redis://127.0.0.1:${hs.locked.port}\n    password: ${WRONG_PASSWORD}\n` +
          `  - name: tlsplain\n    url: rediss://127.0.0.1:${hs.target.port}\n`,
      );
    },
    budgetMs(50_000 * 2),
  );

  afterAll(async () => {
    await hs?.stop();
  });

  const VERDICT_EN: Record<string, string> = {
    stable: 'Stable',
    rising: 'Rising',
    'burst-recovering': 'Burst, recovering',
    critical: 'Critical',
  };

  it(
    "shows each cluster's memory and verdict as `status --json` reports them (the unreadable ones as unsampled)",
    async () => {
      const queue = new Redis(hs.queue.url, { maxRetriesPerRequest: 1 });
      try {
        const history = new HistoryStore(queue, { prefix: hs.config.queue.prefix });
        await waitFor(
          'three samples of market',
          async () => ((await history.range('market', 0, Date.now())).length >= 3 ? true : undefined),
          30_000,
        );
      } finally {
        queue.disconnect();
      }
      const mark = hs.mark();
      expect((await postAppHomeOpened(hs.baseUrl, hs.signingSecret, 'UHOMEEN')).status).toBe(200);
      const published = await hs.fake.waitFor('views.publish', (c) => hs.since(mark, c), 10_000);
      const home = textOf((published.body.view as { blocks: unknown[] }).blocks);

      let readable = 0;
      for (const cluster of ['market', 'down', 'locked', 'tlsplain']) {
        const status = await runCli(['status', '--cluster', cluster, '--json', '--config', config]);
        if (status.code !== 0) {
          // status can't read it (refused, wrong password, TLS to a plain port): Home has no sample either.
          expect(status.code, cluster).toBe(2);
          expect(home, cluster).toContain(`*${cluster}* · no sample yet`);
          continue;
        }
        readable++;
        const doc = JSON.parse(status.stdout) as { memory_pct: number; verdict: string };
        const line = new RegExp(`\\*${cluster}\\* · memory (\\d+\\.\\d)% · ([^\\n]+)`).exec(home);
        expect(line, home).not.toBeNull();
        // The tab shows the bot's newest sample (a second old at most); status reads INFO now: the
        // same figure, within what a second of an idle server's client buffers moves it.
        expect(
          Math.abs(Number(line?.[1]) - doc.memory_pct),
          `${cluster}: ${line?.[1]} vs ${doc.memory_pct}`,
        ).toBeLessThanOrEqual(0.3);
        expect(line?.[2], cluster).toBe(VERDICT_EN[doc.verdict]);
      }
      expect(readable).toBe(1);
    },
    budgetMs(0) + 4 * 20_000,
  );
});
