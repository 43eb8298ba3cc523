/**
 * Hostile text for tests: the pieces that break Slack messages (mentions, links, entities, fences,
 * emphasis, emoji sequences, combining marks, lone surrogates), a small seeded generator that
 * strings them together (replayable from its seed; fast-check would shrink failures too), and the
 * checks a message sent to Slack must pass, independent of the code under test.
 */

export const FAMILY = '👨‍👩‍👧‍👦';
export const FLAG = '🇨🇳';
export const THUMB_TONE = '👍🏽';
export const COMBINING = 'é̂̃';
export const HIGH = '\uD83D';
export const LOW = '\uDC4D';

export const PIECES = [
  'a',
  'Z',
  '9',
  ':',
  ' ',
  '\n',
  '中',
  '😀',
  FAMILY,
  FLAG,
  THUMB_TONE,
  COMBINING,
  HIGH,
  LOW,
  '<!channel>',
  '<!here>',
  '<@U123|x>',
  '<#C1>',
  '<https://evil.example|click>',
  '&',
  '&amp;',
  '&lt;',
  '<',
  '>',
  '`',
  '```',
  '*',
  '_',
  '~',
  '\\x00',
  '\u200b',
] as const;

/** mulberry32, re-exported for the hostile-text generators' callers. */
export { rng } from './seeded-random.js';

/** Up to `maxPieces` pieces, strung together at random. */
export function randomText(next: () => number, maxPieces = 40): string {
  const n = Math.floor(next() * maxPieces);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)] as string;
  return s;
}

/** Independent of the code under test: encodeURIComponent throws on a lone surrogate. */
export function isWellFormed(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

export const fenceCount = (s: string): number => s.split('```').length - 1;

/** Every string in a value (texts, labels, button values, arguments). */
export function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsOf);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsOf);
  return [];
}

/** The texts Slack reads as mrkdwn: the message `text` and every `mrkdwn` text object. */
export function mrkdwnOf(message: { text?: unknown; blocks?: unknown }): string[] {
  const out = typeof message.text === 'string' ? [message.text] : [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return out;
}

/** The control sequences a bot builds from ids it checked: everything else must be escaped. */
const BOT_BUILT = /<@[UW][A-Z0-9]{2,}>|<#[CG][A-Z0-9]{2,}>|<!subteam\^S[A-Z0-9]{2,}>/g;

/**
 * What is wrong with a message for Slack, as sentences (empty when nothing): ill-formed UTF-16
 * anywhere, a `<`/`>` in mrkdwn that is not a mention the bot built, an odd number of ``` fences.
 */
export function slackProblems(message: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  for (const s of stringsOf(message)) if (!isWellFormed(s)) problems.push(`ill-formed: ${JSON.stringify(s)}`);
  for (const s of mrkdwnOf(message)) {
    if (/[<>]/.test(s.replace(BOT_BUILT, ''))) problems.push(`raw < or >: ${JSON.stringify(s)}`);
    if (fenceCount(s) % 2 !== 0) problems.push(`unbalanced fence: ${JSON.stringify(s)}`);
  }
  return problems;
}
