/**
 * How an incident's census stands against what happened after it: the TTL runs that finished
 * since (its figures predate them), the keys without TTL after their own re-counts, and the
 * never-expiring patterns too small to be a required code change.
 */
import type { CensusResult } from '../census/types.js';
import { compileGlob } from '../keyspace/glob.js';
import type { TtlRule } from '../remediation/types.js';
import type { TimelineFact } from './incident-facts.js';

export interface FixAfterCensus {
  rule: string;
  /** When its last run finished. */
  at: Date;
  /** Keys the rule's MATCH still left without TTL after that run (its verify step). */
  remaining?: number;
}

/**
 * A pattern whose never-expiring keys hold less than this share of the census's memory and of its
 * keys is not a required code change (a single 88-byte flag is not why memory ran out): counted,
 * not listed.
 */
export const AT_FAULT_MIN_SHARE = 0.001;

/** Below the threshold in both memory and keys (see `AT_FAULT_MIN_SHARE`). */
export function isSmall(
  p: { keys: number; keysWithoutTtl: number; bytes: number },
  census?: CensusResult,
): boolean {
  if (!census) return false;
  const bytesShare = census.totalBytes > 0 ? (p.bytes * share(p)) / census.totalBytes : 0;
  const keysShare = census.totalKeys > 0 ? p.keysWithoutTtl / census.totalKeys : 0;
  return bytesShare < AT_FAULT_MIN_SHARE && keysShare < AT_FAULT_MIN_SHARE;
}

/** Each rule's last run that finished after `since`, in the order they finished. */
export function fixesAfter(since: Date, facts: readonly TimelineFact[]): FixAfterCensus[] {
  const last = new Map<string, FixAfterCensus>();
  for (const f of facts) {
    if (f.kind !== 'ttl_run_finished' || !f.rule || f.at <= since) continue;
    last.delete(f.rule);
    last.set(f.rule, {
      rule: f.rule,
      at: f.at,
      ...(f.remaining !== undefined ? { remaining: f.remaining } : {}),
    });
  }
  return [...last.values()];
}

/**
 * The census's keys without TTL, less what each run after it fixed: the census's count under the
 * rule's MATCH minus the run's own re-count. Undefined when a run has no re-count (or none ran).
 */
export function keysLeftAfter(
  census: CensusResult,
  fixes: readonly FixAfterCensus[],
  rules: readonly TtlRule[],
): number | undefined {
  if (fixes.length === 0 || fixes.some((f) => f.remaining === undefined)) return undefined;
  let left = census.totalKeysWithoutTtl;
  for (const fix of fixes) {
    const rule = rules.find((r) => r.name === fix.rule);
    if (!rule) return undefined;
    const before = census.patterns
      .filter((p) => coversPattern(rule.match, p.pattern))
      .reduce((n, p) => n + p.keysWithoutTtl, 0);
    left -= Math.max(0, before - (fix.remaining ?? 0));
  }
  return Math.max(0, left);
}

/** Share of a pattern's keys that never expire: weights its bytes in the "at fault" order. */
export function share(p: { keys: number; keysWithoutTtl: number }): number {
  return p.keys > 0 ? p.keysWithoutTtl / p.keys : 0;
}

/** A rule covers a census pattern when its glob matches the pattern text (`a:*` covers `a:b:*`). */
export function coversPattern(match: string, pattern: string): boolean {
  return match === pattern || compileGlob(match)(Buffer.from(pattern, 'utf8'));
}
