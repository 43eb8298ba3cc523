/**
 * Alert state per cluster on the queue Redis, changed only by compare-and-set: of two replicas (or
 * a tick run twice) that compute the same transition, one wins the write and only the winner posts.
 * A restart reads the state back, so a state already announced is never announced again.
 */
import type { Redis } from 'ioredis';
import { luaScript } from '../keyspace/lua.js';
import { type AlertState, INITIAL_ALERT_STATE } from './alert-machine.js';

/** A cluster not sampled for 30 days (removed from the config) leaves no state behind. */
const STATE_TTL_SEC = 30 * 86_400;

export interface StoredAlertState {
  state: AlertState;
  /** The raw value read, the compare half of the compare-and-set (null: no state yet). */
  raw: string | null;
}

export class AlertStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async read(cluster: string): Promise<StoredAlertState> {
    const raw = await this.redis.get(this.key(cluster));
    return { state: raw ? parseState(raw) : { ...INITIAL_ALERT_STATE }, raw };
  }

  /** Writes `next` only if the stored value is still `expected`; true when this call wrote it. */
  async compareAndSet(cluster: string, expected: string | null, next: AlertState): Promise<boolean> {
    const won = await this.redis.eval(
      luaScript('compare-and-set'),
      1,
      this.key(cluster),
      expected ?? '',
      JSON.stringify(next),
      STATE_TTL_SEC,
    );
    return won === 1;
  }

  key(cluster: string): string {
    return `${this.prefix}:monitor:alert:${cluster}`;
  }
}

function parseState(raw: string): AlertState {
  try {
    const parsed = JSON.parse(raw) as Partial<AlertState>;
    if (typeof parsed.level === 'string' && typeof parsed.lastAt === 'number') {
      return { ...INITIAL_ALERT_STATE, ...parsed } as AlertState;
    }
  } catch {
    // fall through: an unreadable state starts over rather than stopping every alert
  }
  return { ...INITIAL_ALERT_STATE };
}
