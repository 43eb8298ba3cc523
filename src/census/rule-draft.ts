import type { PatternStats, TtlBucket } from './types.js';

/** A TTL rule as the remediation rules file spells it (see config `rules:`), pre-filled from a census. */
export interface TtlRuleDraft {
  name: string;
  cluster: string;
  match: string;
  action: 'set-missing';
  ttl: string;
  jitter: string;
  risk: 'unknown';
  note: string;
  expected: number;
}

/** The upper bound of each TTL bucket, as a rule duration. */
const BUCKET_TTL: Record<Exclude<TtlBucket, 'none'>, string> = {
  lt1h: '1h',
  lt1d: '1d',
  lt7d: '7d',
  lt30d: '30d',
  lt90d: '90d',
  ge90d: '90d',
};

/**
 * A TTL suggestion from the pattern's own keys: when some of them already expire, the longest TTL
 * bucket they use (the application's own choice); otherwise 30 days, for people to change.
 */
export function suggestTtl(stats: Pick<PatternStats, 'ttlBuckets'>): string {
  const withTtl = (Object.keys(BUCKET_TTL) as (keyof typeof BUCKET_TTL)[]).filter(
    (b) => (stats.ttlBuckets[b] ?? 0) > 0,
  );
  const longest = withTtl[withTtl.length - 1];
  return longest ? BUCKET_TTL[longest] : '30d';
}

/** `note`: the question for the application team, in the reader's language (the core has no words). */
export function draftTtlRule(input: {
  cluster: string;
  pattern: string;
  keysWithoutTtl: number;
  ttl: string;
  note: string;
}): TtlRuleDraft {
  const name =
    input.pattern
      .replace(/\\./g, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase()
      .slice(0, 60) || 'rule';
  return {
    name,
    cluster: input.cluster,
    match: input.pattern,
    action: 'set-missing',
    ttl: input.ttl,
    jitter: '10%',
    risk: 'unknown',
    note: input.note,
    expected: input.keysWithoutTtl,
  };
}
