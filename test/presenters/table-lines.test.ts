import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import { tableLines } from '../../src/presenters/message-doc.js';
import { displayWidth } from '../../src/presenters/text-layout.js';

/** What Slack shows for a line of a preformatted block: the three entities decoded. */
const shown = (line: string) => line.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('tableLines (the preformatted tables of mrkdwn messages)', () => {
  it('lines columns up as Slack shows them: escaped characters take one column, CJK two', () => {
    const rows = [
      [escapeMrkdwn('cart:<user>&*'), '60d', 'low'],
      ['session:*', '1d', 'high'],
      ['优惠券:*', '90d', 'medium'],
    ];
    const lines = tableLines(['Pattern', 'TTL', 'Risk'], rows).map(shown);
    // The second column starts at the same display column on every line.
    const ttlColumn = (line: string, ttl: string) => displayWidth(line.slice(0, line.indexOf(ttl)));
    const columns = [
      ttlColumn(lines[0] as string, 'TTL'),
      ttlColumn(lines[2] as string, '60d'),
      ttlColumn(lines[3] as string, '1d'),
      ttlColumn(lines[4] as string, '90d'),
    ];
    expect(new Set(columns).size).toBe(1);
    // The widest cell sets the column: 'cart:<user>&*' (13) plus the two-space gap.
    expect(columns[0]).toBe(13 + 2);
    // The rule under the header is as wide as what it underlines.
    expect((lines[1] as string).split('  ')[0]).toBe('─'.repeat(13));
  });
});
