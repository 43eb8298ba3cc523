import type { types } from '@slack/bolt';
import { mrkdwnCutIndex } from '../../i18n/mrkdwn.js';
import type { Translate } from '../../i18n/types.js';
import { type DocBlock, type MessageDoc, tableLines } from '../../presenters/message-doc.js';

type KnownBlock = types.KnownBlock;

/** Slack's published limits, with margin where Slack's real limit is lower than documented. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  contextText: 2000,
  /** `msg_blocks_too_long` has been seen near 13 K characters of block text in one message. */
  messageChars: 12_000,
} as const;

export interface SlackMessage {
  /** Notification and fallback text. */
  text: string;
  blocks: KnownBlock[];
}

/**
 * A document as one or more Slack messages, in order: each within 50 blocks, 3000 characters a
 * section and ~12 K characters in all. Long content is split (tables repeat their header), never
 * cut off. Each language of a bilingual message starts its own message.
 */
export function docsToMessages(docs: MessageDoc[], t: (doc: MessageDoc) => Translate): SlackMessage[] {
  const out: SlackMessage[] = [];
  for (const doc of docs) {
    const blocks = docBlocks(doc);
    const groups = pack(blocks);
    groups.forEach((group, i) => {
      const text =
        groups.length > 1
          ? t(doc)('notify:part', { title: doc.title, n: i + 1, total: groups.length })
          : doc.title;
      out.push({ text, blocks: group });
    });
  }
  return out;
}

/** A document's blocks, each within Slack's per-block limits (not yet packed into messages). */
export function docBlocks(doc: MessageDoc): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (doc.title.length <= SLACK_LIMITS.headerText) {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: doc.title, emoji: true } });
  } else {
    blocks.push(...sections(`*${doc.title}*`));
  }
  for (const block of doc.blocks) blocks.push(...toBlocks(block));
  return blocks;
}

function toBlocks(block: DocBlock): KnownBlock[] {
  switch (block.kind) {
    case 'heading':
      return sections(`*${block.text}*`);
    case 'paragraph':
      return sections(block.text);
    case 'context':
      return chunkText(block.text, SLACK_LIMITS.contextText).map((text) => ({
        type: 'context',
        elements: [{ type: 'mrkdwn', text }],
      }));
    case 'bullets':
      return sections(block.items.map((i) => `• ${i}`).join('\n'));
    case 'table': {
      const [head, rule, ...rows] = tableLines(block.columns, block.rows);
      const header = [head, rule].join('\n');
      const fence = (body: string) => `\`\`\`\n${header}\n${body}\n\`\`\``;
      const room = SLACK_LIMITS.sectionText - fence('').length;
      // A very wide table (a 1 KB pattern) reads better, and fits, as one line per row.
      if (room < TABLE_MIN_ROOM || rows.some((r) => r.length > room)) return tableAsList(block);
      return chunkLines(rows, room).map((body) => section(fence(body)));
    }
  }
}

/** Below this much room for rows, a table is shown as a list instead. */
const TABLE_MIN_ROOM = 1000;

function tableAsList(block: Extract<DocBlock, { kind: 'table' }>): KnownBlock[] {
  const lines = block.rows.map((r) => `• ${r.map((c, i) => `${block.columns[i] ?? ''}: ${c}`).join(' · ')}`);
  return sections(lines.join('\n'));
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function sections(text: string): KnownBlock[] {
  return chunkText(text, SLACK_LIMITS.sectionText).map(section);
}

/** Splits at line breaks, then (for a single over-long line) at spaces, then anywhere. */
export function chunkText(text: string, max: number): string[] {
  return chunkLines(text.split('\n'), max);
}

function chunkLines(lines: string[], max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  const flush = () => {
    if (current !== '') chunks.push(current);
    current = '';
  };
  for (const line of lines.flatMap((l) => splitLong(l, max))) {
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > max) {
      flush();
      current = line;
    } else current = next;
  }
  flush();
  return chunks.length > 0 ? chunks : [''];
}

function splitLong(line: string, max: number): string[] {
  if (max < 1) throw new RangeError(`chunk size ${max}`);
  if (line.length <= max) return [line];
  const parts: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const cut = rest.lastIndexOf(' ', max);
    // No space to break at: between graphemes, outside entities (a lone surrogate is invalid text).
    const at = cut > max / 2 ? cut : mrkdwnCutIndex(rest, max) || graphemeSafeMax(rest, max);
    parts.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^ /, '');
  }
  parts.push(rest);
  return parts;
}

/** A first grapheme longer than `max` (a pile of combining marks) is cut, but never inside a pair. */
function graphemeSafeMax(text: string, max: number): number {
  const code = text.charCodeAt(max - 1);
  return max > 1 && code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/** Fills messages in order up to the block and character limits. */
function pack(blocks: KnownBlock[]): KnownBlock[][] {
  const groups: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  let chars = 0;
  for (const block of blocks) {
    const size = blockChars(block);
    if (
      current.length > 0 &&
      (current.length + 1 > SLACK_LIMITS.blocksPerMessage || chars + size > SLACK_LIMITS.messageChars)
    ) {
      groups.push(current);
      current = [];
      chars = 0;
    }
    current.push(block);
    chars += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Characters of text a block carries (what Slack's total-size limit counts). */
export function blockChars(block: KnownBlock): number {
  if (block.type === 'section' || block.type === 'header') return block.text?.text.length ?? 0;
  if (block.type === 'context')
    return block.elements.reduce(
      (s, e) => s + ('text' in e && typeof e.text === 'string' ? e.text.length : 0),
      0,
    );
  return 0;
}
