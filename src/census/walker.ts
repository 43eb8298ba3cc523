/**
 * The SCAN walker under the key census (and, later, the TTL-remediation engine): every key of a
 * standalone server (the DB its URL names, else every DB), or of every primary of a Redis Cluster, a page at a time, with its
 * PTTL, TYPE and MEMORY USAGE. Memory stays bounded whatever the keyspace: per primary at most two
 * lanes × two pages are held (the page being handed over and the one being fetched), never a list
 * of keys.
 *
 * Speed. A client-side pipelined SCAN + PTTL + MEMORY USAGE loop is bound by the client (~53–65 K
 * keys/s here: ioredis builds and parses a command per key and field). The default strategy runs one
 * Lua script per page on the server instead (SCAN, then PTTL / TYPE / MEMORY USAGE per key; the
 * reply is SCAN's key table plus one packed string of numbers), as redis_exporter does for its key
 * groups; it fetches the next page while the caller folds the current one, and unthrottled it walks
 * two cursors per DB at once (see `walkUnit`) so the server always has a page to work on. Then the
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

import type { Redis } from 'ioredis';
import { ErrorCode, errorMessage, MedicError } from '../errors.js';
import { luaScript } from '../keyspace/lua.js';
import { serverFacts } from '../keyspace/server-facts.js';
import type { TargetConnection } from '../redis/connect.js';
import { currentDb, dbsToWalk } from '../redis/databases.js';
import { classifyRedisError } from '../redis/errors.js';
import { LatencyGuard, resolveThrottle, type ThrottleOptions, TokenBucket } from './throttle.js';
import type { KeyType, ScannedKey, WalkProgress } from './types.js';

export { DEFAULT_THROTTLE, type ThrottleOptions } from './throttle.js';

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
type NodePageHandler = (keys: ScannedKey[]) => void | Promise<void>;

const FULL_SPEED_COUNT = 300;
const MAX_SCRIPT_SAMPLES = 64;
const DEFAULT_SAMPLES = 5;
const DEFAULT_PROGRESS_MS = 2000;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const TYPE_CODES: readonly KeyType[] = ['other', 'string', 'hash', 'set', 'zset', 'list', 'stream', 'other'];
const TYPE_NAMES: Readonly<Record<string, KeyType>> = {
  string: 'string',
  hash: 'hash',
  set: 'set',
  zset: 'zset',
  list: 'list',
  stream: 'stream',
};

/**
 * One census page on the server. ARGV: cursor, match glob, count, samples, with-memory ('1'/'0').
 * Returns `{cursor, keys, numbers}`: SCAN's own key table (not copied), and per key a 17-byte
 * little-endian record `pttl (double), bytes (double), type code (byte)` packed into one string,
 * which keeps the reply (and its parsing in Node) to one element per key. Type code 0 = the key
 * was gone; bytes -1 = MEMORY USAGE not used. Inside a script time is frozen and nothing else
 * runs, so a key SCAN returns is still there; the checks are for form. TYPE's status reply
 * arrives as `{ok = 'string'}`.
 */
export const PAGE_SCRIPT = luaScript('census-page');
const RECORD_BYTES = 17;

// ---------------------------------------------------------------------------------------------

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
  const cluster = conn.target.mode === 'cluster';
  // The URL's DB (else every DB with keys) scopes the walk; a bad one is refused before any call.
  dbsToWalk(conn.target, '');
  const resume = opts.resume;
  const walkers = conn.primaries().map(
    (node) =>
      new NodeWalker(node, {
        cluster,
        dbs: (keyspace) => dbsToWalk(conn.target, keyspace),
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
    const budget = new Budget((opts.limit ?? Number.POSITIVE_INFINITY) - progress.scanned);
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
    pauses: sum(walkers, (w) => w.guard?.pauses ?? 0),
    pausedMs: Math.round(sum(walkers, (w) => w.guard?.pausedMs ?? 0)),
    durationMs: Math.round(performance.now() - started),
    complete,
    ...(complete ? {} : { stoppedBy: aborted ? ('abort' as const) : ('limit' as const) }),
    bytesUnavailable: walkers.some((w) => !w.withMemory),
    nodes: walkers.map((w) => w.summary()),
  };
  progress.maybeReport(true, true);
  return summary;
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}

/**
 * Spreads `limit` over the units by DBSIZE (largest remainder), so a sample covers every shard and
 * DB in proportion rather than whichever is walked first. SCAN order is hash order, so the first N
 * keys of a unit are a fair sample of it.
 */
function assignQuotas(units: Unit[], limit: number | undefined): void {
  const total = sum(units, (u) => u.dbsize);
  if (limit === undefined || limit >= total) {
    // Keys written during the walk may still be seen: the shared budget stops the walk at `limit`.
    for (const u of units) u.quota = Number.POSITIVE_INFINITY;
    return;
  }
  const exact = units.map((u) => (total > 0 ? (limit * u.dbsize) / total : 0));
  const floors = exact.map(Math.floor);
  let left = limit - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] as number) + 1;
    left--;
  }
  units.forEach((u, i) => {
    u.quota = floors[i] as number;
  });
}

/** Keys the walk may still hand over in total (`limit`); shared by all primaries. */
class Budget {
  constructor(public remaining: number) {}
}

// ---------------------------------------------------------------------------------------------
// Errors

const CONNECTION_CODES: ReadonlySet<string> = new Set([ErrorCode.RedisUnreachable, ErrorCode.RedisTimeout]);

/** An error thrown by `onPage`: handed back as it is, not classified as a Redis error. */
// Internal: unwrapped to the consumer's own error before the walk returns; never reaches a person.
class ConsumerFailure extends Error {
  constructor(readonly original: unknown) {
    super('onPage failed');
  }
}

// Internal: turned into a MedicError `census_interrupted` before the walk returns; never reaches a person.
class InterruptedSignal extends Error {
  constructor(
    readonly node: string,
    readonly reason: 'connection_lost' | 'timeout' | 'restarted',
    readonly original?: unknown,
  ) {
    super(`census interrupted on ${node}: ${reason}`);
  }
}

/**
 * What the caller gets. Before the first page (INFO, DBSIZE, SCRIPT LOAD) a failure is the plain
 * classified error; once walking, losing the server is `census_interrupted` with the progress.
 */
function walkError(
  err: unknown,
  walkers: NodeWalker[],
  progress: ProgressTracker,
  walking: boolean,
): unknown {
  if (err instanceof ConsumerFailure) return err.original;
  if (err instanceof RangeError) return err;
  if (!walking) {
    const node =
      err instanceof InterruptedSignal ? err.node : (walkers.find((w) => w.failed === err)?.address ?? '?');
    if (err instanceof InterruptedSignal) {
      return new MedicError(ErrorCode.RedisTimeout, { target: node }, `no answer from ${node}`, {
        cause: err,
      });
    }
    return classifyRedisError(err, node);
  }
  const scanned = progress.scanned;
  const total = progress.total;
  const interrupted = (node: string, reason: string, cause: unknown) =>
    new MedicError(
      ErrorCode.CensusInterrupted,
      { target: node, scanned, total, reason },
      `census interrupted on ${node} after ${scanned} keys: ${reason}`,
      { cause },
    );
  if (err instanceof InterruptedSignal) {
    return interrupted(err.node, err.reason, err.original ?? err);
  }
  const node = walkers.find((w) => w.failed === err)?.address ?? walkers[0]?.address ?? '?';
  const classified = classifyRedisError(err, node);
  if (CONNECTION_CODES.has(classified.code)) {
    return interrupted(
      node,
      classified.code === ErrorCode.RedisTimeout ? 'timeout' : 'connection_lost',
      classified,
    );
  }
  return classified;
}

function isConnectionError(err: unknown): boolean {
  if (err instanceof InterruptedSignal) return true;
  const code = classifyRedisError(err, '').code;
  return CONNECTION_CODES.has(code);
}

// ---------------------------------------------------------------------------------------------
// One primary

interface Unit {
  db: number;
  dbsize: number;
  quota: number;
  scanned: number;
  complete: boolean;
  lanes: Lane[];
  /** Where a resumed walk of this DB starts (one lane). */
  from?: string;
}

interface Lane {
  start: string;
  /** The next cursor to ask for once the pages handed over so far are taken. */
  cursor: string;
  /** Lane A of a split walk: its part ends where the cursor turns odd. */
  stopAtOdd: boolean;
  complete: boolean;
  /** How far the lane is through its part of the table, 0–1 (for ETA with MATCH). */
  fraction: number;
  /** Lane B: remembers its first keys. */
  record?: BoundaryRecord;
  /** Lane A: drops from its last page the keys lane B already handed over. */
  dedupe?: BoundaryRecord;
}

/** The first names lane B handed over (bounded), for lane A's last page. */
class BoundaryRecord {
  private readonly names = new Set<string>();
  private done = false;
  private resolve: () => void = () => {};
  readonly ready = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });

  constructor(private readonly capacity: number) {}

  add(keys: readonly ScannedKey[]): void {
    if (this.done) return;
    for (const key of keys) {
      this.names.add(key.name.toString('latin1'));
      if (this.names.size >= this.capacity) break;
    }
    if (this.names.size >= this.capacity) this.finish();
  }

  finish(): void {
    this.done = true;
    this.resolve();
  }

  drop(keys: ScannedKey[]): ScannedKey[] {
    return keys.filter((k) => !this.names.has(k.name.toString('latin1')));
  }
}

function isOdd(cursor: string): boolean {
  const last = cursor.charCodeAt(cursor.length - 1) - 0x30;
  return (last & 1) === 1;
}

/** Lane A covers positions [0, ½), lane B [½, 1) of the table; a single lane all of it. */
function laneFraction(lane: Lane, cursor: string): number {
  const f = cursorFraction(cursor);
  if (lane.stopAtOdd) return Math.min(1, f * 2);
  if (lane.start === '1') return Math.max(0, f * 2 - 1);
  return f;
}

interface RawPage {
  cursor: string;
  /** Keys SCAN returned (before dropping vanished ones). */
  size: number;
  /** Script: the finished keys. Pipeline: null (the reads are still to do, on `names`). */
  keys: ScannedKey[] | null;
  names: Buffer[];
}

interface NodeWalkerOptions {
  cluster: boolean;
  /** The DBs to walk, given INFO keyspace. */
  dbs: (keyspaceInfo: string) => number[];
  count: number;
  samples: number;
  match: string;
  throttle: Readonly<Required<ThrottleOptions>> | null;
  strategy: 'auto' | WalkStrategy;
  split: boolean;
  signal: AbortSignal;
  callTimeoutMs: number;
}

class NodeWalker {
  readonly address: string;
  runId = '';
  units: Unit[] = [];
  strategy: WalkStrategy = 'script';
  withMemory = true;
  /** Two lanes per DB (see walkUnit). */
  split = false;
  /** A lane failed: its sibling stops at its next page. */
  private halted = false;
  guard: LatencyGuard | undefined;
  failed: unknown;
  vanished = 0;
  pages = 0;
  private sha = '';
  private originalDb = 0;
  private selectedDb: number | undefined;
  private noTouch = false;
  private closed = false;
  private bucket: TokenBucket | undefined;
  private durationMs = 0;
  private readonly onClose = () => {
    this.closed = true;
  };
  private readonly countVanished = (n: number) => {
    this.vanished += n;
  };

  constructor(
    private readonly node: Redis,
    private readonly o: NodeWalkerOptions,
  ) {
    this.address = `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
  }

  get dbsize(): number {
    return sum(this.units, (u) => u.dbsize);
  }

  get scanned(): number {
    return sum(this.units, (u) => u.scanned);
  }

  get complete(): boolean {
    return this.units.every((u) => u.complete);
  }

  /** This primary's part of a {@link WalkPosition}. */
  position(): WalkPosition['nodes'][number] {
    return {
      node: this.address,
      runId: this.runId,
      vanished: this.vanished,
      units: this.units.map((u) => {
        const lane = u.lanes[0];
        const complete = u.complete || (u.lanes.length > 0 && u.lanes.every((l) => l.complete));
        return { db: u.db, scanned: u.scanned, complete, cursor: lane?.cursor ?? u.from ?? '0' };
      }),
    };
  }

  /** After prepare: take up a saved position (same server only); DBs new since then start at 0. */
  resumeFrom(resume: WalkPosition): void {
    const saved = resume.nodes.find((n) => n.node === this.address);
    if (!saved?.runId || saved.runId !== this.runId) throw new WalkResumeMismatch(this.address);
    this.vanished = saved.vanished;
    for (const unit of this.units) {
      const at = saved.units.find((u) => u.db === unit.db);
      if (!at) continue;
      unit.scanned = at.scanned;
      unit.complete = at.complete;
      unit.from = at.cursor;
    }
  }

  summary(): NodeWalkSummary {
    return {
      node: this.address,
      runId: this.runId,
      dbs: this.units.map((u) => u.db),
      dbsize: this.dbsize,
      scanned: this.scanned,
      vanished: this.vanished,
      pages: this.pages,
      strategy: this.strategy,
      lanes: this.split ? 2 : 1,
      bytesUnavailable: !this.withMemory,
      complete: this.complete,
      ...(this.guard ? { baselinePingMs: round2(this.guard.baselineMs) } : {}),
      pauses: this.guard?.pauses ?? 0,
      durationMs: Math.round(this.durationMs),
    };
  }

  /** INFO, DBSIZE per DB, script / MEMORY USAGE availability, PING baseline. */
  async prepare(): Promise<void> {
    try {
      this.node.on('close', this.onClose);
      const [server, keyspace] = await Promise.all([
        this.call(this.node.info('server')),
        this.o.cluster ? Promise.resolve('') : this.call(this.node.info('keyspace')),
      ]);
      this.runId = serverFacts(server).runId ?? '';
      this.split = this.o.split && !this.o.throttle && plainDictCursor(server, this.o.cluster);
      this.originalDb = currentDb(this.node);
      const dbs = this.o.dbs(keyspace);
      for (const db of dbs) {
        await this.select(db);
        const dbsize = Number(await this.call(this.node.dbsize()));
        this.units.push({
          db,
          dbsize,
          quota: Number.POSITIVE_INFINITY,
          scanned: 0,
          complete: false,
          lanes: [],
        });
      }
      await this.detectCapabilities();
      try {
        await this.call(this.node.call('CLIENT', 'NO-TOUCH', 'ON'));
        this.noTouch = true;
      } catch (err) {
        if (isConnectionError(err)) throw err;
        // Before 7.2 (and on ACLs without CLIENT): the commands used don't touch anyway.
      }
      if (this.o.throttle) {
        const t = this.o.throttle;
        this.bucket = new TokenBucket(t.keysPerSec, Math.max(t.pageSize, t.keysPerSec / 10));
        this.guard = new LatencyGuard(() => this.call(this.node.ping()), {
          guardMs: t.latencyGuardMs,
          pauseMs: t.pauseMs,
        });
        await this.guard.calibrate();
      }
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  private async detectCapabilities(): Promise<void> {
    try {
      // A name no one uses: nil when MEMORY USAGE works, an error when it is refused.
      await this.call(this.node.memory('USAGE', '__redis_medic_probe__'));
    } catch (err) {
      if (isConnectionError(err)) throw err;
      this.withMemory = false;
    }
    const scriptable = this.o.samples > 0 && this.o.samples <= MAX_SCRIPT_SAMPLES;
    if (this.o.strategy === 'pipeline' || (this.o.strategy === 'auto' && !scriptable)) {
      this.strategy = 'pipeline';
      return;
    }
    try {
      this.sha = String(await this.call(this.node.script('LOAD', PAGE_SCRIPT)));
      this.strategy = 'script';
    } catch (err) {
      if (isConnectionError(err) || this.o.strategy === 'script') throw err;
      this.strategy = 'pipeline';
    }
  }

  async walk(onPage: NodePageHandler, progress: ProgressTracker, budget: Budget): Promise<void> {
    const started = performance.now();
    try {
      for (const unit of this.units) {
        if (this.o.signal.aborted || budget.remaining <= 0) return;
        if (unit.quota <= 0 || unit.complete) continue;
        if (!this.o.cluster) await this.select(unit.db);
        await this.walkUnit(unit, onPage, progress, budget);
      }
      if (!this.o.signal.aborted) await this.checkSameServer();
    } catch (err) {
      // Aborted (by the caller, or because another primary failed): whatever broke since is moot.
      if (this.o.signal.aborted && !(err instanceof ConsumerFailure)) return;
      this.failed = err;
      throw err;
    } finally {
      this.durationMs = performance.now() - started;
    }
  }

  /**
   * One DB of one primary. Unthrottled, on servers whose SCAN cursor is a plain reverse-binary dict
   * cursor, it is walked in two lanes at once so the server always has a page to work on while
   * Node parses the other: SCAN visits buckets in reverse-binary order, so from cursor 0 it first
   * visits every even bucket (cursors stay even), then every odd one starting at cursor 1. Lane A
   * walks from 0 until the cursor turns odd (or 0); lane B from 1 until 0. A key's bucket parity is
   * its hash's lowest bit whatever the table size, so each key belongs to exactly one lane. Lane
   * A's last call may run on past the boundary into the first odd buckets: those keys are exactly
   * the first ones lane B saw, in the same order, so B remembers its first names and A drops them.
   */
  private async walkUnit(
    unit: Unit,
    onPage: NodePageHandler,
    progress: ProgressTracker,
    budget: Budget,
  ): Promise<void> {
    const allowed = () => Math.min(unit.quota - unit.scanned, budget.remaining);
    const emit = async (keys: ScannedKey[]) => {
      unit.scanned += keys.length;
      budget.remaining -= keys.length;
      if (keys.length === 0) return;
      try {
        await onPage(keys);
      } catch (err) {
        throw new ConsumerFailure(err);
      }
    };
    if (!this.split) {
      const start = unit.from ?? '0';
      const lane: Lane = { start, cursor: start, stopAtOdd: false, complete: false, fraction: 0 };
      unit.lanes = [lane];
      await this.walkLane(lane, allowed, emit, progress);
    } else {
      const boundary = new BoundaryRecord(4 * this.o.count + 1000);
      const a: Lane = {
        start: '0',
        cursor: '0',
        stopAtOdd: true,
        complete: false,
        fraction: 0,
        dedupe: boundary,
      };
      const b: Lane = {
        start: '1',
        cursor: '1',
        stopAtOdd: false,
        complete: false,
        fraction: 0,
        record: boundary,
      };
      unit.lanes = [a, b];
      let failure: unknown;
      await Promise.all(
        unit.lanes.map((lane) =>
          this.walkLane(lane, allowed, emit, progress).catch((err: unknown) => {
            failure ??= err;
            this.halted = true;
            boundary.finish();
          }),
        ),
      );
      if (failure) throw failure;
    }
    unit.complete = unit.lanes.every((l) => l.complete);
  }

  private async walkLane(
    lane: Lane,
    allowed: () => number,
    emit: (keys: ScannedKey[]) => Promise<void>,
    progress: ProgressTracker,
  ): Promise<void> {
    const signal = this.o.signal;
    let pending: Promise<RawPage> | undefined = this.request(lane.start);
    try {
      while (pending) {
        const raw: RawPage = await pending;
        pending = undefined;
        this.pages++;
        this.checkAlive();
        if (signal.aborted || this.halted) return;
        const last = raw.cursor === '0' || (lane.stopAtOdd && isOdd(raw.cursor));
        if (this.o.match !== '*') lane.fraction = last ? 1 : laneFraction(lane, raw.cursor);
        this.bucket?.charge(Math.max(0, raw.size - this.o.count));
        // Ask for the next page now, so the server works while the caller folds this one.
        if (!last && raw.size < allowed()) {
          await this.pace(progress);
          pending = this.request(raw.cursor);
        }
        let keys = raw.keys ?? (await this.readKeys(raw));
        this.checkAlive();
        if (signal.aborted || this.halted) return;
        if (last && lane.dedupe) {
          await lane.dedupe.ready;
          keys = lane.dedupe.drop(keys);
        }
        lane.record?.add(keys);
        const room = allowed();
        const truncated = keys.length > room;
        if (truncated) keys = keys.slice(0, Math.max(0, room));
        // Before the handover, so a position taken by the handler counts this page as taken.
        if (!truncated) {
          lane.cursor = raw.cursor;
          if (last) lane.complete = true;
        }
        await emit(keys);
        if (last && !truncated) {
          lane.complete = true;
          lane.fraction = 1;
          return;
        }
        if (allowed() <= 0 || signal.aborted || this.halted) return;
        if (!pending) {
          await this.pace(progress);
          pending = this.request(raw.cursor);
        }
      }
    } finally {
      // An abandoned prefetch (abort, limit, error) must not surface as an unhandled rejection.
      pending?.catch(() => {});
      lane.record?.finish();
    }
  }

  /** Before each page request: the latency guard (PING), then the keys/s budget. */
  private async pace(progress: ProgressTracker): Promise<void> {
    if (this.guard) await this.guard.check(this.o.signal, () => progress.maybeReport());
    if (this.bucket) await this.bucket.take(this.o.count, this.o.signal);
    this.checkAlive();
  }

  private request(cursor: string): Promise<RawPage> {
    const p = this.strategy === 'script' ? this.scriptPage(cursor) : this.scanPage(cursor);
    p.catch(() => {});
    return p;
  }

  private async scriptPage(cursor: string): Promise<RawPage> {
    const args = [this.sha, '0', cursor, this.o.match, String(this.o.count), String(this.o.samples)];
    args.push(this.withMemory ? '1' : '0');
    try {
      return parseScriptReply(await this.call(this.node.callBuffer('EVALSHA', args)), this.countVanished);
    } catch (err) {
      if (isConnectionError(err)) throw err;
      let failure = err;
      if (/NOSCRIPT/.test(errorMessage(err))) {
        // The script cache was flushed (SCRIPT FLUSH, a restart behind a proxy): load it once more.
        try {
          this.sha = String(await this.call(this.node.script('LOAD', PAGE_SCRIPT)));
          const reply = await this.call(this.node.callBuffer('EVALSHA', [this.sha, ...args.slice(1)]));
          return parseScriptReply(reply, this.countVanished);
        } catch (again) {
          if (isConnectionError(again)) throw again;
          failure = again;
        }
      }
      if (this.o.strategy === 'script') throw failure;
      // The server refuses the script although SCRIPT LOAD worked (ACL on EVALSHA, a proxy, a
      // cluster rule on undeclared keys…): the plain pipeline from here on, same page.
      this.strategy = 'pipeline';
      return this.scanPage(cursor);
    }
  }

  private async scanPage(cursor: string): Promise<RawPage> {
    const [next, names] = await this.call(
      this.node.scanBuffer(cursor, 'MATCH', this.o.match, 'COUNT', this.o.count),
    );
    return { cursor: next.toString('latin1'), size: names.length, keys: null, names };
  }

  /** Pipeline strategy: PTTL, TYPE, MEMORY USAGE for every name of the page, in one round trip. */
  private async readKeys(raw: RawPage): Promise<ScannedKey[]> {
    if (raw.names.length === 0) return [];
    const pipeline = this.node.pipeline();
    const samples = this.o.samples;
    for (const name of raw.names) {
      pipeline.pttl(name);
      pipeline.type(name);
      if (this.withMemory) pipeline.memory('USAGE', name, 'SAMPLES', samples);
    }
    const replies = (await this.call(pipeline.exec())) ?? [];
    const per = this.withMemory ? 3 : 2;
    const keys: ScannedKey[] = [];
    let vanished = 0;
    raw.names.forEach((name, i) => {
      const at = i * per;
      const [pttlErr, pttl] = replies[at] ?? [new Error('missing reply'), null];
      const [typeErr, type] = replies[at + 1] ?? [new Error('missing reply'), null];
      const [memErr, bytes] = this.withMemory
        ? (replies[at + 2] ?? [new Error('missing reply'), null])
        : [null, -1];
      const err = pttlErr ?? typeErr ?? memErr;
      if (err) throw err;
      if (pttl === -2 || type === 'none' || bytes === null) {
        vanished++;
        return;
      }
      keys.push({
        name,
        type: TYPE_NAMES[String(type)] ?? 'other',
        pttlMs: Number(pttl),
        bytes: this.withMemory ? Number(bytes) : null,
      });
    });
    this.vanished += vanished;
    return keys;
  }

  /** Every server call: within the deadline, and never after the connection dropped. */
  private call<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new InterruptedSignal(this.address, 'timeout')), this.o.callTimeoutMs);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }

  private checkAlive(): void {
    // With a reconnecting client, ioredis would resend a pending page to a restarted server whose
    // cursor means nothing: a dropped connection ends the walk.
    if (this.closed) throw new InterruptedSignal(this.address, 'connection_lost');
  }

  private async checkSameServer(): Promise<void> {
    const runId = serverFacts(await this.call(this.node.info('server'))).runId ?? '';
    if (this.runId && runId && runId !== this.runId) throw new InterruptedSignal(this.address, 'restarted');
  }

  private async select(db: number): Promise<void> {
    if (this.o.cluster || this.selectedDb === db) return;
    // Already there: no SELECT (an ACL user may lack it, and a DB-0-only server never needs it).
    if (this.selectedDb === undefined && db === this.originalDb) {
      this.selectedDb = db;
      return;
    }
    await this.call(this.node.select(db));
    this.selectedDb = db;
  }

  /** Back to the caller's DB, NO-TOUCH off; best effort (the connection may be gone). */
  async restore(): Promise<void> {
    this.node.off('close', this.onClose);
    if (this.closed || this.node.status !== 'ready') return;
    try {
      if (this.selectedDb !== undefined && this.selectedDb !== this.originalDb) {
        await withTimeout(this.node.select(this.originalDb), 2000);
      }
      if (this.noTouch) await withTimeout(this.node.call('CLIENT', 'NO-TOUCH', 'OFF'), 2000);
    } catch {
      // Best effort.
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function parseScriptReply(reply: unknown, onVanished: (n: number) => void): RawPage {
  const items = Array.isArray(reply) ? (reply as unknown[]) : [];
  const [cursor, names, numbers] = items;
  if (!Buffer.isBuffer(cursor) || !Array.isArray(names) || !Buffer.isBuffer(numbers)) {
    throw new Error('unexpected census page reply');
  }
  if (numbers.length !== names.length * RECORD_BYTES) throw new Error('census page reply: length mismatch');
  const keys: ScannedKey[] = [];
  let vanished = 0;
  for (let i = 0, at = 0; i < names.length; i++, at += RECORD_BYTES) {
    const code = numbers[at + 16] as number;
    if (code === 0) {
      vanished++;
      continue;
    }
    const bytes = numbers.readDoubleLE(at + 8);
    keys.push({
      name: names[i] as Buffer,
      type: TYPE_CODES[code] ?? 'other',
      pttlMs: numbers.readDoubleLE(at),
      bytes: bytes < 0 ? null : bytes,
    });
  }
  if (vanished) onVanished(vanished);
  return { cursor: cursor.toString('latin1'), size: names.length, keys, names: [] };
}

// ---------------------------------------------------------------------------------------------
// Progress

class ProgressTracker {
  scanned = 0;
  total = 0;
  private last = Number.NEGATIVE_INFINITY;
  private readonly every: number;

  constructor(
    private readonly opts: WalkOptions,
    private readonly walkers: NodeWalker[],
    private readonly started: number,
  ) {
    this.every = opts.progressEveryMs ?? DEFAULT_PROGRESS_MS;
  }

  maybeReport(force = false, done = false): void {
    const report = this.opts.onProgress;
    if (!report) return;
    const now = performance.now();
    if (!force && now - this.last < this.every) return;
    this.last = now;
    const elapsedSec = Math.max(1e-3, (now - this.started) / 1000);
    const keysPerSec = this.scanned / elapsedSec;
    report({
      scanned: this.scanned,
      total: this.total,
      keysPerSec: Math.round(keysPerSec),
      etaSec: done ? 0 : this.eta(elapsedSec, keysPerSec),
      pauses: sum(this.walkers, (w) => w.guard?.pauses ?? 0),
    });
  }

  private eta(elapsedSec: number, keysPerSec: number): number | null {
    if (this.opts.match !== undefined) {
      // MATCH: how many keys match is unknown; how far the cursors are through the tables is known.
      const units = this.walkers.flatMap((w) => w.units);
      const weight = sum(units, (u) => u.dbsize);
      const fraction = (u: Unit) => (u.lanes.length ? sum(u.lanes, (l) => l.fraction) / u.lanes.length : 0);
      const done = weight > 0 ? sum(units, (u) => u.dbsize * fraction(u)) / weight : 0;
      return done > 0 ? Math.round((elapsedSec * (1 - done)) / done) : null;
    }
    if (keysPerSec <= 0) return null;
    const target = Math.min(this.total, this.opts.limit ?? Number.POSITIVE_INFINITY);
    return Math.max(0, Math.round((target - this.scanned) / keysPerSec));
  }
}

/**
 * SCAN's cursor walks the table in reverse-binary order: reversing its 64 bits gives the position,
 * so position / 2^64 is the share of the table visited (independent of the table's size).
 */
export function cursorFraction(cursor: string): number {
  let v: bigint;
  try {
    v = BigInt(cursor);
  } catch {
    return 0;
  }
  let rev = 0n;
  for (let i = 0; i < 64; i++) {
    rev = (rev << 1n) | (v & 1n);
    v >>= 1n;
  }
  return Number(rev) / 2 ** 64;
}

/**
 * Whether SCAN's cursor is a bare reverse-binary dict cursor (what the two-lane walk relies on).
 * Redis 7.4+ and Valkey 8+ in cluster mode keep one dict per slot and put the slot in the cursor's
 * low bits; Dragonfly's cursor is its own. Unknown servers get one lane.
 */
function plainDictCursor(serverInfo: string, cluster: boolean): boolean {
  const facts = serverFacts(serverInfo);
  if (facts.dragonflyVersion !== undefined) return false;
  const version = facts.version;
  if (!version) return false;
  if (!cluster) return true;
  const valkey = facts.valkeyVersion;
  if (valkey !== undefined || facts.serverName === 'valkey') {
    return compareVersions(valkey ?? version, '8.0.0') < 0;
  }
  return compareVersions(version, '7.4.0') < 0;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
