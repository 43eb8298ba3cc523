/**
 * The sampler's connections to the monitored clusters, one per cluster, kept across ticks: a new
 * connection every tick would cost the target a TCP (and TLS) handshake and an AUTH a minute, and
 * fill its `total_connections_received`. A connection is replaced when it has dropped or a read on
 * it failed (the next tick reconnects), closed when its cluster leaves the config, when unused for
 * `idleMs`, and on shutdown.
 */
import { type ConnectOptions, connectTarget, type TargetConnection } from '../redis/connect.js';
import { inspectRedis } from '../redis/inspect.js';
import type { RedisSnapshot } from '../redis/snapshot.js';
import type { StatusTarget } from '../status/check-status.js';

interface Held {
  /** What the connection was made for: a changed config entry gets a new connection. */
  identity: string;
  conn: Promise<TargetConnection>;
  /** The connection once made, to see whether it is still open. */
  ready?: TargetConnection;
  idle?: NodeJS.Timeout;
}

/** A connection unused this long is closed (a cluster sampled rarely holds none in between). */
export const DEFAULT_IDLE_MS = 10 * 60_000;

export class TargetConnections {
  private readonly held = new Map<string, Held>();
  private closed = false;

  constructor(private readonly options: { connect?: ConnectOptions; idleMs?: number } = {}) {}

  /** INFO of every primary of `target`, on its kept connection. */
  async read(target: StatusTarget): Promise<RedisSnapshot> {
    if (this.closed) return readOnce(target, this.options.connect);
    const held = this.acquire(target);
    try {
      const snapshot = await inspectRedis(await held.conn);
      this.armIdle(target.name, held);
      return snapshot;
    } catch (err) {
      // A failed read leaves the connection in doubt: the next tick starts a fresh one.
      this.drop(target.name, held);
      throw err;
    }
  }

  /** Closes the connections of clusters not in `names` (removed from the config). */
  keepOnly(names: ReadonlySet<string>): void {
    for (const [name, held] of this.held) if (!names.has(name)) this.drop(name, held);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.held.entries()];
    for (const [name, held] of all) this.drop(name, held);
    await Promise.all(all.map(([, h]) => h.conn.then((c) => c.close()).catch(() => {})));
  }

  private acquire(target: StatusTarget): Held {
    const identity = JSON.stringify([target.url, target.mode, target.username, target.password, target.tls]);
    const existing = this.held.get(target.name);
    if (existing && existing.identity === identity && !ended(existing)) return existing;
    if (existing) this.drop(target.name, existing);
    const held: Held = { identity, conn: connectTarget(target, this.options.connect) };
    held.conn.then(
      (c) => {
        held.ready = c;
      },
      () => {}, // a failed connect is the read's error; here it must not be unhandled
    );
    this.held.set(target.name, held);
    return held;
  }

  private armIdle(name: string, held: Held): void {
    if (held.idle) clearTimeout(held.idle);
    held.idle = setTimeout(() => this.drop(name, held), this.options.idleMs ?? DEFAULT_IDLE_MS);
    held.idle.unref();
  }

  private drop(name: string, held: Held): void {
    if (held.idle) clearTimeout(held.idle);
    if (this.held.get(name) === held) this.held.delete(name);
    held.conn.then((c) => c.close()).catch(() => {});
  }
}

/**
 * INFO of every primary on a connection of its own, closed at once: for callers that keep none
 * (the CLI, one-off ticks) and for a tick still running at shutdown.
 */
export async function readOnce(target: StatusTarget, connect?: ConnectOptions): Promise<RedisSnapshot> {
  const conn = await connectTarget(target, connect);
  try {
    return await inspectRedis(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** The client gave up (no retries by design): the server closed it, or it never connected. */
function ended(held: Held): boolean {
  const status = held.ready?.client.status;
  return status === 'end' || status === 'close';
}
