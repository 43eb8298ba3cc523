/**
 * Ground truth for a plan of the runbook's four rules: each rule's stated TTL range (its ttl and
 * 10 % jitter, worked out by hand), the keys Redis's own SCAN MATCH selects per rule, and the check
 * of a before/after pair rule by rule (each rule's part of the keyspace checked as a separate run
 * of that rule would be, see support.ts `checkRun`).
 */
import type { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';
import type { TtlRule } from '../../src/remediation/types.js';
import { checkRun, countersFor, DAY, type Keyspace, scanMatchIds } from './support.js';

export const STATED: Record<string, { minMs: number; maxMs: number }> = {
  'exchange-price': { minMs: 6.3 * DAY, maxMs: 7 * DAY },
  'coupon-unread': { minMs: 54 * DAY, maxMs: 60 * DAY },
  'last-activity': { minMs: 81 * DAY, maxMs: 90 * DAY },
  'user-group-label': { minMs: 27 * DAY, maxMs: 30 * DAY },
};

export async function matchingByRule(
  client: Redis | Cluster,
  rules: readonly TtlRule[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const r of rules) out.set(r.name, await scanMatchIds(client, r.match));
  return out;
}

function only(keyspace: Keyspace, others: ReadonlySet<string>): Keyspace {
  return new Map([...keyspace].filter(([id]) => !others.has(id)));
}

/** Checks every rule's part of a before/after pair; returns each rule's expected counters by name. */
export function checkPlan(
  rules: readonly TtlRule[],
  before: Keyspace,
  after: Keyspace,
  matching: Map<string, Set<string>>,
  start: number,
  end: number,
): Map<string, ReturnType<typeof countersFor>> {
  const out = new Map<string, ReturnType<typeof countersFor>>();
  for (const r of rules) {
    const others = new Set<string>();
    for (const [name, ids] of matching) if (name !== r.name) for (const id of ids) others.add(id);
    const stated = STATED[r.name];
    if (!stated) throw new Error(`no stated range for ${r.name}`);
    const truth = { ...stated, matching: matching.get(r.name) as Set<string> };
    const expected = checkRun(only(before, others), only(after, others), r, truth, start, end);
    expect(expected.matched).toBeGreaterThan(0);
    out.set(r.name, countersFor(expected));
  }
  return out;
}
