/**
 * The eviction-policy analysis of runbook §4, from one walk: what each policy family could evict,
 * per pattern the risk if evicted (the rules' `risk` and `note`, job queues and locks always high)
 * and how hot it is, both traps with figures, and the recommendation:
 * - volatile-* while keys lack a TTL: keep it, fix the TTLs first, revisit in two weeks (switching
 *   now would let Redis evict keys the application expects to persist);
 * - every key has a TTL: the two families evict the same keys, nothing to change;
 * - allkeys-* with job-queue or lock keys: move to volatile-* (or the queue to its own Redis);
 * - job-queue or lock keys under volatile-*: never switch this Redis to allkeys-*;
 * - noeviction evicts nothing (writes fail at maxmemory): keep it for a queue's Redis, otherwise
 *   suggest volatile-* (it evicts only keys with a TTL, so it loses nothing meant to persist).
 */
import type { RiskLevel } from '../remediation/types.js';
import type { EvictionCounts, EvictionPatternStats, EvictionWalk } from './eviction-walk.js';
import type { Hotness } from './hotness.js';
import type { QueueFamily } from './queue-patterns.js';
import { MIN_REASSESS_DAYS } from './sizing.js';

export type PolicyFamily = 'volatile' | 'allkeys' | 'noeviction';

export interface PatternRisk {
  pattern: string;
  source: EvictionPatternStats['source'];
  rule?: string;
  family?: QueueFamily;
  risk: RiskLevel;
  note?: string;
  keys: number;
  keysWithoutTtl: number;
  bytes: number;
  bytesWithoutTtl: number;
  hotness?: Hotness;
}

export type PolicyRecommendation =
  | { kind: 'keep_fix_ttls_first'; revisitOn: string; revisitInDays: number; alternative: string }
  | { kind: 'keep_all_have_ttl' }
  | { kind: 'keep_queues_present'; alternative: string }
  | { kind: 'switch_to_volatile'; to: string }
  | { kind: 'noeviction_consider_volatile'; to: string }
  | { kind: 'keep_noeviction_queues' }
  | { kind: 'keep' };

export interface PolicyAdvice {
  policy: string;
  family: PolicyFamily;
  /** What `volatile-*` could evict (keys with a TTL) and what `allkeys-*` could (every key). */
  volatile: { keys: number; bytes: number };
  allkeys: { keys: number; bytes: number };
  withoutTtl: { keys: number; bytes: number };
  patterns: PatternRisk[];
  /** Keys lacking TTL (whatever the policy now): under volatile-* writes fail with OOM once the evictable bytes are gone. */
  volatileTrap?: {
    keysWithoutTtl: number;
    bytesWithoutTtl: number;
    evictableBytes: number;
    maxmemoryBytes: number;
  };
  /** Job-queue and lock keys allkeys-* could evict silently. */
  allkeysTrap?: { patterns: PatternRisk[]; keys: number; bytes: number };
  recommendation: PolicyRecommendation;
  complete: boolean;
  /**
   * The URL named one DB: the walk and the per-pattern figures cover it only, while eviction and
   * maxmemory act on the whole server. The other DBs' counts come from INFO keyspace.
   */
  scope?: ScopedWalk;
}

/** What a DB-scoped walk left out: the other DBs' keys and keys without TTL (INFO keyspace). */
export interface ScopedWalk {
  db: number;
  otherKeys: number;
  otherKeysWithoutTtl: number;
}

export function policyFamily(policy: string): PolicyFamily {
  if (policy.startsWith('volatile-')) return 'volatile';
  if (policy.startsWith('allkeys-')) return 'allkeys';
  return 'noeviction';
}

/** The same algorithm in the other family (`volatile-lfu` ↔ `allkeys-lfu`); noeviction → volatile-lru. */
export function counterpartPolicy(policy: string): string {
  if (policy.startsWith('volatile-')) {
    const algo = policy.slice('volatile-'.length);
    return `allkeys-${algo === 'ttl' ? 'lru' : algo}`;
  }
  if (policy.startsWith('allkeys-')) return `volatile-${policy.slice('allkeys-'.length)}`;
  return 'volatile-lru';
}

/**
 * The policy the advice recommends switching to, or undefined when it says to keep the current one:
 * the only change a Request button may offer (a button for anything else contradicts the advice).
 */
export function recommendedPolicy(advice: Pick<PolicyAdvice, 'recommendation'>): string | undefined {
  const rec = advice.recommendation;
  if (rec.kind === 'switch_to_volatile' || rec.kind === 'noeviction_consider_volatile') return rec.to;
  return undefined;
}

const withoutTtl = (c: EvictionCounts) => ({ keys: c.keys - c.keysWithTtl, bytes: c.bytes - c.bytesWithTtl });

export function analysePolicy(input: {
  policy: string;
  walk: EvictionWalk;
  hotness: ReadonlyMap<string, Hotness>;
  maxmemoryBytes: number;
  now: Date;
  scope?: ScopedWalk;
}): PolicyAdvice {
  const { walk, policy } = input;
  const family = policyFamily(policy);
  const patterns: PatternRisk[] = walk.patterns.map((p) => {
    const hot = input.hotness.get(p.pattern);
    const missing = withoutTtl(p);
    return {
      pattern: p.pattern,
      source: p.source,
      ...(p.rule !== undefined ? { rule: p.rule } : {}),
      ...(p.family !== undefined ? { family: p.family } : {}),
      risk: p.family !== undefined ? 'high' : (p.risk ?? 'unknown'),
      ...(p.note !== undefined ? { note: p.note } : {}),
      keys: p.keys,
      keysWithoutTtl: missing.keys,
      bytes: p.bytes,
      bytesWithoutTtl: missing.bytes,
      ...(hot !== undefined ? { hotness: hot } : {}),
    };
  });
  const walkedNoTtl = withoutTtl(walk.totals);
  // Keys the walk never saw still count: under volatile-* no DB's key without a TTL is evictable.
  const noTtl = {
    keys: walkedNoTtl.keys + (input.scope?.otherKeysWithoutTtl ?? 0),
    bytes: walkedNoTtl.bytes,
  };
  const queues = patterns.filter((p) => p.family !== undefined && p.keys > 0);
  // Named under every policy: from allkeys-* the advice may itself be "switch to volatile-*",
  // after which these keys are the ones that can never be evicted.
  const volatileTrap =
    noTtl.keys > 0
      ? {
          keysWithoutTtl: noTtl.keys,
          bytesWithoutTtl: noTtl.bytes,
          evictableBytes: walk.totals.bytesWithTtl,
          maxmemoryBytes: input.maxmemoryBytes,
        }
      : undefined;
  const allkeysTrap =
    queues.length > 0
      ? {
          patterns: queues,
          keys: queues.reduce((s, p) => s + p.keys, 0),
          bytes: queues.reduce((s, p) => s + p.bytes, 0),
        }
      : undefined;

  let recommendation: PolicyRecommendation;
  const alternative = counterpartPolicy(policy);
  if (family === 'noeviction') {
    recommendation =
      queues.length > 0
        ? { kind: 'keep_noeviction_queues' }
        : { kind: 'noeviction_consider_volatile', to: alternative };
  } else if (family === 'allkeys') {
    recommendation = queues.length > 0 ? { kind: 'switch_to_volatile', to: alternative } : { kind: 'keep' };
  } else if (noTtl.keys === 0) {
    recommendation = { kind: 'keep_all_have_ttl' };
  } else if (queues.length > 0) {
    recommendation = { kind: 'keep_queues_present', alternative };
  } else {
    const revisitInDays = MIN_REASSESS_DAYS;
    recommendation = {
      kind: 'keep_fix_ttls_first',
      revisitInDays,
      revisitOn: new Date(input.now.getTime() + revisitInDays * 86_400_000).toISOString().slice(0, 10),
      alternative,
    };
  }
  return {
    policy,
    family,
    volatile: { keys: walk.totals.keysWithTtl, bytes: walk.totals.bytesWithTtl },
    allkeys: { keys: walk.totals.keys, bytes: walk.totals.bytes },
    withoutTtl: walkedNoTtl,
    patterns,
    ...(volatileTrap ? { volatileTrap } : {}),
    ...(allkeysTrap ? { allkeysTrap } : {}),
    recommendation,
    complete: walk.complete,
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
  };
}
