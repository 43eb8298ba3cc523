import { describe, expect, it } from 'vitest';
import { formatClock, formatDateTime, formatTime } from '../../src/i18n/format.js';

describe('times', () => {
  it('the first hour after midnight is 00, not 24 (hour cycle h23 in every locale)', () => {
    const justAfterMidnight = new Date('2026-02-12T00:05:00Z');
    expect(formatDateTime(justAfterMidnight, 'en')).toBe('2026-02-12 00:05 UTC');
    expect(formatTime(justAfterMidnight, 'en')).toBe('00:05');
    expect(formatTime(justAfterMidnight, 'zh')).toBe('00:05');
    // 16:05 UTC is 00:05 the next day in Shanghai.
    expect(formatDateTime(new Date('2026-02-12T16:05:00Z'), 'zh', 'Asia/Shanghai')).toBe(
      '2026-02-13 00:05 Asia/Shanghai',
    );
    expect(formatClock(new Date('2026-02-12T23:59:00Z'), 'en')).toBe('23:59 UTC');
  });
});
