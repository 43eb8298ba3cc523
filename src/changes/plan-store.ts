// Change plans on the bot's queue Redis: the approval request points at one by id, like a TTL request at its dry-run.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CHANGE_KINDS, type ChangePlan } from './types.js';

/** `chg-` and 16 hex digits: unguessable, and safe in keys and job ids. */
export function newPlanId(): string {
  return `chg-${randomBytes(8).toString('hex')}`;
}

export function isPlanId(id: string): boolean {
  return /^chg-[0-9a-f]{16}$/.test(id);
}

export class ChangePlanStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; retentionSec?: number },
  ) {}

  async save(plan: ChangePlan): Promise<void> {
    if (!isPlanId(plan.id)) throw new RangeError(`not a change plan id: ${plan.id}`);
    await this.redis.set(
      this.key(plan.id),
      JSON.stringify(plan),
      'EX',
      this.options.retentionSec ?? 30 * 86_400,
    );
  }

  async get(id: string): Promise<ChangePlan | undefined> {
    if (!isPlanId(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return undefined;
    const plan = JSON.parse(raw) as ChangePlan;
    return (CHANGE_KINDS as readonly string[]).includes(plan.kind) ? plan : undefined;
  }

  /** The open request of this kind on this cluster, as last recorded (its state is checked by the caller). */
  async openRequest(cluster: string, kind: string): Promise<string | undefined> {
    return (await this.redis.get(this.openKey(cluster, kind))) ?? undefined;
  }

  async setOpenRequest(cluster: string, kind: string, requestId: string, ttlSec: number): Promise<void> {
    await this.redis.set(this.openKey(cluster, kind), requestId, 'EX', Math.max(1, Math.round(ttlSec)));
  }

  private openKey(cluster: string, kind: string): string {
    return `${this.options.prefix}:change-open:${kind}:${cluster}`;
  }

  private key(id: string): string {
    return `${this.options.prefix}:change-plan:${id}`;
  }
}
