/**
 * The Slack-safe text helpers on adversarial strings (emoji, ZWJ sequences, flags, combining marks,
 * lone surrogates, mentions, entities, fences, emphasis), then on many seeded random strings built
 * from the same pieces. Truths are independent of the helpers: `encodeURIComponent` throws on a lone
 * surrogate, Intl.Segmenter says where graphemes end, and the special-mention syntax is Slack's.
 */
import { describe, expect, it } from 'vitest';
import { readLocaleResources } from '../../src/i18n/index.js';
import {
  BACKTICK_LOOKALIKE,
  channelMention,
  escapeMrkdwn,
  subteamMention,
  truncate,
  truncateMrkdwn,
  userMention,
} from '../../src/i18n/mrkdwn.js';
import { chunkText } from '../../src/slack/blocks/message-doc-blocks.js';
import {
  COMBINING,
  FAMILY,
  FLAG,
  fenceCount,
  HIGH,
  isWellFormed,
  LOW,
  randomText,
  rng,
  THUMB_TONE,
} from '../support/hostile-text.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemesOf = (s: string) => [...segmenter.segment(s)].map((g) => g.segment);

/** Slack's control sequences: a mention, a channel link, a special mention or a link. */
const CONTROL = /<[@#!]|<https?:|<mailto:/;

/** Each lone surrogate as U+FFFD, code unit by code unit. */
function repaired(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      out += s.slice(i, i + 2);
      i++;
    } else out += c >= 0xd800 && c <= 0xdfff ? '\uFFFD' : s[i];
  }
  return out;
}

const fences = fenceCount;

describe('escapeMrkdwn', () => {
  it('makes mentions, links and entities literal and neutralises backticks', () => {
    expect(escapeMrkdwn('<!channel> <@U123|x> & `code` ```block```')).toBe(
      '&lt;!channel&gt; &lt;@U123|x&gt; &amp; ˋcodeˋ ˋˋˋblockˋˋˋ',
    );
    // An entity typed by a person stays what they typed.
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    // Emphasis can't ping or break out: left as typed.
    expect(escapeMrkdwn('*_~')).toBe('*_~');
  });

  it('keeps emoji, ZWJ sequences, flags and combining marks whole; lone surrogates become U+FFFD', () => {
    const text = `${FAMILY}${FLAG}${THUMB_TONE}${COMBINING}`;
    expect(escapeMrkdwn(text)).toBe(text);
    expect(escapeMrkdwn(`a${HIGH}b${LOW}c${LOW}${HIGH}`)).toBe('a\uFFFDb\uFFFDc\uFFFD\uFFFD');
  });
});

describe('mentions only for ids of Slack shape', () => {
  it('builds a mention for a real-looking id, escaped text for anything else', () => {
    expect(userMention('U0123ABC')).toBe('<@U0123ABC>');
    expect(userMention('W0123ABC')).toBe('<@W0123ABC>');
    expect(userMention('U1><!channel')).toBe('U1&gt;&lt;!channel');
    expect(userMention('u123')).toBe('u123');
    expect(userMention('cli:alice')).toBe('cli:alice');
    expect(userMention('')).toBe('');
    expect(channelMention('C0MARKET')).toBe('<#C0MARKET>');
    expect(channelMention('C1><!here')).toBe('C1&gt;&lt;!here');
    expect(subteamMention('SONCALL')).toBe('<!subteam^SONCALL>');
    expect(subteamMention('S1|x><!channel')).toBe('S1|x&gt;&lt;!channel');
  });
});

describe('locales build no mention around a value', () => {
  it('no template wraps an interpolation in <@…>, <#…> or <!…>: the code builds mentions from checked ids', () => {
    const offenders: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string') {
        if (/<[@#!][^>]*\{\{/.test(v)) offenders.push(`${path}: ${v}`);
      } else if (v && typeof v === 'object') {
        for (const [k, child] of Object.entries(v)) walk(child, `${path}.${k}`);
      }
    };
    walk(readLocaleResources(), 'locales');
    expect(offenders).toEqual([]);
  });
});

describe('truncate', () => {
  it('cuts between graphemes and marks the cut', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate(`${'a'.repeat(9)}😀tail`, 10)).toBe(`${'a'.repeat(9)}…`);
    expect(truncate(`ab${FAMILY}cd`, 14)).toBe(`ab${FAMILY}…`);
    expect(truncate(`ab${FAMILY}cd`, 13)).toBe('ab…');
    expect(truncate(`x${FLAG}${FLAG}`, 6)).toBe(`x${FLAG}…`);
    expect(truncate(`${COMBINING}${COMBINING}`, 5)).toBe(`${COMBINING}…`);
    expect(truncate('abc', 0)).toBe('');
  });

  it('a lone surrogate in the input never survives', () => {
    expect(truncate(`ab${HIGH}`, 10)).toBe('ab\uFFFD');
    expect(isWellFormed(truncate(`${HIGH}${'a'.repeat(20)}`, 5))).toBe(true);
  });
});

describe('truncateMrkdwn', () => {
  it('closes a code block the cut left open and never leaves half an entity or mention', () => {
    const block = `head\n\`\`\`${'row\n'.repeat(50)}\`\`\``;
    const cut = truncateMrkdwn(block, 40);
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(fences(cut) % 2).toBe(0);
    expect(cut.endsWith('…```')).toBe(true);
    expect(truncateMrkdwn(`${'a'.repeat(8)}&amp;rest`, 12)).toBe(`${'a'.repeat(8)}…`);
    expect(truncateMrkdwn(`${'a'.repeat(8)}<@U12345> rest`, 14)).toBe(`${'a'.repeat(8)}…`);
  });

  it('a cut inside a fence does not leave one or two backticks to pair with the closing one', () => {
    const text = `intro \`\`\`code\`\`\` and more text after it`;
    for (let max = 4; max < text.length; max++) {
      const cut = truncateMrkdwn(text, max);
      expect(cut.length, `max ${max}`).toBeLessThanOrEqual(max);
      expect(fences(cut) % 2, `max ${max}: ${cut}`).toBe(0);
      expect(cut.replace(/```/g, ''), `max ${max}: ${cut}`).not.toContain('``');
    }
  });
});

describe('property-style: 20,000 seeded random strings', () => {
  it('escaped values: well-formed, no control sequence, no backtick; truncation within the limit, on a grapheme boundary', () => {
    const seed = 0x5eed;
    const next = rng(seed);
    for (let i = 0; i < 20_000; i++) {
      const raw = randomText(next);
      const max = 1 + Math.floor(next() * 60);
      const where = `seed ${seed}, case ${i}: ${JSON.stringify(raw)} / ${max}`;

      const escaped = escapeMrkdwn(raw);
      expect(isWellFormed(escaped), where).toBe(true);
      expect(escaped, where).not.toMatch(CONTROL);
      expect(escaped, where).not.toContain('`');

      // What the bot builds: a value in a code block, in a code span and after a real mention.
      const message = `<@U0BOT> \`${escaped}\`\n\`\`\`${escaped}\`\`\``;
      expect(fences(message), where).toBe(2);
      expect(message.match(/<[@#!]/g)?.length ?? 0, where).toBe(1);

      const cut = truncate(raw, max);
      expect(isWellFormed(cut), where).toBe(true);
      expect(cut.length, where).toBeLessThanOrEqual(max);
      const wf = repaired(raw);
      if (cut !== wf) {
        expect(cut.endsWith('…'), where).toBe(true);
        const kept = cut.slice(0, -1);
        // The kept part is whole graphemes of the input: a prefix of its grapheme list.
        const ours = graphemesOf(kept);
        expect(graphemesOf(wf).slice(0, ours.length), where).toEqual(ours);
      }

      const cutMessage = truncateMrkdwn(message, Math.max(8, max));
      expect(isWellFormed(cutMessage), where).toBe(true);
      expect(cutMessage.length, where).toBeLessThanOrEqual(Math.max(8, max));
      expect(fences(cutMessage) % 2, where).toBe(0);
      expect(cutMessage, where).not.toMatch(/<[^>]*$|&[a-z]*…/);
    }
  });

  it('the look-alike is one visible character, not a backtick', () => {
    expect(BACKTICK_LOOKALIKE).toHaveLength(1);
    expect(BACKTICK_LOOKALIKE).not.toBe('`');
  });
});

describe('splitting a long incident-message line', () => {
  it('never splits an emoji, a flag or an entity across two sections', () => {
    for (const max of [2999, 3000, 101, 7]) {
      for (const unit of ['😀', FAMILY, FLAG, '&amp;', COMBINING]) {
        const parts = chunkText(unit.repeat(Math.ceil((max * 3) / unit.length)), max);
        for (const part of parts) {
          expect(isWellFormed(part), `${unit} / ${max}`).toBe(true);
          expect(part.length).toBeLessThanOrEqual(max);
          // Each part is whole units (unless one alone is longer than a section): nothing split.
          if (unit.length <= max) expect(part.split(unit).join(''), `${unit} / ${max}`).toBe('');
        }
      }
    }
  });
});
