/**
 * One TTL run per target cluster at a time, whatever starts it (the CLI, or a Slack-approved run in
 * any worker replica): a lease on the queue Redis, `<prefix>:ttl-lock:<cluster>`, held while the
 * run walks. Two runs at once would give the target twice its keys/s budget.
 *
 * The lease expires on its own (LEASE_MS) unless its holder renews it, so a killed process blocks
 * the cluster for at most that long; only its holder extends or releases it (compare-and-set on the
 * exact value), so a late release never frees another run's lease. The same owner (a resumed job,
 * same run id) takes its own lease back.
 */
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';

/** How long a lease outlives its last renewal: long enough for a slow page, short enough after a kill. */
export const LEASE_MS = 30_000;

/** Who holds a cluster's lease, as stored in it. */
export interface LeaseHolder {
  /** The run id (CLI: `cli-…`; Slack: the approved run's id). */
  owner: string;
  /** Epoch ms when the holder took the lease. */
  startedAt: number;
  /** Who started it: a Slack user id or `cli:<user>`. */
  actor: string;
  via: 'cli' | 'slack';
}

export interface LeaseOptions {
  prefix: string;
  cluster: string;
  holder: LeaseHolder;
  /** @defaultValue LEASE_MS */
  leaseMs?: number;
}

export type AcquireResult = { ok: true; lease: RunLease } | { ok: false; holder: LeaseHolder };

export function leaseKey(prefix: string, cluster: string): string {
  return `${prefix}:ttl-lock:${cluster}`;
}

/** Parses a stored lease value; an unreadable one is still someone's (shown as an unknown owner). */
function parseHolder(value: string): LeaseHolder {
  try {
    const v = JSON.parse(value) as Partial<LeaseHolder>;
    return {
      owner: typeof v.owner === 'string' ? v.owner : '?',
      startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0,
      actor: typeof v.actor === 'string' ? v.actor : '?',
      via: v.via === 'slack' ? 'slack' : 'cli',
    };
  } catch {
    return { owner: '?', startedAt: 0, actor: '?', via: 'cli' };
  }
}

/** A held lease: renew it while the run goes on, release it when the run ends. */
export class RunLease {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    /** The exact stored value: what renew and release compare against. */
    private readonly value: string,
    readonly holder: LeaseHolder,
    private readonly leaseMs: number,
  ) {}

  /** Takes the cluster's lease, or says who holds it. */
  static async acquire(redis: Redis, opts: LeaseOptions): Promise<AcquireResult> {
    const key = leaseKey(opts.prefix, opts.cluster);
    const leaseMs = opts.leaseMs ?? LEASE_MS;
    const wanted = JSON.stringify(opts.holder);
    const held = String(
      await redis.eval(luaScript('lease-acquire'), 1, key, opts.holder.owner, wanted, leaseMs),
    );
    const holder = parseHolder(held);
    if (holder.owner !== opts.holder.owner) return { ok: false, holder };
    return { ok: true, lease: new RunLease(redis, key, held, holder, leaseMs) };
  }

  /** Extends the lease; false when it is no longer ours (it expired and another run took it). */
  async renew(): Promise<boolean> {
    const n = await this.redis.eval(luaScript('pexpire-if-equals'), 1, this.key, this.value, this.leaseMs);
    return Number(n) === 1;
  }

  /**
   * Renews every third of the lease until release; `onLost` runs once if the lease is found gone
   * (the run must stop: another may be writing). A failed renewal call is tried again next tick.
   */
  keepAlive(onLost: () => void): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        void this.renew()
          .then((ours) => {
            if (!ours && this.timer) {
              this.stop();
              onLost();
            }
          })
          .catch(() => {});
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** Releases the lease if it is still ours. */
  async release(): Promise<void> {
    this.stop();
    await this.redis.eval(luaScript('delete-if-equals'), 1, this.key, this.value);
  }

  /** Stops renewing without releasing: another holder of the same lease (a takeover) keeps it. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
