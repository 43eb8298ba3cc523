/**
 * The keyspace side of a TTL run: selecting a node's DB (and putting the connection's own DB back),
 * the second connection SCAN runs on when unthrottled, stepping SCAN MATCH pages ahead of the
 * writes, and pacing (latency guard and keys/s budget) before each SCAN of a throttled run.
 */

import { once } from 'node:events';
import { LatencyGuard, type ThrottleOptions, TokenBucket } from '../../census/throttle.js';
import { classifyRedisError } from '../../redis/errors.js';
import type { NodeState } from './node.js';

/** Unthrottled: SCAN pages read ahead of the writes (bounds memory: a few pages per node). */
const READ_AHEAD = 3;

export async function selectDb(node: NodeState, db: number, cluster: boolean): Promise<void> {
  if (cluster) return;
  if (node.scanner !== node.redis && node.scannerDb !== db) {
    await node.scanner.select(db);
    node.scannerDb = db;
  }
  if (node.selectedDb === db) return;
  if (node.selectedDb === undefined && db === node.originalDb) {
    node.selectedDb = db;
    return;
  }
  await node.redis.select(db);
  node.selectedDb = db;
}

/** The second connection for SCAN (same options: TLS, ACL user); without it, SCAN shares `redis`. */
export async function openScanner(node: NodeState): Promise<void> {
  const dup = node.redis.duplicate();
  dup.on('error', () => {});
  try {
    if (dup.status === 'wait') await dup.connect();
    else await once(dup, 'ready');
    node.scanner = dup;
    node.scannerDb = dup.options.db ?? 0;
  } catch {
    dup.disconnect();
  }
}

/** Closes the scanner connection (the caller's connection stays open). */
export function closeScanner(node: NodeState): void {
  if (node.scanner !== node.redis) node.scanner.disconnect();
  node.scanner = node.redis;
}

export async function restoreDb(node: NodeState, cluster: boolean): Promise<void> {
  if (cluster || node.selectedDb === undefined || node.selectedDb === node.originalDb) return;
  if (node.redis.status !== 'ready') return;
  try {
    await node.redis.select(node.originalDb);
    node.selectedDb = node.originalDb;
  } catch {
    // Best effort: the connection may be gone.
  }
}

export interface ScanPage {
  /** The cursor SCAN returned ('0': the walk of this DB is over). */
  next: string;
  names: Buffer[];
}

/**
 * SCAN MATCH pages of one DB of one node, in order, from `cursor`. With `readAhead`, the next SCAN
 * is sent the moment the previous one answers (up to READ_AHEAD pages waiting); else only when
 * `scan()` is called. A failed SCAN rejects its page with the classified error.
 */
export class PageReader {
  private readonly queue: Promise<ScanPage>[] = [];
  private from: string | null;
  private scanning = false;

  constructor(
    private readonly node: NodeState,
    cursor: string,
    private readonly match: string,
    private readonly count: number,
    private readonly readAhead: boolean,
    private readonly signal: AbortSignal,
  ) {
    this.from = cursor;
  }

  /** No page read or being read. */
  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Sends the next SCAN unless one is in flight, the walk ended, enough pages wait, or the run stopped. */
  scan(): void {
    if (this.scanning || this.from === null || this.queue.length >= READ_AHEAD || this.signal.aborted) return;
    const cursor = this.from;
    this.scanning = true;
    const page = this.node.scanner.scanBuffer(cursor, 'MATCH', this.match, 'COUNT', this.count).then(
      ([raw, names]) => {
        this.scanning = false;
        const next = raw.toString('latin1');
        this.from = next === '0' ? null : next;
        if (this.readAhead) this.scan();
        return { next, names };
      },
      (err: unknown) => {
        this.scanning = false;
        this.from = null;
        throw classifyRedisError(err, this.node.address);
      },
    );
    page.catch(() => {});
    this.queue.push(page);
  }

  /** The oldest page sent (call only when not `empty`). */
  take(): Promise<ScanPage> {
    return this.queue.shift() as Promise<ScanPage>;
  }
}

/** Throttled runs: a keys/s budget and a calibrated latency guard per node. */
export async function startPacing(
  nodes: readonly NodeState[],
  t: Readonly<Required<ThrottleOptions>>,
): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      node.bucket = new TokenBucket(t.keysPerSec, Math.max(t.pageSize, t.keysPerSec / 10));
      node.guard = new LatencyGuard(() => node.redis.ping(), {
        guardMs: t.latencyGuardMs,
        pauseMs: t.pauseMs,
      });
      await node.guard.calibrate();
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
    if (node.guard) {
      await node.guard.check(signal, hooks.onPause);
    }
    hooks.onClear();
    await node.bucket?.take(count, signal);
  } catch (err) {
    if (signal.aborted) return;
    throw classifyRedisError(err, node.address);
  }
}
