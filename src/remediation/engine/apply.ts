/**
 * The TTL engine's entry point: `applyRule` runs one attempt of a rule over every primary and DB
 * and turns it into an `ApplyResult` (complete, stopped by cancel or pause, or failed).
 */

import { ErrorCode } from '../../errors.js';
import type { TargetConnection } from '../../redis/connect.js';
import { RemediationError } from '../errors.js';
import type { ApplyResult, EngineCheckpoint, TtlRule } from '../types.js';
import { type ApplyOptions, PAUSE_REASON } from './options.js';
import { EngineRun } from './run.js';

/**
 * Applies `rule` to every matching key. Resolves when every node's cursor came back to 0
 * (`complete`), or on abort (`stoppedBy`). Connection loss and other Redis failures reject with the
 * classified `MedicError`; the last checkpoint handed to `onPage` is where to resume.
 */
export async function applyRule(
  conn: TargetConnection,
  rule: TtlRule,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const started = performance.now();
  const run = new EngineRun(conn, rule, opts);
  try {
    await run.prepare();
    await run.execute();
  } finally {
    run.close();
  }
  const checkpoint: EngineCheckpoint = { ...run.snapshot(), clean: true };
  const rejected = checkpoint.counters.errors - (opts.checkpoint?.counters.errors ?? 0);
  if (rejected > 0) {
    // Keys SCAN MATCH returned that the client-side check refused: left alone, so the run is not done.
    throw new RemediationError(
      ErrorCode.KeysNotMatched,
      { count: rejected, match: rule.match },
      `${rejected} keys returned by SCAN MATCH ${rule.match} failed the client-side match`,
    );
  }
  const aborted = opts.signal?.aborted === true && !checkpoint.nodes.every((n) => n.done);
  return {
    rule,
    counters: checkpoint.counters,
    complete: checkpoint.nodes.every((n) => n.done),
    ...(aborted
      ? { stoppedBy: opts.signal?.reason === PAUSE_REASON ? ('pause' as const) : ('cancel' as const) }
      : {}),
    durationMs: Math.round(performance.now() - started),
    strategy: run.strategy,
    checkpoint,
    pauses: run.pauses(),
    pausedMs: Math.round(run.pausedMs()),
    ...(run.approximate ? { approximate: true } : {}),
  };
}
