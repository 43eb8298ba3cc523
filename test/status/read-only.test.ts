/**
 * Status is read-only (the README's promise): `redis-medic status` works as a Redis ACL user that
 * may run nothing but INFO, and afterwards Redis itself says no write happened: every command the
 * server executed is one its own COMMAND INFO does not flag `write`, none was refused, and the
 * server's count of changes since the last save did not move.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const USER = 'statusonly';
const PASSWORD = 'status-only-pw';

/** `cmdstat_<name>:calls=N,…,rejected_calls=R,failed_calls=F` → name → figures. */
function commandStats(raw: string): Map<string, { calls: number; rejected: number; failed: number }> {
  const out = new Map<string, { calls: number; rejected: number; failed: number }>();
  for (const m of raw.matchAll(/^cmdstat_(\S+?):calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/gm)) {
    out.set(m[1] as string, { calls: Number(m[2]), rejected: Number(m[3]), failed: Number(m[4]) });
  }
  return out;
}

const changesSinceSave = async (admin: Redis) =>
  Number(/^rdb_changes_since_last_save:(\d+)/m.exec(await admin.info('persistence'))?.[1]);

describe('redis-medic status as a user allowed only INFO', () => {
  let server: LocalRedis;
  let admin: Redis;

  // The file's redis-server and admin client come from the shared fixture.
  test.beforeAll(async ({ localRedis, admin: client }) => {
    server = localRedis;
    admin = client;
    await loadDataset(admin, { keys: 2_000 });
    await setMaxmemoryForTargetPct(admin, 84.6);
    // Nothing but INFO: any write (or any other read) the status made would be refused and logged.
    await admin.call('ACL', 'SETUSER', USER, 'reset', 'on', `>${PASSWORD}`, '~*', '-@all', '+info');
  }, 60_000);

  it('reports the right figures, and Redis executed no write command and refused none', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    await admin.call('CONFIG', 'RESETSTAT');
    const changesBefore = await changesSinceSave(admin);

    const run = await runCli([
      'status',
      '--redis',
      `redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}`,
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { keys: number; memory_pct: number | null };
    expect(json.keys).toBe(await admin.dbsize());
    expect(json.memory_pct).toBeGreaterThan(80);

    const stats = commandStats(await admin.info('commandstats'));
    stats.delete('config|resetstat');
    expect(stats.get('info')?.calls).toBeGreaterThan(0);
    for (const [name, s] of stats) {
      expect(s.rejected, `${name} refused`).toBe(0);
      expect(s.failed, `${name} failed`).toBe(0);
      const [info] = (await admin.call('COMMAND', 'INFO', name.split('|')[0] as string)) as [
        [string, number, string[]] | null,
      ];
      expect(info, `COMMAND INFO ${name}`).not.toBeNull();
      expect(info?.[2], `${name} is a write command`).not.toContain('write');
    }
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
    expect(await changesSinceSave(admin)).toBe(changesBefore);
  });
});
