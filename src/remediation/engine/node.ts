/**
 * Per-node state of a TTL run: one primary (its connections, version, script, guards, clock) and
 * its units, one per DB the run walks (cursor, replay window, share of the counters), and how a
 * node is prepared: checked to be a primary, its version and run id read, its DBs sized.
 */

import type { Redis } from 'ioredis';
import type { NodePacer } from '../../keyspace/pacing/node-pacer.js';
import { DbSelector } from '../../keyspace/scan/db-select.js';
import { dbUnits, nodeAddress } from '../../keyspace/scan/units.js';
import { serverFacts } from '../../keyspace/server-facts.js';
import type { RedisTarget } from '../../redis/connect.js';
import { dbsToWalk } from '../../redis/databases.js';
import { classifyRedisError } from '../../redis/errors.js';
import { RemediationError } from '../errors.js';
import type { MemoryGuard } from '../memory-guard.js';
import { assertPrimary } from '../replica-check.js';
import type { EngineCounters } from '../types.js';
import { emptyCounters } from './counters.js';

/** What a page did to one key the rule did not write now. */
export type Outcome = 'changed' | 'skipped' | 'vanished';

export interface PageResult {
  changed: number;
  skipped: number;
  vanished: number;
  errors: number;
  /** Server time (ms) read with the page's writes. */
  timeMs: number;
}

export interface Unit {
  node: NodeState;
  address: string;
  db: number;
  cursor: string;
  done: boolean;
  /** Server time of the last saved page (the replay window's lower bound). */
  timeMs: number | undefined;
  dbsize: number;
  /** Replay window [lo, hi) for this attempt; null: nothing to recognise. */
  window: { lo: number; hi: number } | null;
  /** This node/DB's share of the totals. */
  counters: EngineCounters;
}

export interface NodeState {
  redis: Redis;
  /**
   * Where SCAN goes. Unthrottled: a second connection, so a SCAN's reply is sent as soon as it ran
   * instead of after the page writes queued behind it (Redis flushes a client's replies only once
   * its pipelined commands are processed): the server walks while Node writes. Else `redis`.
   */
  scanner: Redis;
  /** SELECT on `redis` (and back), and on `scanner` when it is a connection of its own. */
  db: DbSelector;
  scannerDb: DbSelector | undefined;
  address: string;
  version: number[];
  hasOptions: boolean;
  sha: string;
  /** INFO `run_id`: a saved cursor is continued only on the same server process. */
  runId: string;
  /** Throttled runs: this primary's own keys/s budget and latency guard. */
  pacer?: NodePacer;
  memory?: MemoryGuard;
  /** The last server time read on this node and when (performance.now), for stamped expiries. */
  clock?: { serverMs: number; at: number };
  units: Unit[];
}

/** A primary checked and described, with a unit (cursor 0, its DBSIZE) per DB the run walks. */
export async function prepareNode(target: RedisTarget, redis: Redis, cluster: boolean): Promise<NodeState> {
  const address = nodeAddress(redis);
  try {
    await assertPrimary(redis, address);
    const server = serverFacts(await redis.info('server'));
    const version = server.versionParts;
    const node: NodeState = {
      redis,
      scanner: redis,
      db: new DbSelector(redis, { cluster }),
      scannerDb: undefined,
      address,
      version,
      hasOptions: (version[0] ?? 0) >= 7,
      sha: '',
      runId: server.runId ?? '',
      units: [],
    };
    const dbs = (info: string) => dbsToWalk(target, info);
    for (const { db, dbsize } of await dbUnits(redis, { cluster, dbs, selector: node.db })) {
      node.units.push({
        node,
        address,
        db,
        cursor: '0',
        done: false,
        timeMs: undefined,
        dbsize,
        window: null,
        counters: emptyCounters(),
      });
    }
    return node;
  } catch (err) {
    if (err instanceof RemediationError) throw err;
    throw classifyRedisError(err, address);
  }
}
