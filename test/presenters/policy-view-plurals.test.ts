/** English counts agree with their nouns in the policy report: "1 key", never "1 keys". */
import { describe, expect, it } from 'vitest';
import type { EvictionPatternStats } from '../../src/capacity/eviction-walk.js';
import { analysePolicy } from '../../src/capacity/policy-advice.js';
import { createI18n } from '../../src/i18n/index.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { policyDoc } from '../../src/presenters/policy-view.js';

const t = createI18n({ strict: true }).slack('en');

function stats(p: Partial<EvictionPatternStats> & { pattern: string }): EvictionPatternStats {
  return { source: 'census', keys: 0, keysWithTtl: 0, bytes: 0, bytesWithTtl: 0, sampleNames: [], ...p };
}

function render(noTtlKeys: number, otherDbKeys: number): string {
  const patterns = [
    stats({ pattern: 'bull:*', source: 'queue', family: 'bullmq', keys: noTtlKeys, bytes: 100 * noTtlKeys }),
    stats({ pattern: 'cache:*', keys: 5, keysWithTtl: 5, bytes: 500, bytesWithTtl: 500 }),
  ];
  const sum = (f: (p: EvictionPatternStats) => number) => patterns.reduce((s, p) => s + f(p), 0);
  const advice = analysePolicy({
    policy: 'volatile-lfu',
    walk: {
      totals: {
        keys: sum((p) => p.keys),
        keysWithTtl: sum((p) => p.keysWithTtl),
        bytes: sum((p) => p.bytes),
        bytesWithTtl: sum((p) => p.bytesWithTtl),
      },
      patterns,
      other: { keys: 0, keysWithTtl: 0, bytes: 0, bytesWithTtl: 0 },
      complete: true,
      bytesUnavailable: false,
    },
    hotness: new Map(),
    maxmemoryBytes: 10_000,
    now: new Date('2026-02-12T14:35:00Z'),
    ...(otherDbKeys > 0 ? { scope: { db: 3, otherKeys: otherDbKeys, otherKeysWithoutTtl: 0 } } : {}),
  });
  return docToMrkdwn(policyDoc(advice, 'market', { t, lang: 'en' }));
}

describe('policy report plurals', () => {
  it('one key: singular nouns and verbs', () => {
    const text = render(1, 0);
    expect(text).not.toMatch(/\b1 keys\b/);
    expect(text).toContain('1 key (100 B) has no TTL');
    expect(text).toContain('1 job-queue or lock key (');
    const scoped = render(1, 1);
    expect(scoped).not.toMatch(/\b1 keys\b/);
    expect(scoped).toContain('hold 1 key (');
    expect(scoped).toContain('1 key on this server has no TTL');
  });

  it('several keys: plural', () => {
    const text = render(3, 0);
    expect(text).toContain('3 keys (300 B) have no TTL');
    expect(text).toContain('3 job-queue and lock keys (');
    const scoped = render(3, 2);
    expect(scoped).toContain('hold 2 keys (');
    expect(scoped).toContain('3 keys on this server have no TTL');
  });
});
