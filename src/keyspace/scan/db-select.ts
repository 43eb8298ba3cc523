/**
 * SELECT on a walked connection, and back. A standalone server's DBs are walked one after the
 * other on the caller's connection, which is put back on the DB it was on afterwards; a cluster
 * node has only DB 0 and is never switched.
 */
import type { Redis } from 'ioredis';
import { selectDb } from './select-command.js';

/** The DB the connection is on: ioredis tracks SELECTs in `condition.select`; else its `db` option. */
export function currentDb(node: Redis): number {
  const condition = (node as unknown as { condition?: { select?: unknown } }).condition;
  const selected = condition?.select;
  return typeof selected === 'number' ? selected : (node.options.db ?? 0);
}

/** Every server call of a walk goes through its caller's wrapper (a deadline, say). */
export type CallWrapper = <T>(call: Promise<T>) => Promise<T>;

const direct: CallWrapper = (call) => call;
const RESTORE_TIMEOUT_MS = 2000;

export class DbSelector {
  /** The DB the connection was on before the walk (ioredis' own bookkeeping, else its `db` option). */
  readonly originalDb: number;
  private selectedDb: number | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly o: { cluster: boolean; call?: CallWrapper; originalDb?: number },
  ) {
    this.originalDb = o.originalDb ?? currentDb(redis);
  }

  /** Puts the connection on `db` (a no-op on a cluster node and when it is there already). */
  async switchTo(db: number): Promise<void> {
    if (this.o.cluster || this.selectedDb === db) return;
    // Already there: no SELECT (an ACL user may lack it, and a DB-0-only server never needs it).
    if (this.selectedDb === undefined && db === this.originalDb) {
      this.selectedDb = db;
      return;
    }
    await (this.o.call ?? direct)(selectDb(this.redis, db));
    this.selectedDb = db;
  }

  /** Back to the DB the connection was on; best effort (the connection may be gone), bounded in time. */
  async restore(): Promise<void> {
    if (this.o.cluster || this.selectedDb === undefined || this.selectedDb === this.originalDb) return;
    if (this.redis.status !== 'ready') return;
    try {
      const done = await withTimeout(selectDb(this.redis, this.originalDb), RESTORE_TIMEOUT_MS);
      if (done !== undefined) this.selectedDb = this.originalDb;
    } catch {
      // Best effort.
    }
  }
}

/** `promise`, or undefined when it has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
