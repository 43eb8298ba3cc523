/**
 * The bot's own memory history on the queue Redis: one sorted set per cluster, scored by the
 * sample's time, members in the compact form of sample.ts. Every write (one Lua call) trims what is
 * older than the retention and thins points older than the full-resolution period to one per
 * coarse step (default: every sample for 2 days, then one per 5 minutes), so the set stays bounded
 * without a clean-up job; the key expires a day after the last write, so a cluster removed from the
 * config leaves nothing behind.
 */
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';
import { decodeSample, encodeSample, type MonitoringSample } from './sample.js';

export interface HistoryStoreOptions {
  prefix: string;
  /** @defaultValue 14 */
  retentionDays?: number;
  /** Every sample is kept this long; older ones are thinned. @defaultValue 2 */
  fullResolutionDays?: number;
  /** One point per this many ms past the full-resolution period. @defaultValue 5 minutes */
  coarseStepMs?: number;
}

/** How far back each write looks for points that just left the full-resolution period. */
const THIN_LOOKBACK_MS = 15 * 60_000;

export class HistoryStore {
  private readonly retentionMs: number;
  private readonly fullMs: number;
  private readonly stepMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: HistoryStoreOptions,
  ) {
    this.retentionMs = (options.retentionDays ?? 14) * 86_400_000;
    this.fullMs = Math.min(this.retentionMs, (options.fullResolutionDays ?? 2) * 86_400_000);
    this.stepMs = options.coarseStepMs ?? 300_000;
  }

  /** Stores a sample; a second sample for the same time (a tick run again) replaces the first. */
  async add(cluster: string, sample: MonitoringSample): Promise<void> {
    const thinTo = sample.at - this.fullMs;
    await this.redis.eval(
      luaScript('history-add'),
      1,
      this.key(cluster),
      sample.at,
      encodeSample(sample),
      sample.at - this.retentionMs,
      thinTo - THIN_LOOKBACK_MS,
      thinTo,
      this.stepMs,
      this.retentionMs + 86_400_000,
    );
  }

  /** Samples with `from <= at <= to`, oldest first. */
  async range(cluster: string, from: number, to: number): Promise<MonitoringSample[]> {
    const members = await this.redis.zrangebyscore(this.key(cluster), from, to);
    return members.map(decodeSample).filter((s): s is MonitoringSample => s !== undefined);
  }

  /** The newest `count` samples, oldest first. */
  async latest(cluster: string, count = 1): Promise<MonitoringSample[]> {
    const members = await this.redis.zrange(this.key(cluster), -count, -1);
    return members.map(decodeSample).filter((s): s is MonitoringSample => s !== undefined);
  }

  key(cluster: string): string {
    return `${this.options.prefix}:monitor:history:${cluster}`;
  }
}
