/**
 * Charts with Chinese text on every install: the renderer draws Chinese labels with real glyphs, not
 * the missing-glyph box, from what `npm ci` installs (no system font needed). Truth: a font without
 * the characters draws every one of them as the same box, the box it draws for U+FFFF (a
 * noncharacter no font covers); real glyphs differ from each other and from that box.
 */
import { createCanvas } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { TrendPoint } from '../../src/analysis/types.js';
import { renderMemoryTrendChart } from '../../src/charts/memory-trend-chart.js';
import { loadRenderer } from '../../src/charts/renderer.js';

const LABEL_CHARS = [...'内存使用率告警严重紧急观察目标'];
const MISSING = '\uFFFF';

/** The dark pixels of `text` drawn alone in `family`, as one string (equal strings: equal shapes). */
function shape(text: string, family: string): string {
  const canvas = createCanvas(64, 64);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 64, 64);
  ctx.fillStyle = '#000';
  ctx.font = `32px ${family}`;
  ctx.fillText(text, 8, 44);
  const data = ctx.getImageData(0, 0, 64, 64).data;
  const dark: number[] = [];
  for (let i = 0; i < data.length; i += 4) if ((data[i] as number) < 128) dark.push(i / 4);
  return dark.join(',');
}

describe('Chinese in charts', () => {
  it('the chart font draws each Chinese label character as its own glyph, none as the missing-glyph box', async () => {
    const { fontFamily, font } = await loadRenderer();
    expect(font.cjk, 'a CJK font is registered').not.toBeNull();
    const box = shape(MISSING, fontFamily);
    const shapes = LABEL_CHARS.map((c) => shape(c, fontFamily));
    for (const [i, s] of shapes.entries()) {
      expect(s, `${LABEL_CHARS[i]} drew ink`).not.toBe('');
      expect(s === box, `${LABEL_CHARS[i]} is the missing-glyph box`).toBe(false);
    }
    expect(new Set(shapes).size).toBe(LABEL_CHARS.length);
  });

  it('a trend chart with Chinese labels differs from the same chart with other Chinese, or with missing glyphs', async () => {
    const points: TrendPoint[] = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 1, 12, 13, i)),
      value: 60 + i / 3,
    }));
    const render = (word: (n: number) => string) =>
      renderMemoryTrendChart({
        points,
        thresholds: { warning: 75, critical: 85, emergency: 95 },
        labels: {
          title: word(8),
          yAxis: word(5),
          warning: word(2),
          critical: word(2),
          emergency: word(2),
        },
        formatTime: (d) => d.toISOString().slice(11, 16),
      });
    const chinese = await render((n) => '内存使用率趋势图表'.slice(0, n));
    const otherChinese = await render((n) => '告警严重紧急观察目标'.slice(0, n));
    const missing = await render((n) => MISSING.repeat(n));
    // Without a CJK font all three draw the same boxes in the same places: identical images.
    expect(chinese.equals(missing)).toBe(false);
    expect(chinese.equals(otherChinese)).toBe(false);
  });
});
