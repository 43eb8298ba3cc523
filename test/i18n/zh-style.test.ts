/**
 * The Chinese style rules (locales/zh/STYLE.md) and the glossary (locales/glossary.json): the checker
 * catches each problem a bilingual reviewer found in the shipped Chinese, lets the corrected wording
 * through, and every shipped zh string passes it (the rendered ones in zh-sweep.test.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { LOCALES_DIR } from '../../src/i18n/index.js';
import { spaceMarkersFromCjk } from '../../src/i18n/mrkdwn.js';
import {
  GLOSSARY_MD,
  glossaryProblems,
  readGlossary,
  renderGlossaryMarkdown,
  zhStyleProblems,
} from '../support/zh-style.js';

/** What the reviewer quoted, the rule that must catch it, and how it should read. */
const REVIEW_CASES: readonly { bad: string; rule: string; good: string; mrkdwn?: boolean }[] = [
  {
    bad: '为没有 TTL 的 Key 设置 60 天 的 TTL',
    rule: 'space-between-cjk',
    good: '为没有 TTL 的 Key 设置 60 天的 TTL',
  },
  { bad: '内存会逐步释放（60 天 内）', rule: 'space-between-cjk', good: '内存会逐步释放（60 天内）' },
  { bad: '每 5分钟 读取一次', rule: 'space-cjk-latin', good: '每 5 分钟读取一次' },
  { bad: '请在 2026年12月20日 前上线', rule: 'space-cjk-latin', good: '请在 2026-12-20 前上线' },
  { bad: '预计剩余 31分钟', rule: 'space-cjk-latin', good: '预计剩余 31 分钟' },
  { bad: '无 TTL：40,348 (60.6%)', rule: 'halfwidth-parens', good: '无 TTL：40,348（60.6%）' },
  { bad: '无 TTL 3,120 个 (抽样)', rule: 'halfwidth-parens', good: '无 TTL 3,120 个（抽样）' },
  { bad: 'Key 数（变化）：2,326 (+326)', rule: 'halfwidth-parens', good: 'Key 数（变化）：2,326（+326）' },
  {
    bad: '现有规则：coupon-unread, last-activity',
    rule: 'list-comma',
    good: '现有规则：coupon-unread、last-activity',
  },
  {
    bad: '• *coupon-unread*: 匹配 1,482,113 个 Key',
    rule: 'halfwidth-punct',
    good: '• *coupon-unread*\u200B：匹配 1,482,113 个 Key',
    mrkdwn: true,
  },
  { bad: '复核计数相差超过 5 %', rule: 'percent-space', good: '复核计数相差超过 5%' },
  {
    bad: '09:54 峰值 89.4% · 斜率 每分钟 -0.32%',
    rule: 'rate-words',
    good: '峰值 89.4%（09:54）· 斜率 -0.32%/分钟',
  },
  {
    bad: '`coupon:*` · 设置缺失的 TTL · TTL 60 天 · 风险 低',
    rule: 'space-between-cjk',
    good: '`coupon:*` · 设置缺失的 TTL · TTL 60 天 · 风险：低',
  },
  { bad: '结论：严重（严重）', rule: 'repeated-word', good: '结论：严重' },
  { bad: '显示多少条（默认 50）（默认值：50）', rule: 'double-brackets', good: '显示多少条（默认值：50）' },
  { bad: 'TTL 分布：无 100%', rule: 'bare-none', good: 'TTL 分布：无 TTL 100%' },
  {
    bad: '每次写入时设置 60d 的 TTL',
    rule: 'ttl-notation',
    good: '每次写入时设置 60 天的 TTL（`EX 5184000`）',
  },
  {
    bad: '每次写入时设置 60 天（5,184,000 秒）的 TTL',
    rule: 'seconds-separator',
    good: '每次写入时设置 60 天的 TTL（`EX 5184000`）',
  },
  {
    bad: '*coupon-unread*：将修改 12 个 Key',
    rule: 'marker-beside-cjk',
    good: '*coupon-unread*\u200B：将修改 12 个 Key',
    mrkdwn: true,
  },
  {
    bad: '*contact:profile:* 的 TTL 规则草稿*',
    rule: 'stray-marker',
    good: '*TTL 规则草稿*\u200B：`contact:profile:*`',
    mrkdwn: true,
  },
  { bad: '*规则 `coupon:*` 的预演*', rule: 'code-in-bold', good: '*规则预演*：`coupon:*`', mrkdwn: true },
];

describe('zh style rules', () => {
  for (const c of REVIEW_CASES) {
    it(`flags "${c.bad}" (${c.rule})`, () => {
      const problems = zhStyleProblems(c.bad, { mrkdwn: Boolean(c.mrkdwn) });
      expect(problems.map((p) => p.split(':')[0])).toContain(c.rule);
    });
  }

  it('lets the corrected wording through', () => {
    const good = REVIEW_CASES.filter((c) => !c.rule.startsWith('code-in-bold'));
    for (const c of good) expect(zhStyleProblems(c.good, { mrkdwn: Boolean(c.mrkdwn) }), c.good).toEqual([]);
  });

  it('every shipped zh string passes, placeholders filled with what the code passes', () => {
    const problems: string[] = [];
    for (const [key, text] of zhStrings()) {
      // A number for most values ("{{count}} 个" reads "9 个"); words for durations, dates and labels.
      const filled = text.replace(/\{\{-?\s*([\w.]+)[^}]*\}\}/g, (_, name: string) => FILLED[name] ?? '9');
      // As Slack receives it: the Slack `t` spaces bold markers from Chinese.
      for (const p of zhStyleProblems(spaceMarkersFromCjk(filled), { mrkdwn: true }))
        problems.push(`${key}: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('zh style in the terminal', () => {
  it("every command's --help passes", async () => {
    const problems: string[] = [];
    for (const cmd of HELP_COMMANDS) {
      let out = '';
      const write = (text: string) => {
        out += text;
      };
      await main(
        ['node', 'redis-medic', ...cmd, '--help'],
        { LANG: 'zh_CN.UTF-8' },
        { out: write, err: write },
      );
      expect(out, cmd.join(' ')).toContain('用法：');
      for (const p of zhStyleProblems(out)) problems.push(`${cmd.join(' ')} --help: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('glossary', () => {
  it('flags another rendering of a term', () => {
    expect(glossaryProblems('审批人 A 于 14:44 拒绝。')).toHaveLength(1);
    expect(glossaryProblems('请看事件线程')).toHaveLength(1);
    expect(glossaryProblems('持续跟踪内存')).toHaveLength(1);
    expect(glossaryProblems('每个 TTL 会随机分散')).toHaveLength(1);
    expect(glossaryProblems('这是 TTL 整改的起点')).toHaveLength(1);
    expect(glossaryProblems('把 TTL 上限压到 90 天')).toHaveLength(1);
    expect(glossaryProblems('回放 Runbook 中的趋势')).toHaveLength(1);
    expect(glossaryProblems('U07REQ1ST 申请批准规则 `coupon-unread`')).toHaveLength(1);
    expect(glossaryProblems('申请被拒绝')).toHaveLength(1);
    // The same word in an allowed phrase is another meaning.
    expect(glossaryProblems('连接被拒绝（服务是否在运行？）')).toEqual([]);
    expect(glossaryProblems('Slack 拒绝了这条消息')).toEqual([]);
  });

  it('no zh string uses a rendering the glossary rules out', () => {
    const terms = readGlossary();
    const problems = zhStrings().flatMap(([key, text]) =>
      glossaryProblems(text, terms).map((p) => `${key}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('each term has one rendering in each language and a note', () => {
    const terms = readGlossary();
    expect(new Set(terms.map((t) => t.en)).size).toBe(terms.length);
    for (const t of terms) {
      expect(t.zh.trim(), t.en).not.toBe('');
      expect(t.note.trim(), t.en).not.toBe('');
      for (const f of t.forbidden) expect(t.zh.includes(f), `${t.en}: ${f} is its own rendering`).toBe(false);
    }
  });

  it('glossary.md is glossary.json rendered', () => {
    const rendered = renderGlossaryMarkdown();
    if (process.env.UPDATE_GLOSSARY) writeFileSync(GLOSSARY_MD, rendered);
    expect(readFileSync(GLOSSARY_MD, 'utf8')).toBe(rendered);
  });
});

const HELP_COMMANDS = [
  [],
  ['status'],
  ['demo'],
  ['serve'],
  ['check-config'],
  ['keys'],
  ['keys', 'scan'],
  ['keys', 'diff'],
  ['keys', 'snapshots'],
  ['ttl'],
  ['ttl', 'dry-run'],
  ['ttl', 'run'],
  ['audit'],
  ['notify'],
];

/** What the code passes for placeholders that are not plain numbers (the rest read as `9`). */
const FILLED: Record<string, string> = {
  interval: '5 分钟',
  max: '6 小时',
  ttl: '60 天',
  eta: '25 分钟',
  duration: '31 分钟',
  paused: '7 分钟',
  gap: '9 分钟',
  window: '3 小时',
  deadline: '2026 年 2 月 20 日',
  risk: '低',
  quoted: '“25:99”',
  quotedFrom: '“14:00”',
  quotedTo: '“13:00”',
};

/** Every zh string as [ns:key, text]. */
function zhStrings(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (typeof v === 'string') out.push([prefix, v]);
    else if (v && typeof v === 'object')
      for (const [k, child] of Object.entries(v))
        walk(`${prefix}${prefix.endsWith(':') ? '' : '.'}${k}`, child);
  };
  for (const file of readdirSync(`${LOCALES_DIR}/zh`).filter((f) => f.endsWith('.json'))) {
    walk(`${file.replace(/\.json$/, '')}:`, JSON.parse(readFileSync(`${LOCALES_DIR}/zh/${file}`, 'utf8')));
  }
  expect(out.length).toBeGreaterThan(300);
  return out;
}
