import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createI18n, LOCALES_DIR } from '../../src/i18n/index.js';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const load = (lang: string, file: string) =>
  flatten(JSON.parse(readFileSync(`${LOCALES_DIR}/${lang}/${file}`, 'utf8')) as Tree);
const placeholders = (text: string) =>
  [...text.matchAll(/\{\{-?\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();
// Plural suffixes: English needs _one and _other, Chinese only _other.
const base = (key: string) => key.replace(/_(zero|one|two|few|many|other)$/, '');

describe('locale parity', () => {
  const files = readdirSync(`${LOCALES_DIR}/en`).filter((f) => f.endsWith('.json'));

  it('has the same namespaces in en and zh', () => {
    expect(
      readdirSync(`${LOCALES_DIR}/zh`)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(files.sort());
  });

  for (const file of files) {
    it(`${file}: same keys, same placeholders, no empty strings`, () => {
      const en = load('en', file);
      const zh = load('zh', file);
      expect([...new Set([...zh.keys()].map(base))].sort()).toEqual(
        [...new Set([...en.keys()].map(base))].sort(),
      );
      for (const [key, text] of en) {
        expect(text.trim(), `${file}:${key} (en) is empty`).not.toBe('');
        const zhText = zh.get(key) ?? zh.get(`${base(key)}_other`);
        expect(zhText, `${file}:${key} missing in zh`).toBeDefined();
        expect(placeholders(zhText ?? ''), `${file}:${key} placeholders`).toEqual(placeholders(text));
      }
      for (const [key] of en) {
        if (key.endsWith('_one'))
          expect(en.has(`${base(key)}_other`), `${file}:${key} needs _other`).toBe(true);
      }
    });
  }

  it('zh text is Chinese wherever en has a sentence (nothing left untranslated)', () => {
    const words = (text: string) =>
      text.replace(/\{\{[^}]*\}\}|`[^`]*`|<[^>]*>|:[a-z_]+:|\S*[/$_]\S*/g, '').match(/\b[A-Za-z]{3,}\b/g) ??
      [];
    for (const file of files) {
      const zh = load('zh', file);
      for (const [key, enText] of load('en', file)) {
        if (words(enText).length < 2) continue;
        const zhText = zh.get(key) ?? zh.get(`${base(key)}_other`) ?? '';
        expect(zhText, `zh ${file}:${key}`).not.toBe(enText);
        expect(/[\u4e00-\u9fff]/.test(zhText), `zh ${file}:${key} has no Chinese: ${zhText}`).toBe(true);
      }
    }
  });
});

describe('i18n runtime', () => {
  it('fails loudly on a missing key in strict mode (no silent fallback to the key name)', () => {
    const t = createI18n({ strict: true }).plain('zh');
    expect(() => t('status:does.not.exist')).toThrow(/missing i18n key/);
    expect(t('status:verdict.stable')).toBe('平稳');
  });

  it('escapes interpolated values for Slack but not for the terminal', () => {
    const i18n = createI18n({ strict: true });
    const evil = '<!channel> & <@U123|x>';
    expect(i18n.slack('en')('slack:help.unknown_cluster', { name: evil })).toBe(
      'Unknown cluster: &lt;!channel&gt; &amp; &lt;@U123|x&gt;',
    );
    expect(i18n.plain('en')('slack:help.unknown_cluster', { name: evil })).toBe(`Unknown cluster: ${evil}`);
    // Slack shows &#x2F; literally, so a slash must stay a slash.
    expect(i18n.slack('en')('slack:help.unknown_cluster', { name: 'a/b' })).toBe('Unknown cluster: a/b');
  });

  it('gives each request its own language (no shared changeLanguage)', async () => {
    const i18n = createI18n({ strict: true });
    const [en, zh] = await Promise.all([
      Promise.resolve().then(() => i18n.plain('en')('status:verdict.critical')),
      Promise.resolve().then(() => i18n.plain('zh')('status:verdict.critical')),
    ]);
    expect([en, zh]).toEqual(['Critical', '严重']);
  });
});
