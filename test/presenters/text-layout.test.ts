/**
 * Display width in terminal columns: East Asian wide characters take two, everything else one, so
 * zh tables line up. Widths here are counted by hand.
 */
import { describe, expect, it } from 'vitest';
import { displayWidth, padEndDisplay, wideCount } from '../../src/presenters/text-layout.js';

describe('text layout', () => {
  it('ASCII takes one column per character, CJK ideographs, Hangul and full-width forms two', () => {
    expect(displayWidth('')).toBe(0);
    expect(displayWidth('memory')).toBe(6);
    expect(displayWidth('内存')).toBe(4);
    expect(displayWidth('内存 84.6%')).toBe(10);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('ＡＢ')).toBe(4); // full-width Latin
    expect(displayWidth('（）')).toBe(4); // full-width parentheses, as zh text uses them
    expect(wideCount('无 TTL 的 Key')).toBe(2);
  });

  it('pads to a display width, never truncates', () => {
    expect(padEndDisplay('ab', 5)).toBe('ab   ');
    expect(padEndDisplay('内存', 5)).toBe('内存 ');
    expect(padEndDisplay('内存', 3)).toBe('内存');
    expect(padEndDisplay('&lt;', 3, () => 1)).toBe('&lt;  ');
  });
  // Widths from Unicode, not from the code under test: East_Asian_Width (UAX #11) W/F take two
  // columns, N/Na/H and A (ambiguous, narrow when the context is unknown) one; combining marks
  // (General_Category Mn) and format characters (Cf) none; an RGI emoji sequence (UTS #51: emoji
  // presentation, modifier or ZWJ sequence) shows as one wide glyph.
  it('measures CJK, emoji and combining marks as Unicode defines their display width', () => {
    const cases: [string, number][] = [
      ['\u4e2d\u6587', 4], // 中文: two W ideographs
      ['\uff01', 2], // ！ FULLWIDTH EXCLAMATION MARK: F
      ['\uff76', 1], // ｶ HALFWIDTH KATAKANA KA: H
      ['\u{1f600}', 2], // 😀 Emoji_Presentation=Yes, EAW=W
      ['\u2764\ufe0f', 2], // ❤️ text-default heart + VS16: emoji presentation sequence
      ['\u{1f44d}\u{1f3fd}', 2], // 👍🏽 emoji modifier sequence: one glyph
      ['\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', 2], // 👨‍👩‍👧 RGI ZWJ sequence: one glyph
      ['e\u0301', 1], // é as e + COMBINING ACUTE ACCENT (Mn): one column
      ['A\u0308', 1], // Ä as A + COMBINING DIAERESIS (Mn)
      ['\u00b1', 1], // ± EAW=A: narrow by default
      ['a\u200bb', 2], // ZERO WIDTH SPACE (Cf) takes none
      ['\u5185\u5b58 \u{1f600} cafe\u0301', 12], // 内存 😀 café: 4 + 1 + 2 + 1 + 4 (é is e + U+0301)
    ];
    for (const [text, columns] of cases) expect([text, displayWidth(text)]).toEqual([text, columns]);
    expect(padEndDisplay('\u{1f600}e\u0301', 5)).toBe('\u{1f600}e\u0301  ');
  });
});
