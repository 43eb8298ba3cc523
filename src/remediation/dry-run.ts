/**
 * Dry-run (read-only preview) of a TTL rule, the quick re-count the approval step compares it with,
 * and the store that keeps dry-runs on the queue Redis for approval and execution.
 *
 * The walk is the census walker with SCAN MATCH (PTTL, TYPE, MEMORY USAGE per key in one server
 * call per page): nothing is written, and the same throttle keeps it gentle on a production node.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { displayKey } from '../census/key-pattern.js';
import { ttlBucketOf } from '../census/pattern-table.js';
import { snapshotId } from '../census/snapshot-store.js';
import { TTL_BUCKETS, type WalkProgress } from '../census/types.js';
import { walkKeys } from '../census/walker.js';
import { DEFAULT_THROTTLE, resolveThrottle, type ThrottleOptions } from '../keyspace/pacing/throttle.js';
import type { TargetConnection } from '../redis/connect.js';
import { walkedDbs } from '../redis/databases.js';
import { replicaOf } from './replica-check.js';
import { changesKey } from './rules.js';
import { serverGlob } from './server-glob.js';
import type { DryRun, TtlRule, TtlSpread } from './types.js';

export interface DryRunOptions {
  /** Cluster name the dry-run is stored and shown under. */
  cluster: string;
  /** Pacing of the read-only walk. @defaultValue the census DEFAULT_THROTTLE */
  throttle?: ThrottleOptions | false;
  signal?: AbortSignal;
  onProgress?: (progress: WalkProgress) => void;
  /**
   * Keys/s (per primary) the run will be throttled to, for `estimatedDurationSec`.
   * @defaultValue the throttle's keysPerSec, else DEFAULT_THROTTLE.keysPerSec
   */
  rateKeysPerSec?: number;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

export const DRY_RUN_SAMPLES = 10;

/**
 * A read-only walk of `rule.match` on every primary and DB in scope (the URL's DB, else every DB): keys matched, without TTL, above the
 * rule's TTL, the TTL spread, the bytes of the keys that would change, 10 of them (escaped), and how
 * long the run would take at the configured rate (the engine walks the whole keyspace: SCAN MATCH
 * examines every key, so it is DBSIZE of the largest primary / rate). An aborted walk returns the
 * partial counts with `complete: false`.
 */
export async function dryRun(conn: TargetConnection, rule: TtlRule, opts: DryRunOptions): Promise<DryRun> {
  const at = (opts.now ?? (() => new Date()))();
  const replicas = await replicaNodes(conn);
  const counts = await countRule(conn, rule, {
    ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    samples: DRY_RUN_SAMPLES,
  });
  const throttle = opts.throttle === false ? null : resolveThrottle(opts.throttle);
  const rate = opts.rateKeysPerSec ?? throttle?.keysPerSec ?? DEFAULT_THROTTLE.keysPerSec;
  return {
    id: dryRunId(rule, at),
    rule,
    cluster: opts.cluster,
    at: at.toISOString(),
    matched: counts.matched,
    keysWithoutTtl: counts.keysWithoutTtl,
    keysAboveCap: counts.keysAboveCap,
    toChange: counts.toChange,
    ttlSpread: counts.ttlSpread,
    bytesToFree: counts.bytesToFree,
    samples: counts.samples,
    estimatedDurationSec: rate > 0 ? Math.ceil(counts.largestNode / rate) : 0,
    durationMs: counts.durationMs,
    walked: counts.walked,
    complete: counts.complete,
    dbs: counts.dbs,
    ...(counts.bytesUnavailable ? { bytesUnavailable: true } : {}),
    ...(replicas.length > 0 ? { replicas } : {}),
  };
}

/**
 * The target's nodes that are replicas: the dry-run reads them fine, but a run would be refused
 * there (replica-check.ts), so the preview says so up front. A node whose INFO fails is left out:
 * the run checks again before its first write.
 */
async function replicaNodes(conn: TargetConnection): Promise<{ target: string; primary: string }[]> {
  const found = await Promise.all(
    conn
      .primaries()
      .map((redis) =>
        replicaOf(redis, `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`).catch(() => undefined),
      ),
  );
  return found.filter((r) => r !== undefined);
}

export interface RecountResult {
  matched: number;
  keysWithoutTtl: number;
  keysAboveCap: number;
  toChange: number;
  durationMs: number;
  complete: boolean;
}

/**
 * The approval step's quick re-count of what the rule would change (the same read-only walk, without
 * keeping samples). Compare `toChange` with the stored dry-run's using `withinTolerance`.
 */
export async function recount(
  conn: TargetConnection,
  rule: TtlRule,
  opts: { throttle?: ThrottleOptions | false; signal?: AbortSignal } = {},
): Promise<RecountResult> {
  const c = await countRule(conn, rule, { ...opts, samples: 0 });
  return {
    matched: c.matched,
    keysWithoutTtl: c.keysWithoutTtl,
    keysAboveCap: c.keysAboveCap,
    toChange: c.toChange,
    durationMs: c.durationMs,
    complete: c.complete,
  };
}

/** |a − b| ≤ tol · max(a, b): a re-count "confirms" a dry-run (tol 0.05 = 5 %). Both 0: true. */
export function withinTolerance(a: number, b: number, tol = 0.05): boolean {
  if (!(tol >= 0)) throw new RangeError('tol must be >= 0');
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));
}

/** `coupon-unread-20260212T143500Z-3f9a1c`: sortable, readable, no ':' (job ids, Slack values). */
export function dryRunId(rule: Pick<TtlRule, 'name'>, at: Date): string {
  return `${rule.name}-${snapshotId(at)}-${randomBytes(3).toString('hex')}`;
}

interface RuleCounts {
  matched: number;
  keysWithoutTtl: number;
  keysAboveCap: number;
  toChange: number;
  ttlSpread: TtlSpread;
  bytesToFree: number;
  bytesUnavailable: boolean;
  samples: string[];
  walked: number;
  dbs: number[];
  largestNode: number;
  durationMs: number;
  complete: boolean;
}

async function countRule(
  conn: TargetConnection,
  rule: TtlRule,
  opts: {
    throttle?: ThrottleOptions | false;
    signal?: AbortSignal;
    onProgress?: (p: WalkProgress) => void;
    samples: number;
  },
): Promise<RuleCounts> {
  const matches = await serverGlob(conn, rule.match);
  const capMs = rule.ttlSec * 1000;
  const ttlSpread = Object.fromEntries(TTL_BUCKETS.map((b) => [b, 0])) as TtlSpread;
  const out = {
    matched: 0,
    keysWithoutTtl: 0,
    keysAboveCap: 0,
    toChange: 0,
    bytesToFree: 0,
    bytesUnavailable: false,
  };
  const samples: string[] = [];
  const summary = await walkKeys(
    conn,
    {
      match: rule.match,
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    (keys) => {
      for (const key of keys) {
        // SCAN MATCH already filtered; the client-side check keeps the counts the engine's.
        if (!matches(key.name)) continue;
        out.matched++;
        ttlSpread[ttlBucketOf(key.pttlMs)]++;
        if (key.pttlMs === -1) out.keysWithoutTtl++;
        else if (key.pttlMs > capMs) out.keysAboveCap++;
        if (!changesKey(rule, key.pttlMs)) continue;
        out.toChange++;
        if (key.bytes === null) out.bytesUnavailable = true;
        else out.bytesToFree += key.bytes;
        if (samples.length < opts.samples) samples.push(displayKey(key.name));
      }
    },
  );
  return {
    ...out,
    ttlSpread,
    samples,
    walked: summary.dbsize,
    dbs: walkedDbs(summary.nodes),
    largestNode: Math.max(0, ...summary.nodes.map((n) => n.dbsize)),
    durationMs: summary.durationMs,
    complete: summary.complete,
  };
}

// ---------------------------------------------------------------------------------------------

export interface DryRunStoreOptions {
  /** Key prefix on the queue Redis (`queue.prefix`). */
  prefix: string;
  /** How long a dry-run is kept. @defaultValue 7 days */
  retentionSec?: number;
  /** Dry-runs listed per cluster (older ones stay readable by id until they expire). @defaultValue 200 */
  keepPerCluster?: number;
}

/**
 * Dry-runs on the queue Redis: one JSON record per id (expires after the retention) and a per-cluster
 * index by time. Approval and execution read them back by id.
 */
export class DryRunStore {
  private readonly retentionSec: number;
  private readonly keep: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: DryRunStoreOptions,
  ) {
    this.retentionSec = Math.max(1, Math.round(options.retentionSec ?? 7 * 86_400));
    this.keep = options.keepPerCluster ?? 200;
  }

  async save(dry: DryRun): Promise<string> {
    if (dry.id.includes(':') || dry.id === '')
      throw new RangeError(`dry-run id must not contain ':' (${dry.id})`);
    const at = Date.parse(dry.at);
    const index = this.indexKey(dry.cluster);
    await this.redis
      .multi()
      .set(this.recordKey(dry.id), JSON.stringify(dry), 'EX', this.retentionSec)
      .zadd(index, Number.isFinite(at) ? at : Date.now(), dry.id)
      .zremrangebyscore(index, '-inf', String(Date.now() - this.retentionSec * 1000))
      .zremrangebyrank(index, 0, -(this.keep + 1))
      .expire(index, this.retentionSec)
      .exec();
    return dry.id;
  }

  async get(id: string): Promise<DryRun | undefined> {
    if (id.includes(':')) return undefined;
    const raw = await this.redis.get(this.recordKey(id));
    return raw ? (JSON.parse(raw) as DryRun) : undefined;
  }

  /** Newest first. */
  async list(cluster: string, limit = 20): Promise<DryRun[]> {
    const ids = await this.redis.zrevrange(this.indexKey(cluster), 0, Math.max(0, limit - 1));
    const out: DryRun[] = [];
    for (const id of ids) {
      const dry = await this.get(id);
      if (dry) out.push(dry);
    }
    return out;
  }

  /** The newest stored dry-run of a rule on a cluster. */
  async latest(cluster: string, rule: string): Promise<DryRun | undefined> {
    return (await this.list(cluster, this.keep)).find((d) => d.rule.name === rule);
  }

  private recordKey(id: string): string {
    return `${this.options.prefix}:dryrun:${id}`;
  }

  private indexKey(cluster: string): string {
    return `${this.options.prefix}:dryrun-index:${cluster}`;
  }
}
