/**
 * The `--json` shapes of `ttl dry-run` and `ttl run` (docs/json-schema/ttl-dry-run.schema.json and
 * ttl-run.schema.json): snake_case like every other `--json`.
 */
import type { ApplyResult, DryRun } from '../../remediation/types.js';
import { snakeKeys } from './snake-json.js';

/** One dry-run: the rule's name and settings, then the counts. */
export function dryRunJson(dry: DryRun, order: number): Record<string, unknown> {
  return {
    order,
    name: dry.rule.name,
    id: dry.id,
    at: dry.at,
    match: dry.rule.match,
    action: dry.rule.action,
    ttl_sec: dry.rule.ttlSec,
    /** A fraction of the TTL (0.1 = 10 %), as the rule's range [ttl·(1−jitter), ttl]. */
    jitter: dry.rule.jitter,
    include_missing: dry.rule.includeMissing,
    risk: dry.rule.risk,
    matched: dry.matched,
    keys_without_ttl: dry.keysWithoutTtl,
    keys_above_cap: dry.keysAboveCap,
    to_change: dry.toChange,
    ...(dry.rule.expected !== undefined ? { expected: dry.rule.expected } : {}),
    ttl_spread: snakeKeys(dry.ttlSpread),
    bytes_to_free: dry.bytesToFree,
    samples: dry.samples,
    estimated_duration_sec: dry.estimatedDurationSec,
    walked: dry.walked,
    dbs: dry.dbs ?? null,
    complete: dry.complete,
    duration_ms: dry.durationMs,
  };
}

export interface RunJson {
  name: string;
  dry_run_id: string;
  to_change: number;
  complete: boolean;
  stopped_by?: string;
  counters: Record<string, unknown>;
  strategy: string;
  duration_ms: number;
  /** Keys the rule would still change after the run (the verify re-count). */
  left?: number;
}

/** One rule's run: what it changed, how it ended, and the verify re-count (`left`). */
export function runJson(dry: DryRun, result: ApplyResult, left: number | undefined): RunJson {
  return {
    name: dry.rule.name,
    dry_run_id: dry.id,
    to_change: dry.toChange,
    complete: result.complete,
    ...(result.stoppedBy ? { stopped_by: result.stoppedBy } : {}),
    counters: snakeKeys(result.counters) as Record<string, unknown>,
    strategy: result.strategy,
    duration_ms: result.durationMs,
    ...(left !== undefined ? { left } : {}),
  };
}
