/**
 * The small document every long message is built as, rendered to Slack mrkdwn and to Markdown:
 * each block kind, the escaping rules of each flavour, and the table layout, against text written
 * out by hand.
 */
import { describe, expect, it } from 'vitest';
import { docToMarkdown, docToMrkdwn, type MessageDoc, tableLines } from '../../src/presenters/message-doc.js';

const doc: MessageDoc = {
  lang: 'en',
  title: 'Redis memory incident on prod',
  blocks: [
    { kind: 'heading', text: 'Root cause' },
    { kind: 'paragraph', text: 'Keys in `a:&lt;b&gt;:*` never expire &amp; grow.' },
    { kind: 'context', text: 'Figures from the census at 14:22 UTC' },
    { kind: 'bullets', items: ['one', 'two'] },
    {
      kind: 'table',
      columns: ['Pattern', 'Keys'],
      rows: [
        ['a|b', '10'],
        ['c', '2'],
      ],
    },
  ],
};

describe('docToMrkdwn', () => {
  it('bold title and headings, bullets with •, a table as a preformatted block; entities kept', () => {
    expect(docToMrkdwn(doc)).toBe(
      [
        '*Redis memory incident on prod*',
        '*Root cause*',
        'Keys in `a:&lt;b&gt;:*` never expire &amp; grow.',
        'Figures from the census at 14:22 UTC',
        '• one\n• two',
        '```\nPattern  Keys\n───────  ────\na|b      10\nc        2\n```',
      ].join('\n\n'),
    );
  });
});

describe('docToMarkdown', () => {
  it('# title, ## headings, italic context, - bullets, a GFM table with | escaped; ends with a newline', () => {
    expect(docToMarkdown(doc)).toBe(
      `${[
        '# Redis memory incident on prod',
        '## Root cause',
        // Inside a code span entities are decoded (Markdown would show them literally); outside they stay.
        'Keys in `a:<b>:*` never expire &amp; grow.',
        '_Figures from the census at 14:22 UTC_',
        '- one\n- two',
        '| Pattern | Keys |\n| --- | --- |\n| a\\|b | 10 |\n| c | 2 |',
      ].join('\n\n')}\n`,
    );
  });

  it('a table cell never breaks the table: newlines become spaces', () => {
    const md = docToMarkdown({
      lang: 'en',
      title: 't',
      blocks: [{ kind: 'table', columns: ['x'], rows: [['line 1\nline 2']] }],
    });
    expect(md).toContain('| line 1 line 2 |');
  });
});

describe('tableLines', () => {
  it('pads every column to its widest cell, two spaces apart, no trailing spaces, a rule under the header', () => {
    expect(
      tableLines(
        ['Rule', 'TTL', 'Risk'],
        [
          ['coupon-unread', '60d', 'low'],
          ['x', '7d', 'medium'],
        ],
      ),
    ).toEqual([
      'Rule           TTL  Risk',
      '─────────────  ───  ──────',
      'coupon-unread  60d  low',
      'x              7d   medium',
    ]);
  });

  it('a CJK cell counts two columns per character; a missing cell counts as empty', () => {
    expect(tableLines(['规则', 'n'], [['优惠券', '1'], ['ab']])).toEqual([
      '规则    n',
      '──────  ─',
      '优惠券  1',
      'ab',
    ]);
  });
});
