/**
 * Languages and zones through the real bot: a team's wording from `i18n.overridesDir`, a channel's
 * language (`slack.channelLocales.<id>.lang`) beating the user's Slack locale, and times shown in the
 * channel's zone (`timeZone`) in the report and in the watch readings posted later by the worker.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from '../support/medic-harness.js';
import type { RecordedCall } from '../support/slack/fake-slack-api.js';

const ZH_CHANNEL = 'C0ZHTEAM';
const EN_CHANNEL = 'C0ENTEAM';
const SHANGHAI_CHANNEL = 'C0SHANGHAI';

let h: MedicHarness;
let overridesDir: string;

beforeAll(async () => {
  overridesDir = mkdtempSync(join(tmpdir(), 'medic-wording-'));
  const write = (path: string, data: unknown) => {
    mkdirSync(join(overridesDir, path, '..'), { recursive: true });
    writeFileSync(join(overridesDir, path), JSON.stringify(data));
  };
  write('en/slack.json', { button: { refresh: 'Re-read now' } });
  write('en/status.json', { taken_at: 'measured {{at}}' });
  write('zh/slack.json', { button: { refresh: '重新读取' } });
  h = await startMedicHarness({
    overridesDir,
    channelLocales: {
      [ZH_CHANNEL]: { lang: 'zh' },
      [EN_CHANNEL]: { lang: 'en' },
      [SHANGHAI_CHANNEL]: { timeZone: 'Asia/Shanghai' },
    },
  });
});

afterAll(async () => {
  await h?.stop();
  if (overridesDir) rmSync(overridesDir, { recursive: true, force: true });
});

/** `/redis-status market` in `channel` by `user`; the report (the message with Refresh) it posted. */
async function reportIn(channel: string, user = 'UONCALL'): Promise<{ report: RecordedCall; mark: number }> {
  const { res, mark } = await h.slash('market', { channel, user });
  expect(res.status).toBe(200);
  const report = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(mark, c) && c.body.channel === channel && hasButton(c, 'status_refresh'),
    8_000,
  );
  return { report, mark };
}

const buttonTexts = (call: RecordedCall) => buttonsOf(blocksOf(call)).map((b) => b.text);

/** `2026-02-12 22:16` shown in `zone` → epoch ms, read as that zone's wall clock. */
function wallClock(shown: string, offset: string): number {
  return Date.parse(`${shown.replace(' ', 'T')}:00${offset}`);
}

describe('i18n.overridesDir', () => {
  it('the team’s wording replaces the shipped text in the report the bot posts', async () => {
    const { report } = await reportIn(MARKET_CHANNEL);
    expect(buttonTexts(report)).toEqual(['Re-read now', 'Watch until below 75%']);
    const text = textOf(blocksOf(report));
    expect(text).toMatch(/measured \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(text).not.toContain('read at');
    // Texts the team did not override are the shipped ones.
    expect(text).toContain('Burst, recovering');
  });
});

describe('slack.channelLocales lang', () => {
  it('a channel set to zh answers in Chinese an English-speaking user, without asking Slack for their locale', async () => {
    h.fake.setUserLocale('UENONLY', 'en-US');
    const { report, mark } = await reportIn(ZH_CHANNEL, 'UENONLY');
    expect(buttonTexts(report)).toEqual(['重新读取', '持续观察直到低于 75%']);
    const text = textOf(blocksOf(report));
    expect(text).toContain('突增后回落中');
    expect(text).not.toContain('Burst, recovering');
    expect(h.fake.callsTo('users.info').filter((c) => h.since(mark, c) && c.body.user === 'UENONLY')).toEqual(
      [],
    );
  });

  it('a channel set to en answers in English a user whose Slack locale is zh-CN (who gets Chinese elsewhere)', async () => {
    h.fake.setUserLocale('UZHONLY', 'zh-CN');
    const elsewhere = await reportIn('C0UNSET', 'UZHONLY');
    expect(textOf(blocksOf(elsewhere.report))).toContain('突增后回落中');

    const { report } = await reportIn(EN_CHANNEL, 'UZHONLY');
    expect(buttonTexts(report)).toEqual(['Re-read now', 'Watch until below 75%']);
    expect(textOf(blocksOf(report))).toContain('Burst, recovering');
  });
});

describe('slack.channelLocales timeZone', () => {
  it('the report shows its time in the channel’s zone, named (UTC+8 for Asia/Shanghai)', async () => {
    const { report } = await reportIn(SHANGHAI_CHANNEL);
    const text = textOf(blocksOf(report));
    const shown = /measured (\d{4}-\d\d-\d\d \d\d:\d\d) Asia\/Shanghai/.exec(text)?.[1];
    expect(shown, text).toBeDefined();
    // Read as Shanghai wall-clock time it is the moment of the report; read as UTC it is 8 h off.
    const at = wallClock(shown ?? '', '+08:00');
    expect(report.at - at).toBeGreaterThanOrEqual(-60_000);
    expect(report.at - at).toBeLessThan(3 * 60_000);
    expect(wallClock(shown ?? '', 'Z') - at).toBe(8 * 3_600_000);

    // The same report in a channel without a zone says UTC.
    const { report: utc } = await reportIn(MARKET_CHANNEL);
    const utcShown = /measured (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(textOf(blocksOf(utc)))?.[1];
    expect(utcShown).toBeDefined();
    expect(Math.abs(utc.at - wallClock(utcShown ?? '', 'Z'))).toBeLessThan(3 * 60_000);
  });

  it('watch readings posted later by the worker use the channel’s zone too', async () => {
    // Its own report to start the watch from.
    const { report } = await reportIn(SHANGHAI_CHANNEL);
    const ts = tsOf(report);
    const clicked = await h.click(
      buttonOf(blocksOf(report), 'watch_start'),
      { ts, text: String(report.body.text), blocks: blocksOf(report) },
      { channel: SHANGHAI_CHANNEL },
    );
    expect(clicked.res.status).toBe(200);
    // The watch posts in the incident's thread (the first report of the channel's open incident).
    const watching = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(clicked.mark, c) && c.body.channel === SHANGHAI_CHANNEL && hasButton(c, 'watch_cancel'),
      15_000,
    );
    const thread = String(watching.body.thread_ts);
    const reading = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(clicked.mark, c) && c.body.thread_ts === thread && /· memory /.test(String(c.body.text)),
      15_000,
    );
    const time = /^(\d\d:\d\d) Asia\/Shanghai · memory /.exec(String(reading.body.text))?.[1];
    expect(time, String(reading.body.text)).toBeDefined();
    const expected = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      }).format(new Date(ms));
    expect([expected(reading.at), expected(reading.at - 60_000)]).toContain(time);

    // Stop the watch, so the worker stops posting.
    const cancel = await h.click(
      buttonOf(blocksOf(watching), 'watch_cancel'),
      { ts: tsOf(watching), thread_ts: thread, text: String(watching.body.text), blocks: blocksOf(watching) },
      { channel: SHANGHAI_CHANNEL },
    );
    expect(cancel.res.status).toBe(200);
    await h.fake.waitFor(
      'chat.update',
      (c) => h.since(cancel.mark, c) && c.body.ts === tsOf(watching) && !hasButton(c, 'watch_cancel'),
      5_000,
    );
  });
});
