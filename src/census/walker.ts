/**
 * The key census's walk: every key of a standalone server (the DB its URL names, else every DB),
 * or of every primary of a Redis Cluster, a page at a time, with its PTTL, TYPE and MEMORY USAGE.
 * The cursor stepping, SELECT, lanes and pacing are the shared keyspace layer's (src/keyspace/);
 * this module and walk/ add what a census reads per key and how it reports. Memory stays bounded whatever the keyspace: per primary at most two
 * lanes × two pages are held (the page being handed over and the one being fetched), never a list
 * of keys.
 *
 * Speed. A client-side pipelined SCAN + PTTL + MEMORY USAGE loop is bound by the client (~53–65 K
 * keys/s here: ioredis builds and parses a command per key and field). The default strategy runs one
 * Lua script per page on the server instead (SCAN, then PTTL / TYPE / MEMORY USAGE per key; the
 * reply is SCAN's key table plus one packed string of numbers), as redis_exporter does for its key
 * groups; it fetches the next page while the caller folds the current one, and unthrottled it walks
 * two cursors per DB at once (see keyspace/scan/lanes.ts) so the server always has a page to work on. Then the
 * server is the bottleneck (~4 µs per key of Lua + command time): ~230 K keys/s on 1 M keys here,
 * 3.4× `redis-cli --memkeys`. Scripting refused (ACL without EVAL/EVALSHA/SCRIPT, `unknown
 * command`) falls back to the pipeline (SCAN, then PTTL / TYPE / MEMORY USAGE pipelined), still
 * overlapping the next SCAN with the current page's reads.
 *
 * Only SCAN, TYPE, PTTL, MEMORY USAGE, INFO, DBSIZE, PING, SELECT (standalone), EVALSHA /
 * SCRIPT LOAD and (optionally) CLIENT NO-TOUCH are sent: what managed services (ElastiCache) allow.
 *
 * LRU / LFU. In Redis 7.0, TTL/PTTL and TYPE look keys up with `LOOKUP_NOTOUCH`
 * (`ttlGenericCommand`, `typeCommand`), and MEMORY USAGE goes through `objectCommandLookup`
 * (`LOOKUP_NOTOUCH|LOOKUP_NONOTIFY`); SCAN iterates the dict without touching values. So the walk
 * leaves access times and LFU counters alone (checked: OBJECT IDLETIME unchanged after them, reset
 * by a GET). Side effect worth knowing: PTTL and TYPE do count in `keyspace_hits` (≈ 2 per key,
 * CloudWatch CacheHits), MEMORY USAGE does not. On 7.2+ / Valkey the walk also turns on
 * `CLIENT NO-TOUCH` for its connection (and back off afterwards); older servers refuse it, ignored.
 */

import { resolveThrottle } from '../keyspace/pacing/throttle.js';
import { assignQuotas, KeyBudget } from '../keyspace/scan/quotas.js';
import type { TargetConnection } from '../redis/connect.js';
import { dbsToWalk } from '../redis/databases.js';
import { walkError } from './walk/errors.js';
import { NodeWalker } from './walk/node-walker.js';
import { ProgressTracker } from './walk/progress.js';
import { sum } from './walk/sum.js';
import {
  type NodePageHandler,
  type PageHandler,
  type WalkOptions,
  type WalkPosition,
  WalkResumeMismatch,
  type WalkSummary,
} from './walk/types.js';

export { DEFAULT_THROTTLE, type ThrottleOptions } from '../keyspace/pacing/throttle.js';
export { cursorFraction } from '../keyspace/scan/cursor.js';
export { PAGE_SCRIPT } from './walk/page-reads.js';
export {
  type NodeWalkSummary,
  type PageHandler,
  type WalkOptions,
  type WalkPosition,
  WalkResumeMismatch,
  type WalkStrategy,
  type WalkSummary,
} from './walk/types.js';

const FULL_SPEED_COUNT = 300;
const DEFAULT_SAMPLES = 5;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * Walks every key once (SCAN guarantees: a key present for the whole walk is seen at least once),
 * handing pages to `onPage`. Primaries of a cluster are walked in parallel, DBs of a standalone
 * server one after the other (SELECT on the connection, the original DB restored afterwards: do
 * not share the connection with DB-dependent commands while a walk runs).
 *
 * Key names are Buffers (binary-safe) that may be views into a larger reply buffer: copy
 * (`Buffer.from(name)`) or stringify one you keep beyond the page.
 *
 * Connection loss, a server restart or a call timing out mid-walk → `MedicError`
 * `census_interrupted` (values: target, scanned, total, reason; `cause` is the classified error).
 * Other Redis errors → `classifyRedisError`'s MedicError. Abort (`signal`) and `limit` resolve with
 * `complete: false`.
 */
export async function walkKeys(
  conn: TargetConnection,
  opts: WalkOptions,
  onPage: PageHandler,
): Promise<WalkSummary> {
  const started = performance.now();
  const throttle = resolveThrottle(opts.throttle);
  const samples = opts.samples ?? DEFAULT_SAMPLES;
  if (!(Number.isInteger(samples) && samples >= 0)) throw new RangeError(`samples must be an integer >= 0`);
  const requestedCount = opts.count ?? throttle?.pageSize ?? FULL_SPEED_COUNT;
  if (!(Number.isFinite(requestedCount) && requestedCount >= 1)) throw new RangeError('count must be >= 1');
  const count = Math.floor(throttle ? Math.min(requestedCount, throttle.pageSize) : requestedCount);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0)) {
    throw new RangeError('limit must be an integer >= 0');
  }

  const internal = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, internal.signal]) : internal.signal;
  // The URL's DB (else every DB with keys) scopes the walk; a bad one is refused before any call.
  dbsToWalk(conn.target, '');
  const resume = opts.resume;
  const walkers = conn.primaries().map(
    (node) =>
      new NodeWalker(node, {
        target: conn.target,
        count,
        samples,
        match: opts.match ?? '*',
        throttle,
        strategy: opts.strategy ?? 'auto',
        split: opts.split !== false && resume === undefined,
        signal,
        callTimeoutMs: opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      }),
  );
  const progress = new ProgressTracker(opts, walkers, started);
  const position = (): WalkPosition => ({ nodes: walkers.map((w) => w.position()) });
  const counted: NodePageHandler = (keys) => {
    progress.scanned += keys.length;
    const ret = onPage(keys, position);
    progress.maybeReport();
    return ret;
  };

  let failure: unknown;
  let walking = false;
  const fail = (err: unknown) => {
    failure ??= err;
    internal.abort(err);
  };
  try {
    await Promise.all(walkers.map((w) => w.prepare().catch(fail)));
    if (failure) throw failure;
    if (resume) for (const w of walkers) w.resumeFrom(resume);
    progress.total = walkers.reduce((sum, w) => sum + w.dbsize, 0);
    progress.scanned = sum(walkers, (w) => w.scanned);
    assignQuotas(
      walkers.flatMap((w) => w.units),
      opts.limit,
    );
    progress.maybeReport(true);
    const budget = new KeyBudget((opts.limit ?? Number.POSITIVE_INFINITY) - progress.scanned);
    walking = true;
    await Promise.all(walkers.map((w) => w.walk(counted, progress, budget).catch(fail)));
    if (failure) throw failure;
  } catch (err) {
    if (err instanceof WalkResumeMismatch) throw err;
    throw walkError(failure ?? err, walkers, progress, walking);
  } finally {
    await Promise.all(walkers.map((w) => w.restore()));
  }

  const aborted = opts.signal?.aborted === true;
  const complete = walkers.every((w) => w.complete) && !aborted;
  const summary: WalkSummary = {
    scanned: sum(walkers, (w) => w.scanned),
    dbsize: progress.total,
    vanished: sum(walkers, (w) => w.vanished),
    pauses: sum(walkers, (w) => w.pauses),
    pausedMs: Math.round(sum(walkers, (w) => w.pausedMs)),
    durationMs: Math.round(performance.now() - started),
    complete,
    ...(complete ? {} : { stoppedBy: aborted ? ('abort' as const) : ('limit' as const) }),
    bytesUnavailable: walkers.some((w) => !w.withMemory),
    nodes: walkers.map((w) => w.summary()),
  };
  progress.maybeReport(true, true);
  return summary;
}
