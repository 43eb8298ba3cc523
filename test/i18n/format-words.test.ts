/**
 * Lists, dates and durations in the reader's language, each from one helper per language: what the
 * zh style rules ask for (`a、b`, `2026 年 2 月 20 日`, `31 分钟`, `60 天`) and the English forms.
 */
import { describe, expect, it } from 'vitest';
import {
  closeHanSpaces,
  formatDate,
  formatDuration,
  formatEta,
  formatList,
  formatListT,
  formatTtlWords,
} from '../../src/i18n/format.js';
import { createI18n } from '../../src/i18n/index.js';

const i18n = createI18n({ strict: true });

describe('words for people', () => {
  it('lists: 、 in Chinese, commas in English, no "and"', () => {
    expect(formatList(['coupon-unread', 'last-activity', 'exchange-price'], 'zh')).toBe(
      'coupon-unread、last-activity、exchange-price',
    );
    expect(formatList(['a', 'b', 'c'], 'en')).toBe('a, b, c');
    expect(formatList(['a'], 'zh')).toBe('a');
    expect(formatListT(['a', 'b'], i18n.plain('zh'))).toBe('a、b');
    expect(formatListT(['a', 'b'], i18n.plain('en'))).toBe('a, b');
  });

  it('dates: spaced digits in Chinese, no zero padding, no day shift', () => {
    const d = new Date(Date.UTC(2026, 11, 3));
    expect(formatDate(d, 'zh')).toBe('2026 年 12 月 3 日');
    expect(formatDate(d, 'en')).toBe('Dec 3, 2026');
  });

  it('durations and TTLs: a space between number and unit, words in English', () => {
    expect(formatDuration(31, i18n.plain('zh'))).toBe('31 分钟');
    expect(formatDuration(65, i18n.plain('zh'))).toBe('1 小时 5 分钟');
    expect(formatTtlWords(5_184_000, i18n.plain('zh'))).toBe('60 天');
    expect(formatTtlWords(5_184_000, i18n.plain('en'))).toBe('60 days');
    expect(formatTtlWords(86_400, i18n.plain('en'))).toBe('1 day');
    expect(formatTtlWords(5_400, i18n.plain('en'))).toBe('90 minutes');
  });

  it('an ETA with nothing left is 0 seconds, not "0 min" next to a run that takes seconds', () => {
    expect(formatEta(0, i18n.plain('en'))).toBe('0 s');
    expect(formatEta(0, i18n.plain('zh'))).toBe('0 秒');
    expect(formatEta(null, i18n.plain('en'))).toBe('—');
  });

  it("a library's spaced Chinese is closed up, Latin spacing kept", () => {
    expect(closeHanSpaces('无效输入：期望 数组，实际接收 数字')).toBe('无效输入：期望数组，实际接收数字');
    expect(closeHanSpaces('期望 string，实际 number')).toBe('期望 string，实际 number');
  });
});
