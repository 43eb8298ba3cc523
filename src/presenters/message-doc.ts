import type { Lang } from '../i18n/types.js';
import { displayWidth, padEndDisplay } from './text-layout.js';

/**
 * A long message as a small document (headings, paragraphs, bullets, tables), so one builder
 * serves Slack (Block Kit, split across messages), mrkdwn text and Markdown for an email or a wiki.
 * Text is already localized and escaped for Slack (`&`, `<`, `>`), which Markdown reads the same way.
 */
export type DocBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'context'; text: string }
  | { kind: 'bullets'; items: string[] }
  | { kind: 'table'; columns: string[]; rows: string[][] };

export interface MessageDoc {
  lang: Lang;
  /** Plain text (a Block Kit header): no markup, no user text. */
  title: string;
  blocks: DocBlock[];
}

/** `slack`: mrkdwn with `<@U…>` mentions; `markdown`: CommonMark/GFM for email and wikis. */
export type DocFlavor = 'slack' | 'markdown';

/** Slack mrkdwn (what the CLI prints with `--format mrkdwn`, and what a section holds). */
export function docToMrkdwn(doc: MessageDoc): string {
  return [`*${doc.title}*`, ...doc.blocks.map(blockToMrkdwn)].join('\n\n');
}

export function blockToMrkdwn(block: DocBlock): string {
  switch (block.kind) {
    case 'heading':
      return `*${block.text}*`;
    case 'paragraph':
    case 'context':
      return block.text;
    case 'bullets':
      return block.items.map((i) => `• ${i}`).join('\n');
    case 'table':
      return `\`\`\`\n${tableLines(block.columns, block.rows).join('\n')}\n\`\`\``;
  }
}

/**
 * Markdown reads `&lt;` as `<` everywhere but inside code spans, where it would show literally:
 * decode there (a code span never renders HTML or mentions, so nothing can ping or inject).
 */
function decodeCodeSpans(text: string): string {
  return text.replace(/`[^`\n]*`/g, (span) =>
    span.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );
}

export function docToMarkdown(doc: MessageDoc): string {
  return markdownOf(doc).split('\n').map(decodeCodeSpans).join('\n');
}

function markdownOf(doc: MessageDoc): string {
  const out = [`# ${doc.title}`];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        out.push(`## ${block.text}`);
        break;
      case 'paragraph':
        out.push(block.text);
        break;
      case 'context':
        out.push(`_${block.text}_`);
        break;
      case 'bullets':
        out.push(block.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table': {
        const cell = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
        out.push(
          [
            `| ${block.columns.map(cell).join(' | ')} |`,
            `| ${block.columns.map(() => '---').join(' | ')} |`,
            ...block.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      }
    }
  }
  return `${out.join('\n\n')}\n`;
}

/** Columns padded by display width (CJK characters count two), header, rule, rows. */
export function tableLines(columns: string[], rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(shownWidth(c), ...rows.map((r) => shownWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padEndDisplay(c, widths[i] ?? 0, shownWidth))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

/** Columns a cell takes once Slack has decoded its entities (`&lt;` shows as one `<`). */
function shownWidth(cell: string): number {
  return displayWidth(cell.replace(/&(?:amp|lt|gt);/g, '&'));
}
