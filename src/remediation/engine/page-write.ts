/**
 * Writing one page of matching keys: each key's mark (its stamp, from the run's salt) and the
 * strategy's write path (`lua`: the page script; `options`: EXPIRE options pipelines). A Redis
 * failure comes out classified; a refused write fails the run with its reason.
 */

import { classifyRedisError } from '../../redis/errors.js';
import { RemediationError } from '../errors.js';
import { markOf, type Stamp } from '../fingerprint.js';
import type { Reshard } from '../reshard.js';
import type { TtlRule } from '../types.js';
import type { NodeState, PageResult, Unit } from './node.js';
import type { EngineStrategy } from './options.js';
import { writeLua } from './write-lua.js';
import { writeCap, writeSetMissing } from './write-options.js';

/** What a page write needs from its run. */
export interface WriteContext {
  readonly rule: TtlRule;
  /** The rule's TTL in ms (the cap of `cap`). */
  readonly capMs: number;
  readonly stamp: Stamp;
  /** The run's jitter salt. */
  readonly salt: number;
  readonly strategy: EngineStrategy;
  /** Cluster runs on the page script: what following a reshard needs (see reshard.ts). */
  readonly reshard: Reshard | undefined;
  /** Server time this attempt started (earliest over the nodes). */
  readonly attemptStartMs: number;
}

export async function writePage(
  ctx: WriteContext,
  node: NodeState,
  unit: Unit,
  keys: Buffer[],
): Promise<PageResult> {
  const marks = keys.map((k) => markOf(k, ctx.salt, ctx.stamp));
  try {
    if (ctx.strategy === 'lua') return await writeLua(ctx, node, unit, keys, marks);
    if (ctx.rule.action === 'set-missing') return await writeSetMissing(ctx, node, unit, keys, marks);
    return await writeCap(ctx, node, unit, keys, marks);
  } catch (err) {
    if (err instanceof RemediationError) throw err;
    throw classifyRedisError(err, node.address);
  }
}
