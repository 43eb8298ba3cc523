/**
 * The TTL engine's options: what a caller may set (throttle, memory guard, strategy, resume point,
 * progress callback), their defaults, and their resolution into the settings a run uses. A bad
 * setting is refused here, before anything is read or written.
 */

import { DEFAULT_THROTTLE, resolveThrottle, type ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import { type MemoryGuardOptions, resolveMemoryGuard } from '../memory-guard.js';
import type { EngineCheckpoint, EngineProgress, TtlRule } from '../types.js';

export type EngineStrategy = 'options' | 'lua';

/** The census throttle plus the memory guard's threshold (see also `ApplyOptions.memoryGuard`). */
export interface EngineThrottle extends ThrottleOptions {
  /**
   * Keep used_memory at or below this percent of maxmemory (see memory-guard.ts). No maxmemory
   * set: no guard. @defaultValue 95
   */
  memoryGuardPct?: number;
  /** How often the memory guard reads INFO memory (between pages). @defaultValue 1000 */
  memoryCheckEveryMs?: number;
}

/** The census default (10 000 keys/s per primary, pages of 100, PING guard +2 ms) + memory guard 95 %. */
export const DEFAULT_ENGINE_THROTTLE: Readonly<Required<EngineThrottle>> = Object.freeze({
  ...DEFAULT_THROTTLE,
  memoryGuardPct: 95,
  memoryCheckEveryMs: 1000,
});

/** `signal.abort(PAUSE_REASON)` stops the run like a cancel but reports `stoppedBy: 'pause'`. */
export const PAUSE_REASON = 'pause';

export interface ApplyOptions {
  /** Resume from here (cursor per node, counters, salt). Nodes not in it start from cursor 0. */
  checkpoint?: EngineCheckpoint;
  /**
   * `false` = full speed: no keys/s budget, no latency guard. The memory guard stays on.
   * @defaultValue DEFAULT_ENGINE_THROTTLE
   */
  throttle?: EngineThrottle | false;
  /** The memory guard, on for every run (throttled or not); `pct` here wins over `throttle.memoryGuardPct`. */
  memoryGuard?: MemoryGuardOptions;
  /** @defaultValue 'auto' */
  strategy?: 'auto' | EngineStrategy;
  /** Stops within a page (before its writes are sent): `stoppedBy: 'cancel'` (or 'pause', see PAUSE_REASON). */
  signal?: AbortSignal;
  /**
   * After each page (and once before the first write of a fresh run, and at each guard pause): the
   * checkpoint to persist and the progress. Awaited: the node writes its next page only afterwards.
   * A throw fails the run.
   */
  onPage?: (cp: EngineCheckpoint, progress: EngineProgress) => Promise<void> | void;
  /** Draws the jitter salt of a fresh run. @defaultValue Math.random */
  random?: () => number;
  /** SCAN COUNT when unthrottled (throttled: the throttle's pageSize). @defaultValue 1000 */
  count?: number;
}

const FULL_SPEED_COUNT = 1000;

/** The settings a run works with, resolved from `ApplyOptions`. */
export interface RunSettings {
  /** null: unthrottled (full speed). */
  throttle: Readonly<Required<ThrottleOptions>> | null;
  memoryGuard: MemoryGuardOptions;
  /** SCAN COUNT per page. */
  count: number;
}

/** Resolves (and validates) the throttle, memory guard, page size and rule bounds of a run. */
export function resolveRunSettings(rule: TtlRule, opts: ApplyOptions): RunSettings {
  const t = opts.throttle;
  const { memoryGuardPct, memoryCheckEveryMs, ...census } = t === false ? {} : (t ?? {});
  const throttle = t === false ? null : resolveThrottle(census);
  // Resolved (and validated) now: a bad setting is refused before anything is read or written.
  const mg = opts.memoryGuard ?? {};
  const memoryGuard = resolveMemoryGuard({
    pct: mg.pct ?? memoryGuardPct,
    checkEveryMs: mg.checkEveryMs ?? memoryCheckEveryMs,
    pauseMs: mg.pauseMs ?? throttle?.pauseMs,
    timeoutMs: mg.timeoutMs,
  });
  const requested = opts.count ?? FULL_SPEED_COUNT;
  if (!(Number.isFinite(requested) && requested >= 1)) throw new RangeError('count must be >= 1');
  const count = Math.floor(throttle ? throttle.pageSize : requested);
  if (!(rule.ttlSec > 0) || !(rule.jitter >= 0 && rule.jitter < 1)) {
    throw new RangeError(`rule ${rule.name}: ttl must be > 0 and jitter in [0, 1)`);
  }
  return { throttle, memoryGuard, count };
}
