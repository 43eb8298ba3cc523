/**
 * One replica per primary for a local Redis Cluster (src/demo/local-redis.ts forms primaries only),
 * and a manual failover: for tests of what a run does when a replica is promoted between attempts.
 */
import { Redis } from 'ioredis';
import {
  findFreeClusterPort,
  LOCAL_HOST,
  type LocalRedis,
  type LocalRedisCluster,
  startLocalRedis,
} from '../../src/demo/local-redis.js';
import { waitFor } from './wait-for.js';

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export interface Replica {
  server: LocalRedis;
  client: Redis;
  primaryPort: number;
}

/** Starts one cluster-enabled server per primary, makes it that primary's replica, waits until in sync. */
export async function addReplicas(cluster: LocalRedisCluster): Promise<Replica[]> {
  const out: Replica[] = [];
  const seed = cluster.nodes[0] as { port: number };
  for (const primary of cluster.nodes) {
    const port = await findFreeClusterPort();
    const server = await startLocalRedis({
      port,
      args: [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-replica-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ],
    });
    const client = new Redis(server.port, LOCAL_HOST);
    out.push({ server, client, primaryPort: primary.port });
    const p = new Redis(primary.port, LOCAL_HOST);
    try {
      const primaryId = String(await p.call('CLUSTER', 'MYID'));
      await client.call('CLUSTER', 'MEET', LOCAL_HOST, String(seed.port));
      await waitFor(
        `node ${port} to learn ${primaryId}`,
        async () => String(await client.call('CLUSTER', 'NODES')).includes(primaryId),
        { timeoutMs: 30_000, ignoreErrors: true },
      );
      await client.call('CLUSTER', 'REPLICATE', primaryId);
    } finally {
      p.disconnect();
    }
  }
  for (const r of out) {
    await waitFor(
      `replica ${r.server.port} in sync`,
      async () => {
        const info = await r.client.info('replication');
        return field(info, 'master_link_status') === 'up' && field(info, 'master_sync_in_progress') === '0';
      },
      { timeoutMs: 60_000, ignoreErrors: true },
    );
  }
  return out;
}

/** Waits until every replica has applied everything its primary has written so far. */
export async function replicasCaughtUp(replicas: readonly Replica[]): Promise<void> {
  for (const r of replicas) {
    const p = new Redis(r.primaryPort, LOCAL_HOST);
    try {
      const offset = Number(field(await p.info('replication'), 'master_repl_offset'));
      await waitFor(
        `replica ${r.server.port} at offset ${offset}`,
        async () => {
          const info = await r.client.info('replication');
          return Number(field(info, 'slave_repl_offset')) >= offset;
        },
        { timeoutMs: 30_000, ignoreErrors: true },
      );
    } finally {
      p.disconnect();
    }
  }
}

/** CLUSTER FAILOVER on the replica (the coordinated kind: it catches up first); waits until it is primary and the cluster is ok. */
export async function failover(replica: Replica, cluster: LocalRedisCluster): Promise<void> {
  await replica.client.call('CLUSTER', 'FAILOVER');
  await waitFor(
    `replica ${replica.server.port} promoted`,
    async () => {
      return field(await replica.client.info('replication'), 'role') === 'master';
    },
    { timeoutMs: 30_000, ignoreErrors: true },
  );
  const ports = [...cluster.nodes.map((n) => n.port), replica.server.port];
  await waitFor(
    'cluster_state:ok everywhere after the failover',
    async () => {
      for (const port of ports) {
        const c = new Redis(port, LOCAL_HOST, { lazyConnect: true });
        try {
          await c.connect();
          const info = String(await c.call('CLUSTER', 'INFO'));
          if (field(info, 'cluster_state') !== 'ok') return false;
          const nodes = String(await c.call('CLUSTER', 'NODES'));
          const self = nodes.split('\n').find((l) => l.includes(`:${replica.server.port}@`));
          if (!self?.includes('master')) return false;
        } finally {
          c.disconnect();
        }
      }
      return true;
    },
    { timeoutMs: 30_000, ignoreErrors: true },
  );
}
