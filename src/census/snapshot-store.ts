import type { Redis } from 'ioredis';
import type { CensusResult } from './types.js';

export interface SnapshotInfo {
  id: string;
  cluster: string;
  finishedAt: string;
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
  sampled: boolean;
  match?: string;
}

export interface SnapshotStoreOptions {
  prefix: string;
  /** Snapshots kept per cluster; older ones are dropped. @defaultValue 30 */
  keep?: number;
  /** Patterns stored per snapshot (biggest first): bounds each record. @defaultValue 2000 */
  maxPatterns?: number;
  /** @defaultValue 90 days */
  retentionDays?: number;
}

/**
 * Census results on the queue Redis, per cluster, timestamped, bounded in count and size, so a
 * later census can say what grew during a burst without rescanning history.
 */
export class SnapshotStore {
  private readonly keep: number;
  private readonly maxPatterns: number;
  private readonly retentionSec: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: SnapshotStoreOptions,
  ) {
    this.keep = options.keep ?? 30;
    this.maxPatterns = options.maxPatterns ?? 2000;
    this.retentionSec = Math.round((options.retentionDays ?? 90) * 86_400);
  }

  async save(result: CensusResult): Promise<string> {
    const finished = new Date(result.finishedAt);
    const stored: CensusResult = { ...result, patterns: result.patterns.slice(0, this.maxPatterns) };
    const json = JSON.stringify(stored);
    // Two censuses can finish within one second (ids have second resolution): the second one gets
    // `-2`, `-3`… instead of overwriting the first (SET NX claims the id).
    const base = snapshotId(finished);
    let id = base;
    for (let n = 2; ; n++) {
      const claimed = await this.redis.set(
        this.recordKey(result.cluster, id),
        json,
        'EX',
        this.retentionSec,
        'NX',
      );
      if (claimed) break;
      id = `${base}-${n}`;
    }
    const index = this.indexKey(result.cluster);
    await this.redis.multi().zadd(index, finished.getTime(), id).expire(index, this.retentionSec).exec();
    const dropped = await this.redis.zrange(index, 0, -(this.keep + 1));
    if (dropped.length > 0) {
      await this.redis
        .multi()
        .zrem(index, ...dropped)
        .del(...dropped.map((d) => this.recordKey(result.cluster, d)))
        .exec();
    }
    return id;
  }

  /** Newest first. */
  async list(cluster: string, limit = this.keep): Promise<SnapshotInfo[]> {
    const ids = await this.redis.zrevrange(this.indexKey(cluster), 0, limit - 1);
    const out: SnapshotInfo[] = [];
    for (const id of ids) {
      const result = await this.get(cluster, id);
      if (!result) continue;
      out.push({
        id,
        cluster,
        finishedAt: result.finishedAt,
        totalKeys: result.totalKeys,
        totalKeysWithoutTtl: result.totalKeysWithoutTtl,
        totalBytes: result.totalBytes,
        sampled: result.sampled,
        ...(result.match ? { match: result.match } : {}),
      });
    }
    return out;
  }

  /** The id of the newest snapshot, without reading it (one ZREVRANGE). */
  async latestId(cluster: string): Promise<string | undefined> {
    const [id] = await this.redis.zrevrange(this.indexKey(cluster), 0, 0);
    return id;
  }

  async get(cluster: string, id: string): Promise<CensusResult | undefined> {
    const raw = await this.redis.get(this.recordKey(cluster, id));
    return raw ? (JSON.parse(raw) as CensusResult) : undefined;
  }

  /** The newest snapshot before `id` (or the newest two when `id` is omitted: [older, newer]). */
  async previous(cluster: string, id: string): Promise<CensusResult | undefined> {
    const ids = await this.redis.zrevrange(this.indexKey(cluster), 0, -1);
    const i = ids.indexOf(id);
    const prev = i >= 0 ? ids[i + 1] : undefined;
    return prev ? this.get(cluster, prev) : undefined;
  }

  private indexKey(cluster: string): string {
    return `${this.options.prefix}:census:${cluster}:index`;
  }
  private recordKey(cluster: string, id: string): string {
    return `${this.options.prefix}:census:${cluster}:snap:${id}`;
  }
}

/** `20261126T145500Z`: sortable, readable, and free of ':' so it can sit in keys and job ids. */
export function snapshotId(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
