/** The burst hunt document as terminal text: title, headings, paragraphs, bullets, aligned tables. */
import { type MessageDoc, tableLines } from '../../presenters/message-doc.js';

export function renderDocText(doc: MessageDoc): string {
  const out: string[] = [doc.title, '='.repeat(Math.min(60, doc.title.length * 2))];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        out.push('', block.text);
        break;
      case 'paragraph':
      case 'context':
        out.push(block.text.replace(/`/g, ''));
        break;
      case 'bullets':
        out.push(...block.items.map((i) => `  • ${i.replace(/`/g, '')}`));
        break;
      case 'table':
        out.push(...tableLines(block.columns, block.rows).map((l) => `  ${l}`));
        break;
    }
  }
  return `${out.join('\n')}\n`;
}
