/**
 * The TTL run's use of the shared keyspace walk (src/keyspace/): a node's DB switches (its own
 * connection and, unthrottled, the SCAN connection), the SCAN MATCH pages of one DB read ahead of
 * the writes, and the node's pacing (latency guard, keys/s budget) before each SCAN of a throttled
 * run.
 */

import { NodePacer } from '../../keyspace/pacing/node-pacer.js';
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import { type WalkedPage, walkCursor } from '../../keyspace/scan/cursor-walk.js';
import { DbSelector } from '../../keyspace/scan/db-select.js';
import { openScanConnection } from '../../keyspace/scan/scan-connection.js';
import { type ScanReply, scanPage } from '../../keyspace/scan/scan-page.js';
import { classifyRedisError } from '../../redis/errors.js';
import type { NodeState } from './node.js';

/** Unthrottled: SCAN pages read ahead of the writes (bounds memory: a few pages per node). */
const READ_AHEAD = 3;

/** Both of the node's connections onto `db` (the SCAN connection first). */
export async function switchDb(node: NodeState, db: number): Promise<void> {
  await node.scannerDb?.switchTo(db);
  await node.db.switchTo(db);
}

/** The second connection for SCAN; without it, SCAN shares `redis`. */
export async function openScanner(node: NodeState, cluster: boolean): Promise<void> {
  const dup = await openScanConnection(node.redis);
  if (!dup) return;
  node.scanner = dup;
  node.scannerDb = new DbSelector(dup, { cluster, originalDb: dup.options.db ?? 0 });
}

/** Closes the scanner connection (the caller's connection stays open). */
export function closeScanner(node: NodeState): void {
  if (node.scanner !== node.redis) node.scanner.disconnect();
  node.scanner = node.redis;
  node.scannerDb = undefined;
}

/** The caller's connection back on the DB it was on; best effort. */
export function restoreDb(node: NodeState): Promise<void> {
  return node.db.restore();
}

/**
 * SCAN MATCH pages of one DB of one node, in order, from `cursor`. With `readAhead`, the next SCAN
 * is sent the moment the previous one answers (up to READ_AHEAD pages waiting); else each SCAN
 * waits for `pace` once the page before it was taken. A failed SCAN ends the walk with the
 * classified error.
 */
export function scanPages(
  node: NodeState,
  o: {
    cursor: string;
    match: string;
    count: number;
    readAhead: boolean;
    signal: AbortSignal;
    pace: () => Promise<void>;
  },
): AsyncGenerator<WalkedPage<ScanReply>, void, undefined> {
  return walkCursor<ScanReply>({
    from: o.cursor,
    fetch: (cursor) =>
      scanPage(node.scanner, cursor, o.match, o.count).catch((err: unknown) => {
        throw classifyRedisError(err, node.address);
      }),
    ahead: o.readAhead ? READ_AHEAD : 0,
    chain: o.readAhead,
    ...(o.readAhead ? {} : { pace: o.pace }),
    arrived: (page) => node.pacer?.charge(page.names.length - o.count),
    stopped: () => o.signal.aborted,
  });
}

/** Throttled runs: a keys/s budget and a calibrated latency guard per node. */
export async function startPacing(
  nodes: readonly NodeState[],
  t: Readonly<Required<ThrottleOptions>>,
): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      node.pacer = new NodePacer(t, () => node.redis.ping());
      await node.pacer.calibrate();
    }),
  );
}

export interface PaceHooks {
  /** The latency guard paused the node. */
  onPause: () => void;
  /** The guard let the node through (after a pause or not). */
  onClear: () => void;
}

/**
 * Throttled: the latency guard, then the keys/s budget (SCAN COUNT per page) before a SCAN. Returns
 * quietly when the run is stopped meanwhile.
 */
export async function pace(
  node: NodeState,
  count: number,
  signal: AbortSignal,
  hooks: PaceHooks,
): Promise<void> {
  try {
    if (node.pacer) await node.pacer.latency(signal, hooks.onPause);
    hooks.onClear();
    await node.pacer?.budget(count, signal);
  } catch (err) {
    if (signal.aborted) return;
    throw classifyRedisError(err, node.address);
  }
}
