/**
 * Which language a locale tag means: what people type after --lang, what LANG holds, what Slack
 * reports. Chinese in any of its usual spellings is Chinese; Traditional Chinese falls back to
 * Simplified with a note; anything else is not a language we have.
 */
import { describe, expect, it } from 'vitest';
import { toLang } from '../../src/i18n/index.js';
import { negotiateLang } from '../../src/i18n/negotiate.js';

describe('negotiateLang', () => {
  it.each([
    'zh',
    'zh-CN',
    'zh-Hans',
    'zh-Hans-CN',
    'zh_CN.UTF-8',
    'zh_CN.utf8',
    'zh-SG',
    'ZH-cn',
    'zh_CN.GB18030@euro',
  ])('%s is Simplified Chinese', (tag) => {
    expect(negotiateLang(tag)).toEqual({ lang: 'zh' });
  });

  it.each(['zh-TW', 'zh_TW.UTF-8', 'zh-HK', 'zh-Hant', 'zh-Hant-TW', 'zh-MO'])(
    '%s falls back to Simplified Chinese with a note',
    (tag) => {
      expect(negotiateLang(tag)).toEqual({ lang: 'zh', fallback: 'zh_hant' });
    },
  );

  it.each(['en', 'en-US', 'en_GB.UTF-8', 'EN'])('%s is English', (tag) => {
    expect(negotiateLang(tag)).toEqual({ lang: 'en' });
  });

  it.each(['fr', 'de-DE', 'C', 'POSIX', 'C.UTF-8', '', 'zhx', 'english', 'z'])(
    '%s is not a language we have',
    (tag) => {
      expect(negotiateLang(tag)).toBeUndefined();
    },
  );

  it('toLang (Slack locales, LANG) falls back to English for the rest', () => {
    expect(toLang('zh-TW')).toBe('zh');
    expect(toLang('zh_CN.UTF-8')).toBe('zh');
    expect(toLang('fr-FR')).toBe('en');
    expect(toLang(undefined)).toBe('en');
  });
});
