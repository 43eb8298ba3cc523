/**
 * A plan behind the engine's one-rule interface, so the TTL run job runs a plan exactly as it runs
 * one rule (checkpoint after every page, Pause / Resume / Cancel from any replica, the cluster's run
 * lease, resume after a kill): `applyRule` applies every rule of the plan, and the checkpoint it
 * reports carries the plan's place (`PlanEngineCheckpoint.plan`) next to the walk's cursors and the
 * summed counters. A standalone target is walked once for every rule (one-walk.ts); a cluster's
 * rules run one after the other with the engine (a reshard is followed per rule there).
 */

import type { TargetConnection } from '../../redis/connect.js';
import { applyRule } from '../engine/apply.js';
import { addCounters, emptyCounters } from '../engine/counters.js';
import type { ApplyOptions, EngineThrottle } from '../engine/options.js';
import { countWithoutTtl } from '../engine/verify.js';
import type { ApplyResult, EngineCheckpoint, EngineCounters, TtlRule } from '../types.js';
import { applyPlanOneWalk } from './one-walk.js';
import type { PlanCheckpoint, PlanEngineCheckpoint, StoredPlanCheckpoint, TtlPlanSpec } from './types.js';

/** What the job needs from an engine (the shape of jobs/ttl's RuleApplier). */
export interface PlanApplier {
  applyRule(conn: TargetConnection, rule: TtlRule, options: ApplyOptions): Promise<ApplyResult>;
  countWithoutTtl(
    conn: TargetConnection,
    match: string,
    options?: { throttle?: EngineThrottle | false; signal?: AbortSignal },
  ): Promise<number>;
}

function sum(list: readonly EngineCounters[]): EngineCounters {
  const out = emptyCounters();
  for (const c of list) addCounters(out, c);
  return out;
}

function wrapWalk(walk: PlanCheckpoint): PlanEngineCheckpoint {
  const first = walk.rules[0] as EngineCheckpoint;
  return { ...first, counters: sum(walk.rules.map((r) => r.counters)), plan: { mode: 'one-walk', walk } };
}

function wrapSequence(seq: Extract<StoredPlanCheckpoint, { mode: 'sequence' }>): PlanEngineCheckpoint {
  const current = seq.rules[seq.index] ?? seq.rules[seq.index - 1] ?? null;
  return {
    nodes: current?.nodes ?? [],
    ...(current ?? {}),
    counters: sum(seq.counters),
    plan: seq,
  };
}

/** Each rule's counters from a plan job's checkpoint (plan order); empty ones before it started. */
export function planRuleCounters(cp: EngineCheckpoint | undefined, rules: number): EngineCounters[] {
  const plan = (cp as Partial<PlanEngineCheckpoint> | undefined)?.plan;
  if (plan?.mode === 'one-walk') return plan.walk.rules.map((r) => ({ ...r.counters }));
  if (plan?.mode === 'sequence') return plan.counters.map((c) => ({ ...c }));
  return Array.from({ length: rules }, emptyCounters);
}

export function planApplier(spec: TtlPlanSpec): PlanApplier {
  return {
    async applyRule(conn, rule, options) {
      const saved = (options.checkpoint as Partial<PlanEngineCheckpoint> | undefined)?.plan;
      if (conn.target.mode !== 'cluster') return oneWalk(conn, rule, spec, options, saved);
      return sequence(conn, rule, spec, options, saved);
    },
    async countWithoutTtl(conn, _match, options) {
      let n = 0;
      for (const r of spec.rules) n += await countWithoutTtl(conn, r.match, options);
      return n;
    },
  };
}

async function oneWalk(
  conn: TargetConnection,
  rule: TtlRule,
  spec: TtlPlanSpec,
  options: ApplyOptions,
  saved: StoredPlanCheckpoint | undefined,
): Promise<ApplyResult> {
  const { checkpoint: _cp, onPage, ...rest } = options;
  const onPageOpt = onPage;
  const result = await applyPlanOneWalk(conn, spec.rules, {
    ...rest,
    ...(saved?.mode === 'one-walk' ? { checkpoint: saved.walk } : {}),
    ...(onPageOpt ? { onPage: (cp, progress) => onPageOpt(wrapWalk(cp), progress.walk) } : {}),
  });
  const first = result.rules[0] as ApplyResult;
  return {
    rule,
    counters: sum(result.rules.map((r) => r.counters)),
    complete: result.complete,
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
    durationMs: result.durationMs,
    strategy: first.strategy,
    checkpoint: { ...wrapWalk(result.checkpoint), clean: true },
    pauses: first.pauses,
    pausedMs: first.pausedMs,
    ...(result.rules.some((r) => r.approximate) ? { approximate: true } : {}),
  };
}

async function sequence(
  conn: TargetConnection,
  rule: TtlRule,
  spec: TtlPlanSpec,
  options: ApplyOptions,
  saved: StoredPlanCheckpoint | undefined,
): Promise<ApplyResult> {
  const { checkpoint: _cp, onPage, ...rest } = options;
  const seq: Extract<StoredPlanCheckpoint, { mode: 'sequence' }> =
    saved?.mode === 'sequence'
      ? { ...saved, rules: [...saved.rules], counters: saved.counters.map((c) => ({ ...c })) }
      : {
          mode: 'sequence',
          index: 0,
          rules: spec.rules.map(() => null),
          counters: spec.rules.map(() => emptyCounters()),
        };
  const started = performance.now();
  let last: ApplyResult | undefined;
  let pauses = 0;
  let pausedMs = 0;
  let approximate = false;
  for (; seq.index < spec.rules.length; seq.index++) {
    const i = seq.index;
    const cp = seq.rules[i];
    last = await applyRule(conn, spec.rules[i] as TtlRule, {
      ...rest,
      ...(cp ? { checkpoint: cp } : {}),
      ...(onPage
        ? {
            onPage: (c, progress) => {
              seq.rules[i] = c;
              seq.counters[i] = { ...c.counters };
              return onPage(wrapSequence(seq), progress);
            },
          }
        : {}),
    });
    seq.rules[i] = last.checkpoint;
    seq.counters[i] = { ...last.counters };
    pauses += last.pauses;
    pausedMs += last.pausedMs;
    approximate ||= last.approximate === true;
    if (!last.complete) break;
  }
  const complete = seq.index >= spec.rules.length;
  return {
    rule,
    counters: sum(seq.counters),
    complete,
    ...(!complete && last?.stoppedBy ? { stoppedBy: last.stoppedBy } : {}),
    durationMs: Math.round(performance.now() - started),
    strategy: last?.strategy ?? 'lua',
    checkpoint: { ...wrapSequence(seq), clean: true },
    pauses,
    pausedMs,
    ...(approximate ? { approximate: true } : {}),
  };
}
