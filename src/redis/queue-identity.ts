/**
 * Refuses a remediation target that is the server the bot's own queue Redis lives on. URLs can't
 * tell: `localhost`, `127.0.0.1` and `[::1]`, a DNS alias, a load balancer name or another DB
 * number all reach the same server. So the live servers are compared: INFO server `run_id` of every
 * node of the target (primaries and replicas of a cluster) against the queue's. The same server is
 * refused whatever DB either URL names: the queue, audit log and approvals share its memory (a
 * memory incident on the target is one on the queue) and a DB-less target URL walks every DB.
 *
 * A server that hides `run_id` (some proxies) is compared by resolved address and port instead,
 * the best that can be done without it.
 */

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Cluster, type Redis } from 'ioredis';
import { hostPort } from '../config/redis-url.js';
import { ErrorCode, MedicError } from '../errors.js';
import { serverFacts } from '../keyspace/server-facts.js';
import type { TargetConnection } from './connect.js';
import { classifyRedisError } from './errors.js';

/** One server as the check sees it. */
interface ServerIdentity {
  /** host:port, safe to show. */
  address: string;
  host: string;
  port: number;
  runId: string;
}

/**
 * Throws `queue_is_target` when any node of `conn` is the server `queue` is connected to. Call it
 * before the first command that reads keys for a remediation: nothing has been written then.
 */
export async function assertNotQueueServer(conn: TargetConnection, queue: Redis): Promise<void> {
  const [queueId, targets] = await Promise.all([
    identify(queue),
    Promise.all(targetNodes(conn).map((node) => identify(node))),
  ]);
  for (const target of targets) {
    if (await sameServer(target, queueId)) {
      throw new MedicError(
        ErrorCode.QueueIsTarget,
        { target: conn.address, queue: queueId.address, runId: queueId.runId || '?' },
        `target ${target.address} is the queue Redis ${queueId.address}`,
      );
    }
  }
}

/** Every server behind the target: a cluster's primaries and replicas, else the one server. */
function targetNodes(conn: TargetConnection): Redis[] {
  return conn.client instanceof Cluster ? conn.client.nodes('all') : conn.primaries();
}

async function identify(node: Redis): Promise<ServerIdentity> {
  const host = node.options.host ?? '127.0.0.1';
  const port = node.options.port ?? 6379;
  const address = hostPort(host, port);
  let info: string;
  try {
    info = await node.info('server');
  } catch (err) {
    throw classifyRedisError(err, address);
  }
  const runId = serverFacts(info).runId ?? '';
  return { address, host, port, runId };
}

async function sameServer(a: ServerIdentity, b: ServerIdentity): Promise<boolean> {
  if (a.runId !== '' && b.runId !== '') return a.runId === b.runId;
  if (a.port !== b.port) return false;
  const [ia, ib] = await Promise.all([addresses(a.host), addresses(b.host)]);
  return ia.some((x) => ib.includes(x));
}

/** The addresses a host name resolves to; every loopback address counts as one. */
async function addresses(host: string): Promise<string[]> {
  const ips = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (r) => r.map((x) => x.address),
        () => [host],
      );
  return ips.map((ip) =>
    ip === '::1' || ip.startsWith('127.') || ip === '::ffff:127.0.0.1' ? 'loopback' : ip,
  );
}
