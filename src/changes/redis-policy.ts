/**
 * `maxmemory-policy` on a Redis or Valkey the bot connects to (self-hosted): read from INFO (which
 * needs no CONFIG), whether CONFIG answers at all, and CONFIG SET followed by CONFIG GET on every
 * primary (every node of a Redis Cluster). ElastiCache disables CONFIG and hardened servers rename it: that is a refusal, never a
 * retry.
 */
import { Cluster, type Redis } from 'ioredis';
import type { ClusterConfig } from '../config/types.js';
import { serverFacts } from '../keyspace/server-facts.js';
import { connectTarget, type TargetConnection } from '../redis/connect.js';
import type { RedisPolicyAccess } from './ports.js';

export interface RedisPolicyOptions {
  connectTimeoutMs?: number;
  /** Checked on every connection before anything is read or written (the queue's own server is refused). */
  guard?: (conn: TargetConnection) => Promise<void>;
}

export function redisPolicyAccess(options: RedisPolicyOptions = {}): RedisPolicyAccess {
  const withConn = async <T>(
    cluster: ClusterConfig,
    fn: (conn: TargetConnection) => Promise<T>,
  ): Promise<T> => {
    const conn = await connectTarget(cluster, {
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    });
    try {
      await options.guard?.(conn);
      return await fn(conn);
    } finally {
      await conn.close().catch(() => {});
    }
  };
  return {
    read: (cluster) =>
      withConn(cluster, async (conn) => {
        const primaries = conn.primaries();
        const facts = await Promise.all(
          // The replication section says whether the URL reached a replica (role).
          primaries.map(async (node) =>
            serverFacts(`${await node.info('memory')}\r\n${await node.info('replication')}`),
          ),
        );
        const used = facts.map((f) => f.usedMemory).filter((v): v is number => v !== undefined);
        const first = primaries[0];
        return {
          policy: facts[0]?.maxmemoryPolicy,
          usedBytes: used.length > 0 ? Math.max(...used) : undefined,
          config: first ? (await configAnswers(first)) && (await configSetAllowed(primaries)) : false,
          address: conn.address,
          replica: facts.some((f) => f.role === 'slave'),
        };
      }),
    set: (cluster, policy) =>
      withConn(cluster, async (conn) => {
        const values: string[] = [];
        const changed: string[] = [];
        const setOn = async (node: Redis) => {
          try {
            await node.config('SET', 'maxmemory-policy', policy);
          } catch (err) {
            // Nodes before this one already run the new policy: say which, never "nothing changed".
            if (changed.length > 0) throw new PartialPolicyChange(changed, addressOf(node), err);
            throw err;
          }
          changed.push(addressOf(node));
          values.push(await configValue(node));
        };
        // In address order, so a report (and a retry by hand) lists the nodes the same way each time.
        for (const node of [...conn.primaries()].sort(byAddress)) await setOn(node);
        // In a Redis Cluster the replicas too: a failover must not bring the old policy back.
        if (conn.client instanceof Cluster) {
          for (const replica of (await clusterReplicas(conn.primaries())).sort(byAddress)) {
            try {
              await replica.connect();
              await setOn(replica);
            } finally {
              replica.disconnect();
            }
          }
        }
        return { values };
      }),
  };
}

/** CONFIG SET failed on `failed` after `changed` (host:port each) had taken the new policy. */
// Internal: jobs/changes/processor.ts turns it into the `partial_change` refusal naming the nodes; never reaches a person.
export class PartialPolicyChange extends Error {
  constructor(
    readonly changed: string[],
    readonly failed: string,
    cause: unknown,
  ) {
    super(`CONFIG SET failed on ${failed} after ${changed.join(', ')}`, { cause });
    this.name = 'PartialPolicyChange';
  }
}

const addressOf = (node: Redis) => `${node.options.host}:${node.options.port}`;

function byAddress(a: Redis, b: Redis): number {
  const ha = a.options.host ?? '';
  const hb = b.options.host ?? '';
  return ha !== hb ? (ha < hb ? -1 : 1) : (a.options.port ?? 0) - (b.options.port ?? 0);
}

/**
 * The replicas CLUSTER NODES lists, as clients with the primaries' own options (credentials, TLS).
 * Nodes marked failed or without an address are skipped.
 */
async function clusterReplicas(primaries: Redis[]): Promise<Redis[]> {
  const first = primaries[0];
  if (!first) return [];
  const text = String(await first.call('CLUSTER', 'NODES'));
  const out: Redis[] = [];
  for (const line of text.split('\n')) {
    const [, address, flags] = line.split(' ');
    const roles = (flags ?? '').split(',');
    if (!address || !roles.includes('slave') || roles.some((r) => /fail|noaddr/.test(r))) continue;
    const hostPort = address.split('@')[0] ?? '';
    const at = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, at);
    const port = Number(hostPort.slice(at + 1));
    if (!host || !Number.isInteger(port)) continue;
    out.push(first.duplicate({ host, port, lazyConnect: true }));
  }
  return out;
}

/** CONFIG GET works (not disabled, renamed, or denied by an ACL). */
async function configAnswers(node: Redis): Promise<boolean> {
  try {
    await configValue(node);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the ACL lets this user run CONFIG SET maxmemory-policy, asked without writing anything:
 * ACL DRYRUN (Redis 7+, Valkey). A server without it (Redis 6), or one that denies ACL itself to
 * this user, cannot say: CONFIG GET answering is then all planning knows (as before DRYRUN).
 */
async function configSetAllowed(nodes: Redis[]): Promise<boolean> {
  for (const node of nodes) {
    let user: string;
    let verdict: unknown;
    try {
      user = String(await node.call('ACL', 'WHOAMI'));
      verdict = await node.call('ACL', 'DRYRUN', user, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    } catch {
      continue;
    }
    // "OK" when allowed; otherwise a text saying which permission is missing.
    if (String(verdict) !== 'OK') return false;
  }
  return true;
}

async function configValue(node: Redis): Promise<string> {
  const reply = (await node.config('GET', 'maxmemory-policy')) as unknown;
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : '';
}
