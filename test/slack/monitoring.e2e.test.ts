/**
 * `/redis-monitoring [cluster]` through the real bot: signed slash commands, the fake Slack Web API
 * recording the files.uploadV2 calls. The two files (rules and dashboard) are uploaded into the
 * channel, or into the open incident thread of the cluster when there is one; the uploaded rules are
 * valid (`promtool check rules`) and carry the cluster's thresholds; an unknown cluster gets the
 * help and no upload.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from '../monitoring/promtool.js';
import { MARKET_CHANNEL, type MedicHarness, startMedicHarness } from '../support/medic-harness.js';
import type { RecordedUpload } from '../support/slack/fake-slack-api.js';
import { waitFor } from '../support/wait-for.js';

let h: MedicHarness;

beforeAll(async () => {
  h = await startMedicHarness({ keys: 1_000 });
});

afterAll(async () => {
  await h?.stop();
});

const FILES = ['redis-medic-market-dashboard.json', 'redis-medic-market-rules.yml'];

function uploadsSince(mark: number): RecordedUpload[] {
  const firstCall = h.fake.calls[mark];
  return h.fake.uploads.filter((u) => firstCall !== undefined && u.at >= firstCall.at);
}

describe('/redis-monitoring', () => {
  it('uploads the rules and the dashboard into the channel; the rules are valid and use the thresholds', async () => {
    const { res, mark } = await h.slash('market', { command: '/redis-monitoring', channel: 'C0MON' });
    expect(res.status).toBe(200);
    const complete = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => h.since(mark, c) && c.body.channel_id === 'C0MON',
      15_000,
    );
    expect(complete.body.thread_ts).toBeUndefined();
    expect(String(complete.body.initial_comment)).toContain('Monitoring files for *market*');
    const uploads = uploadsSince(mark);
    expect(uploads.map((u) => u.filename).sort()).toEqual(FILES);

    const rules = uploads.find((u) => u.filename.endsWith('rules.yml'));
    const dir = mkdtempSync(join(tmpdir(), 'medic-slack-rules-'));
    writeFileSync(join(dir, 'rules.yml'), rules?.bytes ?? '');
    const checked = await promtool(['check', 'rules', 'rules.yml'], dir);
    expect(checked.ok, checked.output).toBe(true);
    const { warning, critical, emergency } =
      h.config.clusters.find((c) => c.name === 'market')?.thresholds ?? {};
    const doc = parse(String(rules?.bytes)) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = doc.groups.flatMap((g) => g.rules).map((r) => r.expr);
    for (const line of [warning, critical, emergency])
      expect(exprs.some((e) => e.includes(`>= ${line})`))).toBe(true);
    const dashboard = JSON.parse(String(uploads.find((u) => u.filename.endsWith('.json'))?.bytes)) as {
      templating: { list: { name: string }[] };
    };
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'cluster']);
  });

  it('uploads into the open incident thread of the cluster', async () => {
    await h.slash('market', { channel: MARKET_CHANNEL });
    const incident = await waitFor(
      'the status report to open the incident thread',
      () => h.server.services.incidents.findOpen('market', MARKET_CHANNEL),
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    const { mark } = await h.slash('market', { command: '/redis-monitoring', channel: MARKET_CHANNEL });
    const complete = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) =>
        h.since(mark, c) &&
        c.body.channel_id === MARKET_CHANNEL &&
        String(c.body.initial_comment ?? '').includes('Monitoring'),
      15_000,
    );
    expect(complete.body.thread_ts).toBe(incident.threadTs);
  });

  it('an unknown cluster gets the help, and nothing is uploaded', async () => {
    const { responseId, mark } = await h.slash('nope', { command: '/redis-monitoring', channel: 'C0MON2' });
    const help = await h.fake.waitFor('response_url', (c) => c.responseId === responseId);
    expect(String(help.body.text)).toContain('Unknown cluster: nope');
    expect(String(help.body.text)).toContain('Usage: `/redis-monitoring [cluster]`');
    const uploadsHere = h.fake.calls.filter(
      (c) =>
        h.since(mark, c) && c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C0MON2',
    );
    expect(uploadsHere).toEqual([]);
  });
});
