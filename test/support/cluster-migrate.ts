/**
 * Moves one hash slot between primaries of a local Redis Cluster the way `redis-cli --cluster
 * reshard` does: SETSLOT IMPORTING / MIGRATING, MIGRATE of its keys in batches, SETSLOT NODE on
 * every primary. `fraction` < 1 stops half way (the slot stays MIGRATING / IMPORTING) and
 * `finishSlot` completes it later.
 */
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { findRedisCliBinary, LOCAL_HOST } from '../../src/demo/local-redis.js';

export interface SlotMove {
  slot: number;
  fromPort: number;
  toPort: number;
}

async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, LOCAL_HOST);
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

async function migrateKeys(move: SlotMove, limit: number): Promise<void> {
  await withNode(move.fromPort, async (from) => {
    for (;;) {
      const count = Number(await from.call('CLUSTER', 'COUNTKEYSINSLOT', String(move.slot)));
      if (count === 0 || limit <= 0) return;
      const batch = Math.min(count, limit, 50);
      const keys = (await from.callBuffer(
        'CLUSTER',
        'GETKEYSINSLOT',
        String(move.slot),
        String(batch),
      )) as Buffer[];
      await from.callBuffer('MIGRATE', LOCAL_HOST, String(move.toPort), '', '0', '5000', 'KEYS', ...keys);
      limit -= keys.length;
    }
  });
}

/** Starts moving `slot` and migrates `fraction` of its keys; with fraction 1 also hands the slot over. */
export async function moveSlot(move: SlotMove, allPorts: readonly number[], fraction = 1): Promise<void> {
  const fromId = String(await withNode(move.fromPort, (r) => r.call('CLUSTER', 'MYID')));
  const toId = String(await withNode(move.toPort, (r) => r.call('CLUSTER', 'MYID')));
  await withNode(move.toPort, (r) => r.call('CLUSTER', 'SETSLOT', String(move.slot), 'IMPORTING', fromId));
  await withNode(move.fromPort, (r) => r.call('CLUSTER', 'SETSLOT', String(move.slot), 'MIGRATING', toId));
  const count = Number(
    await withNode(move.fromPort, (r) => r.call('CLUSTER', 'COUNTKEYSINSLOT', String(move.slot))),
  );
  await migrateKeys(move, fraction >= 1 ? Number.POSITIVE_INFINITY : Math.floor(count * fraction));
  if (fraction >= 1) await finishSlot(move, allPorts, toId);
}

/** Migrates what is left of `slot` and assigns it to the destination on every primary. */
export async function finishSlot(move: SlotMove, allPorts: readonly number[], toId?: string): Promise<void> {
  const id = toId ?? String(await withNode(move.toPort, (r) => r.call('CLUSTER', 'MYID')));
  await migrateKeys(move, Number.POSITIVE_INFINITY);
  for (const port of [
    move.toPort,
    move.fromPort,
    ...allPorts.filter((p) => p !== move.toPort && p !== move.fromPort),
  ]) {
    await withNode(port, (r) => r.call('CLUSTER', 'SETSLOT', String(move.slot), 'NODE', id));
  }
}

/** `redis-cli --cluster reshard`: moves `slots` slots from one primary to another; resolves when done. */
export async function reshard(
  fromPort: number,
  toPort: number,
  slots: number,
  timeoutMs: number,
): Promise<string> {
  const cli = findRedisCliBinary();
  if (!cli) throw new Error('redis-cli not found');
  const fromId = String(await withNode(fromPort, (r) => r.call('CLUSTER', 'MYID')));
  const toId = String(await withNode(toPort, (r) => r.call('CLUSTER', 'MYID')));
  const args = [
    '--cluster',
    'reshard',
    `${LOCAL_HOST}:${fromPort}`,
    '--cluster-from',
    fromId,
    '--cluster-to',
    toId,
    '--cluster-slots',
    String(slots),
    '--cluster-yes',
    '--cluster-pipeline',
    '5',
  ];
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `redis-cli --cluster reshard failed: ${err.message}\n${`${stdout}${stderr}`.slice(-2000)}`,
          ),
        );
      else resolve(stdout);
    });
  });
}
