/**
 * Where each unit (node/DB) of an attempt starts: continued from the checkpoint's cursor and
 * counts when the same server process still serves it, else from cursor 0. Each unit also gets the
 * replay window in which an expiry carrying this run's stamp is recognised as its own earlier
 * write (a page written but never saved, or the run's writes before a failover or restart).
 */

import { legacyRunStart, type ResumePlan, unitKey } from '../resume-plan.js';
import type { EngineCheckpoint } from '../types.js';
import { CLOCK_STALE_MS, serverTimeMs } from './clock.js';
import { emptyCounters } from './counters.js';
import type { NodeState } from './node.js';

/** The run's time base and this attempt's start, both in server ms. */
export interface AttemptTimes {
  /** When the run first started (its writes' replay windows start here after a failover). */
  runStartMs: number;
  /** The earliest server time over the nodes as this attempt starts. */
  attemptStartMs: number;
}

/** Sets every unit's cursor, counts and replay window from `plan` (none: a fresh run). */
export async function placeUnits(
  nodes: readonly NodeState[],
  cp: EngineCheckpoint | undefined,
  plan: ResumePlan | null,
): Promise<AttemptTimes> {
  const runStart = cp ? (cp.runStartMs ?? legacyRunStart(cp)) : undefined;
  let earliest = Number.POSITIVE_INFINITY;
  for (const node of nodes) {
    const now = await serverTimeMs(node.redis);
    earliest = Math.min(earliest, now);
    for (const unit of node.units) {
      const prev = plan?.continued.get(unitKey(unit));
      if (prev) {
        unit.counters = { ...emptyCounters(), ...prev.counters };
        unit.cursor = prev.cursor;
        unit.done = prev.done;
        unit.dbsize = prev.dbsize ?? unit.dbsize;
        // Writes of an earlier attempt after its last saved page: between that page's time and now.
        unit.timeMs = prev.timeMs;
        unit.window =
          prev.timeMs !== undefined && cp?.salt !== undefined && cp.clean !== true && !prev.done
            ? { lo: prev.timeMs - 1 - CLOCK_STALE_MS, hi: now }
            : null;
      } else {
        unit.timeMs = now;
        // Another process serves this node now (failover, restart): walked again from cursor 0,
        // with the old entry's counts taken out; keys carrying this run's stamp were written by it.
        if (plan && plan.replaced.length > 0 && runStart !== undefined) {
          unit.window = { lo: runStart - 1, hi: now };
        }
      }
    }
  }
  return { runStartMs: runStart ?? earliest, attemptStartMs: earliest };
}
