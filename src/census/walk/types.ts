/** What a census walk is asked for and what it reports: options, the resumable position, summaries. */
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import type { ScannedKey, WalkProgress } from '../types.js';

/** `script`: one Lua call per page on the server. `pipeline`: SCAN, then PTTL/TYPE/MEMORY USAGE pipelined. */
export type WalkStrategy = 'script' | 'pipeline';

export interface WalkOptions {
  /** SCAN MATCH glob. MATCH filters after fetching: pages can be empty for a long while. */
  match?: string;
  /**
   * SCAN COUNT (a hint: keys examined per call). Default: 300 unthrottled, the throttle's
   * `pageSize` throttled; under a throttle it is capped at `pageSize`.
   */
  count?: number;
  /** MEMORY USAGE SAMPLES. @defaultValue 5. 0 reads every element (O(N)): then the pipeline is used. */
  samples?: number;
  /** Stop after this many keys (a sampled census), spread over primaries / DBs by their DBSIZE. */
  limit?: number;
  /** Pacing for production; `false` = full speed. @defaultValue DEFAULT_THROTTLE */
  throttle?: ThrottleOptions | false;
  /** Stops the walk within one page; the summary comes back with `complete: false`. */
  signal?: AbortSignal;
  onProgress?: (progress: WalkProgress) => void;
  /** @defaultValue 2000 */
  progressEveryMs?: number;
  /** `auto` (default): the script where allowed, else the pipeline. */
  strategy?: 'auto' | WalkStrategy;
  /** One server call (a page) must answer within this, else the walk fails. @defaultValue 30000 */
  callTimeoutMs?: number;
  /**
   * Unthrottled walks use two cursors per DB where the server's SCAN cursor allows it (Redis OSS,
   * and Valkey / Redis 7.4+ outside cluster mode): about 1.4× faster. `false` = one cursor.
   */
  split?: boolean;
  /**
   * Continue a walk from where a {@link WalkPosition} (handed to `onPage`) left it: DBs it finished
   * are skipped, the others go on from their saved cursor, and the counts start from the saved ones.
   * A resumed walk uses one cursor per DB. Throws {@link WalkResumeMismatch} when a node is not the
   * server it was (another run_id: restarted, failed over) or is missing: its cursors mean nothing.
   */
  resume?: WalkPosition;
}

/**
 * Where a walk stands after the pages handed over so far: per primary and DB the next cursor to ask
 * for. Plain JSON, to be saved (a job's data) and given back as `WalkOptions.resume`.
 */
export interface WalkPosition {
  nodes: {
    node: string;
    runId: string;
    vanished: number;
    units: { db: number; scanned: number; complete: boolean; cursor: string }[];
  }[];
}

/** The saved position does not fit the servers any more: the walk has to start over. */
// Internal: the census catches it and walks from the start; never reaches a person.
export class WalkResumeMismatch extends Error {
  constructor(readonly node: string) {
    super(`cannot resume the walk on ${node}: not the server the position was saved on`);
  }
}

/** Per primary (cluster skew) and, on a standalone server, over all its DBs. */
export interface NodeWalkSummary {
  /** host:port */
  node: string;
  runId: string;
  /** DBs walked (always [0] on a cluster node). */
  dbs: number[];
  /** DBSIZE summed over `dbs` at start. */
  dbsize: number;
  scanned: number;
  vanished: number;
  pages: number;
  strategy: WalkStrategy;
  /** Cursors walked at once per DB (see `WalkOptions.split`). */
  lanes: 1 | 2;
  /** MEMORY USAGE refused (old server or ACL): `bytes` is null for this node's keys. */
  bytesUnavailable: boolean;
  complete: boolean;
  /** Idle PING round trip measured at start (throttled walks only). */
  baselinePingMs?: number;
  pauses: number;
  durationMs: number;
}

export interface WalkSummary {
  /** Keys handed to `onPage` (SCAN may return a key twice while a dict is resized: counted twice). */
  scanned: number;
  /** DBSIZE at start, summed over what is walked. */
  dbsize: number;
  /** Keys SCAN returned that were gone before PTTL / TYPE / MEMORY USAGE: skipped. */
  vanished: number;
  /** Latency-guard pauses (episodes). */
  pauses: number;
  pausedMs: number;
  durationMs: number;
  /** False when stopped by `limit` or `signal` before every cursor came back to 0. */
  complete: boolean;
  stoppedBy?: 'limit' | 'abort';
  /** True when MEMORY USAGE was refused on any node (some `bytes` are null). */
  bytesUnavailable: boolean;
  nodes: NodeWalkSummary[];
}

/**
 * `onPage` may return a promise: the walk waits for it (backpressure). `position()` called while the
 * handler runs (or after it returned) tells where the walk stands once this page is taken: resuming
 * from it hands over every later key and none of this page's again.
 */
export type PageHandler = (keys: ScannedKey[], position: () => WalkPosition) => void | Promise<void>;

/** What a primary's walker hands its pages to (the position is added by `walkKeys`). */
export type NodePageHandler = (keys: ScannedKey[]) => void | Promise<void>;
