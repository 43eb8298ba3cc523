/**
 * Free loopback ports for local servers, and the reservations that keep parallel starts in this
 * process from picking each other's ports (a cluster node also needs its bus port, port + 10000).
 */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { LOCAL_HOST } from './types.js';

export const CLUSTER_BUS_OFFSET = 10_000;

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: LOCAL_HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return listenOnce(0);
}

// Ports handed to our own servers; parallel starts in this process must not pick each other's.
const reservedPorts = new Set<number>();

/** A port below 55000 whose cluster bus port (port + 10000) is free too. */
export async function findFreeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(20_000, 55_000);
    const bus = port + CLUSTER_BUS_OFFSET;
    if ([port, bus].some((p) => reservedPorts.has(p))) continue;
    try {
      await listenOnce(port);
      await listenOnce(bus);
      return port;
    } catch {
      // Taken: try another.
    }
  }
  throw new Error('no free port pair (port, port + 10000) found on 127.0.0.1');
}

/** Holds `ports` until the returned release runs, so no other start in this process picks them. */
export function reservePorts(ports: readonly number[]): () => void {
  for (const p of ports) reservedPorts.add(p);
  return () => {
    for (const p of ports) reservedPorts.delete(p);
  };
}
