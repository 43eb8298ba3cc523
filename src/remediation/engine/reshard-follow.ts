/**
 * How a cluster run on the page script follows a reshard (the slot bookkeeping itself is in
 * reshard.ts): what it keeps from the start (slot owners, a ledger), a page refused because a key
 * left its node written again key by key through the cluster client, and the recount of moved
 * slots once every node was walked.
 */

import type { TargetConnection } from '../../redis/connect.js';
import { markOf } from '../fingerprint.js';
import { keySlot, type Reshard, recountMovedSlots, routedPage, SlotLedger, slotOwners } from '../reshard.js';
import type { EngineCounters } from '../types.js';
import { CLOCK_SKEW_MS, serverTimeMs } from './clock.js';
import type { NodeState, Unit } from './node.js';
import type { EngineStrategy } from './options.js';
import { countCodes, type PageScriptReply, packPage, scriptMode, TTL_PAGE_SCRIPT } from './page-script.js';
import type { WriteContext } from './page-write.js';

/**
 * MIGRATE moves a key's expiry as a relative TTL: on its new node the expiry is later by the time
 * the move took. Keys that may have moved match their stamp within this.
 */
const MIGRATED_TOLERANCE_MS = 1000;
/** A cluster run that saw slots move waits this long for a migration in progress to end, then recounts. */
const RESHARD_SETTLE_MS = 60_000;

/** A cluster run on the page script records slot owners at its start; other runs don't follow reshards. */
export async function startFollowing(
  conn: TargetConnection,
  strategy: EngineStrategy,
  nodes: readonly NodeState[],
): Promise<Reshard | undefined> {
  const client = conn.client;
  const first = nodes[0];
  if (conn.target.mode !== 'cluster' || strategy !== 'lua' || !('nodes' in client) || !first)
    return undefined;
  const probe = first.redis;
  return {
    cluster: client,
    probe,
    startOwners: await slotOwners(probe),
    ledger: new SlotLedger(),
  };
}

/**
 * A page whose script failed because a key left the node (resharding): key by key through the
 * cluster client, wherever each key is now. Keys the failed script had already written carry
 * this run's stamp and count as changed (window: since the node's last counted page).
 */
export async function writeRouted(
  ctx: WriteContext,
  reshard: Reshard,
  node: NodeState,
  unit: Unit,
  keys: Buffer[],
  marks: number[],
  args: (string | Buffer)[],
): Promise<PageScriptReply> {
  const now = await serverTimeMs(node.redis);
  const lo = Math.min(unit.window?.lo ?? Number.POSITIVE_INFINITY, (unit.timeMs ?? ctx.attemptStartMs) - 1);
  const routedArgs = [
    args[1],
    args[2],
    String(lo - CLOCK_SKEW_MS),
    String(now + CLOCK_SKEW_MS),
    ...args.slice(5, 8),
    String(MIGRATED_TOLERANCE_MS),
  ];
  for (const key of keys) reshard.ledger.notLocal.add(keySlot(key));
  const codes = await routedPage(
    reshard.cluster,
    { sha: node.sha, text: TTL_PAGE_SCRIPT },
    keys,
    keys.map((k, i) => packPage([k], [marks[i] as number])),
    routedArgs.map(String),
  );
  return countCodes(codes, now);
}

/**
 * Slots that moved during this attempt, counted again on their owner (see reshard.ts): the
 * correction to the totals (`slots` 0: nothing moved), or null when a migration was still in
 * progress after RESHARD_SETTLE_MS (the totals are then approximate).
 */
export async function recountMoved(
  ctx: WriteContext,
  reshard: Reshard,
  node: NodeState,
  matches: (name: Uint8Array) => boolean,
  signal: AbortSignal,
): Promise<{ delta: EngineCounters; slots: number } | null> {
  const now = await serverTimeMs(node.redis);
  return recountMovedSlots(reshard, {
    matches,
    script: { sha: node.sha, text: TTL_PAGE_SCRIPT },
    args: [
      scriptMode(ctx.rule),
      String(ctx.capMs),
      String(ctx.attemptStartMs - 1 - CLOCK_SKEW_MS),
      String(now + CLOCK_SKEW_MS),
      node.hasOptions ? '1' : '0',
      String(ctx.stamp.minMs),
      String(ctx.stamp.space),
      String(MIGRATED_TOLERANCE_MS),
    ],
    pack: (key) => packPage([key], [markOf(key, ctx.salt, ctx.stamp)]),
    settleMs: RESHARD_SETTLE_MS,
    signal,
  });
}
