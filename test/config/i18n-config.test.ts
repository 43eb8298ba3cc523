/**
 * Issue 5 (i18n) in the config: `slack.channelLocales` (a channel's language and time zone) and
 * `i18n.overridesDir` (a team's own wording), each bad case a localized problem naming where it is.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCliError } from '../../src/cli/errors.js';
import {
  ConfigInvalidError,
  channelLang,
  channelTimeZone,
  loadConfigFile,
  parseConfig,
} from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';

const minimal = `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
`;

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A temporary folder holding `files` (path → JSON value, or raw text). */
function folder(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'medic-i18n-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const withOverrides = (dir: string) => `${minimal}i18n:\n  overridesDir: ${JSON.stringify(dir)}\n`;

function problemLines(text: string, lang: 'en' | 'zh' = 'en', baseDir?: string): string[] {
  const result = parseConfig(text, {}, lang, baseDir ? { baseDir } : {});
  if (result.ok) throw new Error('expected problems');
  const t = createI18n({ strict: true }).plain(lang);
  return result.problems.map((p) => `${p.path}: ${p.key ? t(p.key, p.values ?? {}) : p.text}`);
}

describe('slack.channelLocales', () => {
  it('takes a language and a time zone per channel; the zone is stored by its canonical name', () => {
    const result = parseConfig(
      `${minimal}slack:\n  channelLocales:\n    C0SH: { lang: zh, timeZone: asia/shanghai }\n    C0EN: { lang: en }\n    G0NY: { timeZone: America/New_York }\n`,
      {},
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.slack.channelLocales).toEqual({
      C0SH: { lang: 'zh', timeZone: 'Asia/Shanghai' },
      C0EN: { lang: 'en' },
      G0NY: { timeZone: 'America/New_York' },
    });
    expect(channelLang(c, 'C0SH')).toBe('zh');
    expect(channelLang(c, 'G0NY')).toBeUndefined();
    expect(channelLang(c, undefined)).toBeUndefined();
    expect(channelTimeZone(c, 'C0SH')).toBe('Asia/Shanghai');
    expect(channelTimeZone(c, 'C0EN')).toBe('UTC');
    expect(channelTimeZone(c, 'C0OTHER')).toBe('UTC');
    // A channel id that happens to name an Object.prototype member is just an unknown channel.
    expect(channelTimeZone(c, 'constructor')).toBe('UTC');
  });

  it('the shipped example sets a channel zone', () => {
    const text = readFileSync(new URL('../../config/redis-medic.example.yml', import.meta.url), 'utf8');
    const result = parseConfig(text, { ISALES_REDIS_USER: 'medic', ISALES_REDIS_PASSWORD: 's3cret' });
    expect(result.ok && result.config.slack.channelLocales).toEqual({
      C0ISALESOPS: { timeZone: 'America/New_York' },
    });
  });

  it('defaults to none', () => {
    const result = parseConfig(minimal, {});
    expect(result.ok && result.config.slack.channelLocales).toEqual({});
  });

  it('reports an unknown time zone with its path, in English and in Chinese', () => {
    const text = `${minimal}slack:\n  channelLocales:\n    C0OPS: { timeZone: Mars/Olympus_Mons }\n`;
    expect(problemLines(text)).toEqual([
      'slack.channelLocales.C0OPS.timeZone: Mars/Olympus_Mons is not a time zone (use an IANA name such as Asia/Shanghai or UTC)',
    ]);
    expect(problemLines(text, 'zh')).toEqual([
      'slack.channelLocales.C0OPS.timeZone: Mars/Olympus_Mons 不是有效的时区（请使用 IANA 名称，例如 Asia/Shanghai 或 UTC）',
    ]);
  });

  it('refuses zone abbreviations Intl would read its own way (CST is US Central to Intl, China to a team in Shanghai)', () => {
    for (const zone of ['CST', 'EST', 'IST', 'PST']) {
      const text = `${minimal}slack:\n  channelLocales:\n    C0OPS: { timeZone: ${zone} }\n`;
      expect(problemLines(text)).toEqual([
        `slack.channelLocales.C0OPS.timeZone: ${zone} is not a time zone (use an IANA name such as Asia/Shanghai or UTC)`,
      ]);
    }
    for (const zone of ['UTC', 'GMT', 'Asia/Shanghai', 'Etc/GMT-8']) {
      const text = `${minimal}slack:\n  channelLocales:\n    C0OPS: { timeZone: ${zone} }\n`;
      expect(parseConfig(text, {}).ok).toBe(true);
    }
  });

  it('reports a bad language, a bad channel id and an unknown field', () => {
    const lines = problemLines(
      `${minimal}slack:\n  channelLocales:\n    C0OPS: { lang: fr }\n    general: { lang: en }\n    C0TZ: { zone: UTC }\n`,
    );
    expect(lines).toEqual([
      'slack.channelLocales.C0OPS.lang: Invalid option: expected one of "en"|"zh"',
      'slack.channelLocales.general: Invalid key in record',
      'slack.channelLocales.C0TZ: Unrecognized key: "zone"',
    ]);
  });
});

describe('i18n.overridesDir', () => {
  it('loads override texts, relative to the config file', () => {
    const root = folder({
      'cfg/wording/en/slack.json': { button: { refresh: 'Re-read now' } },
      'cfg/wording/zh/status.json': { taken_at: '测量于 {{at}}' },
      'cfg/wording/README.md': 'notes for the team: ignored',
      'cfg/medic.yml': `${minimal}i18n:\n  overridesDir: wording\n`,
    });
    const config = loadConfigFile(join(root, 'cfg/medic.yml'), {});
    expect(config.i18n?.overridesDir).toBe(join(root, 'cfg/wording'));
    expect(config.i18n?.overrides).toEqual({
      en: { slack: { button: { refresh: 'Re-read now' } } },
      zh: { status: { taken_at: '测量于 {{at}}' } },
    });
    const i18n = createI18n({ strict: true, overrides: config.i18n?.overrides });
    expect(i18n.slack('en')('slack:button.refresh')).toBe('Re-read now');
    expect(i18n.slack('en')('slack:button.watch', { target: 75 })).toBe('Watch until below 75%');
    expect(i18n.slack('zh')('status:taken_at', { at: '14:16 UTC' })).toBe('测量于 14:16 UTC');
    expect(i18n.slack('zh')('slack:button.refresh')).toBe('刷新');
  });

  it('accepts a plural form that drops {{count}}, and an override with the same placeholders in another order', () => {
    const root = folder({
      'en/common.json': { duration: { hours_minutes: '{{minutes}} min past {{hours}} h' } },
      'en/census.json': { never_expires_one: 'One pattern never expires: {{bytes}} ({{pct}} of memory)' },
    });
    const result = parseConfig(withOverrides(root), {});
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
  });

  /** Each case: the files, then what the English line must say (after the path and file). */
  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      'a key that does not exist',
      { 'en/slack.json': { button: { refesh: 'Again' } } },
      /en\/slack\.json: key button\.refesh does not exist in the shipped en texts$/,
    ],
    [
      'a namespace that does not exist',
      { 'en/slak.json': { button: { refresh: 'Again' } } },
      /en\/slak\.json: there is no namespace slak to override \(shipped: .*slack.*\)$/,
    ],
    [
      'a non-string value',
      { 'en/slack.json': { button: { refresh: 42 } } },
      /en\/slack\.json: button\.refresh must be a non-empty text \(a JSON string\)$/,
    ],
    [
      'an empty text',
      { 'zh/slack.json': { button: { refresh: ' ' } } },
      /zh\/slack\.json: button\.refresh must be a non-empty text/,
    ],
    [
      'a text in place of a group',
      { 'en/slack.json': { button: 'Buttons' } },
      /en\/slack\.json: button is a group of texts; override the keys inside it$/,
    ],
    [
      'a placeholder the code does not pass',
      { 'en/status.json': { taken_at: 'read at {{at}} by {{user}}' } },
      /en\/status\.json: taken_at must use the placeholders of the shipped text \(\{\{at\}\}\), not \{\{at\}\}, \{\{user\}\}$/,
    ],
    [
      'a missing placeholder',
      { 'en/status.json': { taken_at: 'read just now' } },
      /taken_at must use the placeholders of the shipped text \(\{\{at\}\}\), not —$/,
    ],
    [
      'escaping switched off (a raw value could ping the channel)',
      { 'en/census.json': { slack: { failed: 'Census of {{- cluster}} failed: {{- reason}}' } } },
      /slack\.failed must use the placeholders of the shipped text \(\{\{- reason\}\}, \{\{cluster\}\}\), not \{\{- cluster\}\}, \{\{- reason\}\}$/,
    ],
    ['invalid JSON', { 'en/slack.json': '{ "button": ' }, /en\/slack\.json is not valid JSON: /],
    ['a JSON array', { 'en/slack.json': ['Refresh'] }, /en\/slack\.json must hold a JSON object of texts$/],
    [
      'a language folder that does not exist',
      { 'fr/slack.json': { button: { refresh: 'Rafraîchir' } } },
      /\/fr: override files go in one folder per language \(en, zh\)$/,
    ],
    [
      'a file outside the language folders',
      { 'slack.json': { button: { refresh: 'Again' } } },
      /\/slack\.json: override files go in one folder per language \(en, zh\)$/,
    ],
  ];

  for (const [name, files, expected] of bad) {
    it(`rejects ${name}, naming the file and key, in English and Chinese`, () => {
      const root = folder(files);
      const [line, ...rest] = problemLines(withOverrides(root));
      expect(rest).toEqual([]);
      expect(line).toMatch(/^i18n\.overridesDir: /);
      expect(line).toContain(root);
      expect(line).toMatch(expected);
      const [zh] = problemLines(withOverrides(root), 'zh');
      expect(zh).toContain(root);
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
    });
  }

  it('a zh override is checked against the shipped zh texts (Chinese has no _one form)', () => {
    const root = folder({
      'zh/census.json': { never_expires_one: '1 种模式永不过期：{{bytes}}（{{pct}}）' },
    });
    expect(problemLines(withOverrides(root), 'zh')).toEqual([
      `i18n.overridesDir: ${join(root, 'zh/census.json')}：内置的 zh 文案中没有 never_expires_one 这一条`,
    ]);
  });

  it('reports every problem of every file, not only the first', () => {
    const root = folder({
      'en/slack.json': { button: { refesh: 'x', refresh: 7 } },
      'zh/status.json': { taken_at: '读取 {{when}}' },
    });
    expect(problemLines(withOverrides(root))).toHaveLength(3);
  });

  it('reports a folder that is not there', () => {
    const missing = join(folder({}), 'nope');
    expect(problemLines(withOverrides(missing))).toEqual([
      `i18n.overridesDir: cannot read the locale overrides folder ${missing}: ENOENT`,
    ]);
  });

  it('check-config fails with the localized lines (exit 1)', () => {
    const root = folder({
      'medic.yml': `${minimal}i18n: { overridesDir: texts }\n`,
      'texts/en/slack.json': { button: { refesh: 'x' } },
    });
    let err: unknown;
    try {
      loadConfigFile(join(root, 'medic.yml'), {}, 'zh');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigInvalidError);
    const { lines, exitCode } = describeCliError(err, createI18n({ strict: true }).plain('zh'), 'zh');
    expect(exitCode).toBe(1);
    expect(lines[1]).toBe(
      `  i18n.overridesDir：${join(root, 'texts/en/slack.json')}：内置的 en 文案中没有 button.refesh 这一条`,
    );
  });
});
