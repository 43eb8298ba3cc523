/**
 * A Draft TTL rule drafted from a pattern whose glob also selects keys of other patterns
 * (`bull:emails:*` also matches `bull:emails:<id>:logs` and `bull:emails:meta`) says so, with the
 * number of keys, in both languages; the button's value carries that number through Slack, and
 * `keys --json` reports it per pattern as `overlap_keys`.
 * Truth: the glob applied to every key (keyspace/glob.ts), not the census's own count.
 */
import { describe, expect, it } from 'vitest';
import { PatternTable } from '../../src/census/pattern-table.js';
import type { CensusResult } from '../../src/census/types.js';
import { toCensusJson } from '../../src/cli/render/census-json.js';
import { createI18n } from '../../src/i18n/index.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { decodeDraftRule, draftRuleMessage } from '../../src/slack/blocks/census.js';

const i18n = createI18n({ strict: true });

describe('Draft TTL rule of a pattern whose glob reaches other patterns', () => {
  const names: string[] = [];
  for (let i = 1; i <= 300; i++) names.push(`bull:emails:${i}`);
  for (let i = 1; i <= 40; i++) names.push(`bull:emails:${i}:logs`);
  names.push('bull:emails:meta', 'bull:emails:wait');
  const table = new PatternTable();
  for (const name of names) table.add({ name: Buffer.from(name), type: 'hash', pttlMs: -1, bytes: 80 });
  const jobs = table.result().patterns.find((p) => p.pattern === 'bull:emails:*');

  it('counts the other patterns’ keys its glob selects', () => {
    expect(jobs?.keys).toBe(300);
    const glob = compileGlob('bull:emails:*');
    const selected = names.filter((n) => glob(Buffer.from(n))).length;
    expect(jobs?.overlapKeys).toBe(selected - 300);
    expect(selected - 300).toBe(42);
  });

  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: the draft warns that the MATCH also selects those keys`, () => {
      const t = i18n.slack(lang);
      const value = decodeDraftRule(
        JSON.stringify({
          cluster: 'queue',
          pattern: 'bull:emails:*',
          keysWithoutTtl: 300,
          ttl: '30d',
          overlapKeys: jobs?.overlapKeys,
        }),
      );
      expect(value?.overlapKeys).toBe(42);
      const text = draftRuleMessage(t, i18n.plain(lang), value as NonNullable<typeof value>).text;
      expect(text).toContain(t('census:slack.draft_rule_overlap', { keys: 42 }));
      expect(text).toContain('42');
      // no overlap, no warning
      const plain = draftRuleMessage(t, i18n.plain(lang), {
        ...(value as NonNullable<typeof value>),
        overlapKeys: 0,
      });
      expect(plain.text).not.toContain(t('census:slack.draft_rule_overlap', { keys: 42 }));
    });
  }

  it('`--json` reports the overlap per pattern', () => {
    const result = table.result();
    const json = toCensusJson({ cluster: 'queue', patterns: result.patterns } as CensusResult) as {
      patterns: { pattern: string; overlap_keys: number }[];
    };
    const glob = (p: string) => compileGlob(p);
    for (const p of json.patterns) {
      const own = result.patterns.find((r) => r.pattern === p.pattern)?.keys ?? 0;
      expect(p.overlap_keys, p.pattern).toBe(
        names.filter((n) => glob(p.pattern)(Buffer.from(n))).length - own,
      );
    }
    expect(json.patterns.find((p) => p.pattern === 'bull:emails:*')?.overlap_keys).toBe(42);
  });
});
