/**
 * `/redis-keys` end to end through the real bot: a queued census job posts one progress message in
 * the incident thread, then the pattern table (no-TTL patterns flagged), a chart and draft-rule
 * buttons; Cancel works; a second census compares with the first.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDataset } from '../../src/demo/dataset.js';
import {
  blocksOf,
  buttonOf,
  buttonsOf,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({ keys: 6_000 });
});

afterAll(async () => {
  await h?.stop();
});

const isCensusTable = (c: RecordedCall) => textOf(blocksOf(c)).includes('Key census of market');

describe('/redis-keys', () => {
  it('runs the census as a job: progress message, table matching the dataset, chart, draft-rule buttons', async () => {
    const { res, mark } = await h.slash('market', { command: '/redis-keys', channel: 'C0KEYS' });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);

    const progress = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === 'C0KEYS',
    );
    expect(textOf(blocksOf(progress))).toContain('Key census of *market* queued by <@UONCALL>');
    expect(buttonsOf(blocksOf(progress)).map((b) => b.action_id)).toEqual(['census_cancel']);

    const table = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && isCensusTable(c),
      30_000,
    );
    expect(table.body.thread_ts).toBe(tsOf(progress));
    const text = textOf(blocksOf(table));
    // Totals equal the dataset's ground truth exactly (a full, unsampled census).
    const total = h.truth.totalKeys.toLocaleString('en-US');
    const noTtl = h.truth.keysWithoutTtl.toLocaleString('en-US');
    expect(text).toContain(`${total} keys · ${noTtl} without TTL`);
    // Every never-expiring pattern of the dataset is listed and flagged with '!'.
    for (const [glob, truth] of Object.entries(h.truth.patterns)) {
      if (truth.keysWithTtl === 0) expect(text).toContain(`! ${glob}`);
    }

    // The progress message ends as "finished", without its Cancel button.
    const done = await h.fake.waitFor(
      'chat.update',
      (c) => h.since(mark, c) && c.body.ts === tsOf(progress) && String(c.body.text).includes('finished'),
      10_000,
    );
    expect(buttonsOf(blocksOf(done))).toEqual([]);

    const upload = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => h.since(mark, c) && c.body.thread_ts === tsOf(progress),
      10_000,
    );
    expect(upload.body.channel_id).toBe('C0KEYS');
    expect(h.fake.uploads.at(-1)?.bytes.subarray(0, 8)).toEqual(
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    );

    // Draft TTL rule: the biggest no-TTL pattern comes back as a rules file entry.
    const draft = buttonsOf(blocksOf(table)).find((b) => b.action_id.startsWith('draft_ttl_rule_'));
    expect(draft).toBeDefined();
    if (!draft) return;
    const click = await h.click(
      draft,
      { ts: tsOf(table), thread_ts: tsOf(progress), blocks: blocksOf(table) },
      { channel: 'C0KEYS' },
    );
    const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId);
    const body = String(reply.body.text);
    const yamlText = /```([\s\S]*)```/.exec(body)?.[1] ?? '';
    const rules = (
      parse(yamlText.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as {
        rules: { match: string; action: string; ttl: string; expected: number; cluster: string }[];
      }
    ).rules;
    const biggest = Object.entries(h.truth.patterns).sort(
      (a, b) => b[1].keysWithoutTtl - a[1].keysWithoutTtl,
    )[0];
    expect(rules[0]).toMatchObject({
      cluster: 'market',
      action: 'set-missing',
      match: biggest?.[0],
      expected: biggest?.[1].keysWithoutTtl,
    });
    expect(rules[0]?.ttl).toMatch(/^\d+[hd]$/);

    // The snapshot is stored and on the incident timeline.
    const snapshots = await h.server.services.snapshots.list('market');
    expect(snapshots[0]?.totalKeys).toBe(h.truth.totalKeys);
  });

  it('one census per cluster at a time, and Cancel stops it', async () => {
    // Enough keys (in another DB) that the default-throttled walk takes seconds: time to cancel.
    await h.targetClient.config('SET', 'maxmemory', '0');
    const db2 = new Redis(h.target.port, '127.0.0.1', { db: 2 });
    await loadDataset(db2, { keys: 60_000, seed: 2 });
    const first = await h.slash('market', { command: '/redis-keys', channel: 'C0KEYS2' });
    const progress = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(first.mark, c) && c.body.channel === 'C0KEYS2',
    );
    const second = await h.slash('market', { command: '/redis-keys', channel: 'C0KEYS2' });
    const refusal = await h.fake.waitFor('response_url', (c) => c.responseId === second.responseId);
    expect(String(refusal.body.text)).toContain('already running');

    // USTOP is not the requester: a member of the channel may stop the census.
    h.setChannelMembers('C0KEYS2', ['UONCALL', 'USTOP']);
    const cancel = buttonOf(blocksOf(progress), 'census_cancel');
    await h.click(
      cancel,
      { ts: tsOf(progress), blocks: blocksOf(progress) },
      { channel: 'C0KEYS2', user: 'USTOP' },
    );
    const ended = await h.fake.waitFor(
      'chat.update',
      (c) => c.body.ts === tsOf(progress) && /cancelled|finished/.test(String(c.body.text)),
      20_000,
    );
    expect(String(ended.body.text)).toContain('cancelled by <@USTOP>');
    expect(buttonsOf(blocksOf(ended))).toEqual([]);
    // No table for a cancelled census, and the cluster is free for the next one.
    expect(
      h.fake.callsTo('chat.postMessage').filter((c) => h.since(first.mark, c) && isCensusTable(c)),
    ).toEqual([]);
    await expect.poll(() => h.server.services.census.reserve('market'), { timeout: 5_000 }).toBe(true);
    await h.server.services.census.release('market');
    await db2.flushdb();
    db2.disconnect();
    await h.targetClient.config('SET', 'maxmemory', String(h.maxmemoryBytes));
  });

  it('unknown cluster: ephemeral help for /redis-keys, nothing posted', async () => {
    const { responseId, mark } = await h.slash('nope', { command: '/redis-keys', channel: 'C0KEYS3' });
    const help = await h.fake.waitFor('response_url', (c) => c.responseId === responseId);
    expect(String(help.body.text)).toContain('/redis-keys [cluster]');
    expect(String(help.body.text)).toContain('Known clusters: market');
    expect(
      h.fake.callsTo('chat.postMessage').filter((c) => h.since(mark, c) && c.body.channel === 'C0KEYS3'),
    ).toEqual([]);
  });
});
