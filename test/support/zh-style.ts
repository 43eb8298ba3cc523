/**
 * The written Chinese style rules (locales/zh/STYLE.md) as a checker over rendered text, and the
 * glossary (locales/glossary.json) as a checker of forbidden renderings. Each rule has a short id the
 * style document names; a problem reads `rule-id: "excerpt" in "line"`.
 */
import { readFileSync } from 'node:fs';
import { LOCALES_DIR } from '../../src/i18n/index.js';

/** Han characters and the full-width punctuation Chinese sentences use. */
const HAN = '\\p{Script=Han}';
const FULL_PUNCT = '，。：；、！？（）《》“”‘’';
const CJK = `[${HAN}${FULL_PUNCT}]`;
const HAS_HAN = new RegExp(HAN, 'u');

export interface StyleOptions {
  /** Slack mrkdwn: also check bold and code markers. */
  mrkdwn?: boolean;
  /** Values shown verbatim (key names, server messages): removed before the punctuation rules. */
  verbatim?: readonly string[];
}

interface Rule {
  id: string;
  re: RegExp;
}

/** Rules over one line with code spans, URLs, mentions and emoji codes removed. */
const LINE_RULES: readonly Rule[] = [
  // A space between Chinese and Latin letters or digits, both ways ("60 天", "Key 数").
  { id: 'space-cjk-latin', re: new RegExp(`${HAN}[A-Za-z0-9]|[A-Za-z0-9]${HAN}`, 'u') },
  // No single space between two Chinese characters or full-width marks ("60 天 的", "斜率 每分钟").
  { id: 'space-between-cjk', re: new RegExp(`${CJK} ${CJK}`, 'u') },
  // Full-width punctuation takes no space beside it ("（ 60", "内 ）", "： 低").
  { id: 'space-fullwidth', re: /[（，。：；、！？] (?! )|(?<! ) [）。，：；、！？]/u },
  // Half-width , ; : ! ? beside Chinese ("rule: 匹配", "个,").
  { id: 'halfwidth-punct', re: new RegExp(`${HAN}[,;:!?]|(?<=\\S)[,;:!?] ?${HAN}`, 'u') },
  // Half-width parentheses in a Chinese line ("40,348 (60.6%)", "3,120 个 (抽样)").
  { id: 'halfwidth-parens', re: /[()]/u },
  // A list joined with ", " in a Chinese line: the separator is 、 ("a, b").
  { id: 'list-comma', re: /[^\d\s], (?=\S)/u },
  // A number and its percent sign stay together ("5 %").
  { id: 'percent-space', re: /\d[ \u00A0]+%/u },
  // The rules file's notation ("60d", "12h") is for the rules file: people read "60 天".
  { id: 'ttl-notation', re: /(?<![\w.:/-])\d+[dhms](?![\w])/u },
  // Exact seconds are for developers and are copied into EX: no thousands separator.
  { id: 'seconds-separator', re: /\d{1,3}(?:,\d{3})+ ?秒|EX \d{1,3},\d/u },
  // One qualifier in brackets, not two in a row ("（默认 50）（默认值：50）").
  { id: 'double-brackets', re: /）（/u },
  // The same word repeated in brackets ("严重（严重）").
  { id: 'repeated-word', re: new RegExp(`(${HAN}{2,})（\\1）`, 'u') },
  // "无" alone before a number ("无 100%"): say what is missing ("无 TTL 100%").
  { id: 'bare-none', re: new RegExp(`(?<!${HAN})无 [\\d.,]+%?`, 'u') },
  // "每 5 分钟 X" / "斜率 每分钟 -0.32%": a rate reads "-0.32%/分钟".
  { id: 'rate-words', re: /斜率 每/u },
];

/** `line` without what the punctuation rules do not apply to. */
function strip(line: string, verbatim: readonly string[]): string {
  let s = line.replace(/\u200B/g, '');
  for (const v of verbatim) if (v) s = s.split(v).join('X');
  return (
    s
      .replace(/```[^`]*```/g, 'X')
      .replace(/`[^`\n]*`/g, 'X')
      .replace(/\b[a-z][a-z+]*:\/\/\S+/g, 'X')
      .replace(/<[@#!][^<>\n]*>/g, 'X')
      .replace(/&(?:lt|gt|amp);/g, 'X')
      .replace(/(?<!\S):[a-z0-9_+-]+:(?!\S)/g, 'X')
      // Times and ratios (09:54, 1/3) and Slack's bold and italic markers.
      .replace(/\d:\d/g, '0')
      // A command-line flag and its short form (`-h, --help`).
      .replace(/(?<!\S)-\w, --[\w-]+/g, 'X')
      .replace(/(?<=^|\s|[^\w])[*_](?=\S)|(?<=\S)[*_](?=$|\s|[^\w])/g, '')
  );
}

/** Where mrkdwn markers sit wrongly: next to Chinese on their outer side, or code inside bold. */
function mrkdwnProblems(line: string): string[] {
  const out: string[] = [];
  // Outside a marker: the line's end, a space, a zero-width space or ASCII punctuation.
  const outerOk = (ch: string | undefined) => ch === undefined || /[\s\u200B!-/:-@[-`{-~]/u.test(ch);
  let bold = -1;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === '`') {
      const fence = line.startsWith('```', i);
      const close = fence ? line.indexOf('```', i + 3) : line.indexOf('`', i + 1);
      if (close < 0) break;
      const end = close + (fence ? 3 : 1);
      // Slack shows a code span next to Chinese; a code span inside bold ends the bold for some clients.
      if (!fence && bold >= 0) out.push(`code-in-bold: "${line.slice(bold, end)}"`);
      i = end - 1;
    } else if (ch === '*') {
      if (bold < 0) {
        if (/\s/.test(line[i + 1] ?? ' ')) {
          // Neither opens nor closes: what is left when a `*` in a key pattern closed the bold early.
          out.push(`stray-marker: "${line.slice(Math.max(0, i - 4), i + 1)}"`);
        } else {
          if (!outerOk(line[i - 1]))
            out.push(`marker-beside-cjk: "${line.slice(Math.max(0, i - 2), i + 3)}"`);
          bold = i;
        }
      } else {
        if (!outerOk(line[i + 1])) out.push(`marker-beside-cjk: "${line.slice(Math.max(0, i - 2), i + 3)}"`);
        bold = -1;
      }
    }
  }
  if (bold >= 0) out.push(`unclosed-bold: "${line.slice(bold, bold + 12)}"`);
  return out;
}

/** Every style problem in `text` (all lines), as `rule-id: "match" in "line"`. */
export function zhStyleProblems(text: string, options: StyleOptions = {}): string[] {
  const out: string[] = [];
  if (options.mrkdwn) {
    // Markers mean nothing inside a ``` block (census tables, YAML drafts).
    for (const line of text.replace(/```[\s\S]*?```/g, '').split('\n')) {
      if (HAS_HAN.test(line)) for (const p of mrkdwnProblems(line)) out.push(`${p} in "${line}"`);
    }
  }
  let fenced = false;
  for (const raw of text.split('\n')) {
    // Inside a ``` block a YAML key (`note: 待确认`) is syntax, not a Chinese colon.
    const line = fenced ? raw.replace(/^\s*-?\s*[\w-]+: /, '') : raw;
    if ((raw.match(/```/g) ?? []).length % 2 === 1) fenced = !fenced;
    if (!HAS_HAN.test(line)) continue;
    const s = strip(line.replace(/```/g, ''), options.verbatim ?? []);
    for (const rule of LINE_RULES) {
      const m = rule.re.exec(s);
      if (m) out.push(`${rule.id}: "${m[0]}" in "${line}"`);
    }
  }
  return out;
}

export interface GlossaryTerm {
  en: string;
  zh: string;
  note: string;
  forbidden: string[];
  allow?: string[];
}

export const GLOSSARY_JSON = `${LOCALES_DIR}/glossary.json`;
export const GLOSSARY_MD = `${LOCALES_DIR}/glossary.md`;

export function readGlossary(): GlossaryTerm[] {
  return (JSON.parse(readFileSync(GLOSSARY_JSON, 'utf8')) as { terms: GlossaryTerm[] }).terms;
}

/** Each forbidden rendering of a glossary term found in `text`, as `en → zh: "found"`. */
export function glossaryProblems(text: string, terms: readonly GlossaryTerm[] = readGlossary()): string[] {
  const out: string[] = [];
  // Code spans are literal (an option value, a command, a key pattern): not prose to translate.
  const prose = text.replace(/`[^`]*`/g, '□');
  for (const term of terms) {
    let s = prose;
    for (const a of term.allow ?? []) s = s.split(a).join('□');
    for (const f of term.forbidden) {
      if (s.includes(f)) out.push(`${term.en} → ${term.zh}: "${f}" in "${text}"`);
    }
  }
  return out;
}

/** locales/glossary.md, rendered from glossary.json. */
export function renderGlossaryMarkdown(terms: readonly GlossaryTerm[] = readGlossary()): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = terms.map(
    (t) => `| ${cell(t.en)} | ${cell(t.zh)} | ${cell(t.forbidden.join('、'))} | ${cell(t.note)} |`,
  );
  return [
    '# Glossary / 术语表',
    '',
    'One rendering per term. Generated from `glossary.json` (edit that file, then run',
    '`UPDATE_GLOSSARY=1 npx vitest run test/i18n/zh-style.test.ts`). The Chinese style rules are in',
    '[`zh/STYLE.md`](zh/STYLE.md).',
    '',
    '| English | 中文 | 不要写 | 用法 |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
