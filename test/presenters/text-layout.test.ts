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
});
