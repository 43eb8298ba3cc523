/**
 * The bot's own memory history on the queue Redis: one sorted set per cluster, scored by the
 * sample's time, members in the compact form of sample.ts. Every write trims what is older than the
 * retention, so the set stays bounded without a clean-up job; the key expires a day after the last
 * write, so a cluster removed from the config leaves nothing behind.
 */
import type { Redis } from 'ioredis';
import { decodeSample, encodeSample, type MonitoringSample } from './sample.js';

export interface HistoryStoreOptions {
  prefix: string;
  /** @defaultValue 14 */
  retentionDays?: number;
}

export class HistoryStore {
  private readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: HistoryStoreOptions,
  ) {
    this.retentionMs = (options.retentionDays ?? 14) * 86_400_000;
  }

  /** Stores a sample; a second sample for the same time (a tick run again) replaces the first. */
  async add(cluster: string, sample: MonitoringSample): Promise<void> {
    const key = this.key(cluster);
    await this.redis
      .multi()
      .zremrangebyscore(key, sample.at, sample.at)
      .zadd(key, sample.at, encodeSample(sample))
      .zremrangebyscore(key, '-inf', `(${sample.at - this.retentionMs}`)
      .pexpire(key, this.retentionMs + 86_400_000)
      .exec();
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
