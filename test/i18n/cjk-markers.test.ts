/**
 * Bold that renders next to Chinese: Slack opens and closes `*bold*` only at a word boundary, and a
 * Han character or full-width punctuation is none, so the marker's outer side gets a zero-width
 * space. Code spans and the text inside the markers are left as they are.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import { spaceMarkersFromCjk } from '../../src/i18n/mrkdwn.js';

const Z = '\u200B';

describe('spaceMarkersFromCjk', () => {
  it.each([
    ['*coupon-unread*：匹配', `*coupon-unread*${Z}：匹配`],
    ['在*集群*上', `在${Z}*集群*${Z}上`],
    ['*规则*（只读）', `*规则*${Z}（只读）`],
    ['：*规则*', `：${Z}*规则*`],
    ['*已完成*', '*已完成*'],
    [':mag: *cluster* 上', ':mag: *cluster* 上'],
    ['`coupon:*`：匹配 *a*', '`coupon:*`：匹配 *a*'],
    ['volatile-* 策略', 'volatile-* 策略'],
    ['*a*\n*b*：', `*a*\n*b*${Z}：`],
    ['*bold*: English only', '*bold*: English only'],
  ])('%j', (input, expected) => {
    expect(spaceMarkersFromCjk(input)).toBe(expected);
  });

  it('the Slack t applies it; the terminal t does not', () => {
    const i18n = createI18n({ strict: true });
    const values = { user: 'U1', cluster: 'market' };
    expect(i18n.slack('zh')('slack:watch.cancelled', values)).not.toContain(Z);
    expect(i18n.slack('zh')('slack:status.failed', values)).toBe(`无法读取 *market*${Z}。`);
    expect(i18n.plain('zh')('slack:status.failed', values)).toBe('无法读取 *market*。');
  });
});
