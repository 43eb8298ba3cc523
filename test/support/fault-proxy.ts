/**
 * A TCP proxy on 127.0.0.1 that a test controls, put between the bot and a redis-server: it can
 * drop every open connection at once (as a NAT timeout or a failover does), or stall them (bytes
 * are held, not forwarded, until `resume()`; new connections are accepted but also held), the way a
 * congested link or a frozen server looks from the client.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  /** Connect here instead of the server's port. */
  port: number;
  /** `redis://127.0.0.1:<port>` (plus `/db` when given). */
  url(db?: number): string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Destroys every open connection (both sides). New connections are still accepted. */
  dropAll(): number;
  /** Holds all traffic in both directions until {@link resume}. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  let accepted = 0;
  const setPaused = (p: Pair, paused: boolean) => {
    for (const s of [p.client, p.server]) {
      if (paused) s.pause();
      else s.resume();
    }
  };
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair: Pair = { client, server: upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    if (stalled) setPaused(pair, true);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');
  const port = address.port;
  return {
    port,
    url: (db) => `redis://127.0.0.1:${port}${db === undefined ? '' : `/${db}`}`,
    accepted: () => accepted,
    dropAll() {
      const n = pairs.size;
      for (const p of [...pairs]) {
        p.client.destroy();
        p.server.destroy();
      }
      pairs.clear();
      return n;
    },
    stall() {
      stalled = true;
      for (const p of pairs) setPaused(p, true);
    },
    resume() {
      stalled = false;
      for (const p of pairs) setPaused(p, false);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.server.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
