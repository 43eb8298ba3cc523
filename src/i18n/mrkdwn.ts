/**
 * Slack-safe text: the one place that turns text from outside the bot (what people type, key names
 * and patterns, rule names and notes, Redis error messages, Slack ids) into text Slack shows
 * literally, and the one way to shorten text for Slack.
 *
 * - {@link escapeMrkdwn}: well-formed UTF-16 (a lone surrogate becomes U+FFFD); `&` `<` `>` as the
 *   only three entities Slack decodes, so `<!channel>` shows as text and never pings; every backtick
 *   as `ˋ` (U+02CB, a look-alike that stays visible), so an escaped value can neither close the ```
 *   block or code span it is shown in nor open one. `*` `_` `~` are left as typed: they can change
 *   emphasis, never ping, link or break out of a block. Display only: a key shown with `ˋ` is not
 *   the key's exact name (the CLI's plain output is).
 * - {@link spaceMarkersFromCjk}: `*bold*` next to Chinese gets a zero-width space on the marker's
 *   outer side, so Slack clients render it (every Slack `t` applies it).
 * - {@link userMention} and friends: a `<@…>` / `<#…>` / `<!subteam^…>` only for an id of Slack's
 *   shape; anything else is escaped text, never a mention.
 * - {@link truncate} / {@link truncateMrkdwn}: cut on grapheme boundaries (an emoji, a flag, a ZWJ
 *   family or a letter with its combining marks is kept whole or dropped whole) and end with `…`;
 *   lengths are UTF-16 code units, which is never less than what Slack counts.
 */

const ELLIPSIS = '…';
/** The backtick's look-alike in escaped text. */
export const BACKTICK_LOOKALIKE = 'ˋ';

export function escapeMrkdwn(text: string): string {
  return wellFormed(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, BACKTICK_LOOKALIKE);
}

/** Han characters and full-width punctuation: what Slack does not count as a word boundary. */
const CJK_CHAR = /[\p{Script=Han}\u3000-\u303F\uFF00-\uFFEF]/u;
const ZWSP = '\u200B';

/**
 * `*bold*` that Slack clients render next to Chinese: Slack only opens and closes bold at a word
 * boundary, which a Han character or full-width punctuation is not (`*规则*：` shows the stars), so a
 * zero-width space goes between the marker and the Chinese character on its outer side, as Slack
 * advises. Code spans are skipped (a `*` in a key pattern is not a marker); bold pairs per line.
 */
export function spaceMarkersFromCjk(text: string): string {
  if (!CJK_CHAR.test(text)) return text;
  let out = '';
  let open = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '`') {
      const fence = text.startsWith('```', i);
      const close = fence ? text.indexOf('```', i + 3) : text.indexOf('`', i + 1);
      const end = close < 0 ? text.length : close + (fence ? 3 : 1);
      out += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (ch === '\n') open = false;
    if (ch !== '*') {
      out += ch;
      continue;
    }
    const prev = text[i - 1] ?? '';
    const next = text[i + 1] ?? '';
    if (!open && next !== '' && !/\s/.test(next)) {
      out += CJK_CHAR.test(prev) ? `${ZWSP}*` : '*';
      open = true;
    } else if (open) {
      out += CJK_CHAR.test(next) ? `*${ZWSP}` : '*';
      open = false;
    } else {
      out += '*';
    }
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with each lone surrogate replaced by U+FFFD (what `String#toWellFormed` does). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const SUBTEAM_ID = /^S[A-Z0-9]{2,}$/;

export function isSlackUserId(id: string): boolean {
  return USER_ID.test(id);
}

export function isSlackChannelId(id: string): boolean {
  return CHANNEL_ID.test(id);
}

/** `<@U1>` for a user id; anything else (a CLI actor, a forged id) as escaped text. */
export function userMention(id: string): string {
  return isSlackUserId(id) ? `<@${id}>` : escapeMrkdwn(id);
}

/** `<#C1>` for a channel id; anything else as escaped text. */
export function channelMention(id: string): string {
  return isSlackChannelId(id) ? `<#${id}>` : escapeMrkdwn(id);
}

/** `<!subteam^S1>` for a user-group id; anything else as escaped text. */
export function subteamMention(id: string): string {
  return SUBTEAM_ID.test(id) ? `<!subteam^${id}>` : escapeMrkdwn(id);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest prefix of `s` made of whole graphemes that fits in `budget` code units. */
function graphemePrefix(s: string, budget: number): string {
  let end = 0;
  for (const { index, segment } of graphemes.segment(s)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return s.slice(0, end);
}

/**
 * `text` in at most `max` UTF-16 code units, well-formed, cut between graphemes with `…` when it
 * was longer. For plain text (button labels, values, input) or a value escaped afterwards.
 */
export function truncate(text: string, max: number): string {
  const s = wellFormed(text);
  if (s.length <= max) return s;
  if (max < ELLIPSIS.length) return '';
  return graphemePrefix(s, max - ELLIPSIS.length) + ELLIPSIS;
}

const FENCE = '```';

/**
 * Where to cut mrkdwn so the head keeps at most `max` code units: between graphemes, never inside an
 * entity (`&am|p;`) or a bot-built `<@U…>`. 0 when not even the first grapheme fits.
 */
export function mrkdwnCutIndex(text: string, max: number): number {
  const head = graphemePrefix(text, max);
  const partial = /&[#A-Za-z0-9]*$|<[^>]*$/.exec(head);
  return partial ? partial.index : head.length;
}

/**
 * {@link truncate} for text that is already mrkdwn: a cut never leaves half an entity (`&am`) or
 * half a bot-built `<@U…>`, and a ``` block left open by the cut is closed.
 */
export function truncateMrkdwn(text: string, max: number): string {
  const s = wellFormed(text);
  if (s.length <= max) return s;
  if (max < ELLIPSIS.length + FENCE.length) return truncate(s, max);
  // Backticks at the cut (part of a fence, or a whole one) would pair with the closing fence.
  const cut = s.slice(0, mrkdwnCutIndex(s, max - ELLIPSIS.length - FENCE.length)).replace(/`+$/, '');
  const open = cut.split(FENCE).length % 2 === 0;
  return `${cut}${ELLIPSIS}${open ? FENCE : ''}`;
}
