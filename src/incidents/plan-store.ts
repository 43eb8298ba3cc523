/**
 * TTL plans on the queue Redis: a plan is the set of one cluster's dry-runs (one per rule, in run
 * order) shown together in a channel, so that one approval can cover them all. The newest plan of a
 * cluster in a channel is what its "Request approval" asks for.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface PlanRecord {
  /** `plan-<hex>`: no `:` (job ids, Slack values). */
  id: string;
  cluster: string;
  channel: string;
  /** Who ran the plan's dry-run. */
  by: string;
  /** ISO time the plan was put together. */
  at: string;
  /** The dry-runs, in the order the rules run. */
  dryRunIds: string[];
}

export class PlanStore {
  private readonly retentionSec: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; retentionSec?: number },
  ) {
    this.retentionSec = options.retentionSec ?? 7 * 86_400;
  }

  async save(input: Omit<PlanRecord, 'id'>): Promise<PlanRecord> {
    const plan: PlanRecord = { ...input, id: `plan-${randomBytes(6).toString('hex')}` };
    await this.redis
      .multi()
      .set(this.key(plan.id), JSON.stringify(plan), 'EX', this.retentionSec)
      .set(this.latestKey(plan.cluster, plan.channel), plan.id, 'EX', this.retentionSec)
      .exec();
    return plan;
  }

  async get(id: string): Promise<PlanRecord | undefined> {
    if (!/^plan-[0-9a-f]{1,32}$/.test(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as PlanRecord) : undefined;
  }

  /** The newest plan of `cluster` dry-run in `channel`. */
  async latest(cluster: string, channel: string): Promise<PlanRecord | undefined> {
    const id = await this.redis.get(this.latestKey(cluster, channel));
    return id ? this.get(id) : undefined;
  }

  private key(id: string): string {
    return `${this.options.prefix}:ttl-plan:${id}`;
  }

  private latestKey(cluster: string, channel: string): string {
    return `${this.options.prefix}:ttl-plan-latest:${cluster}:${channel}`;
  }
}
