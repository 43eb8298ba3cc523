/**
 * Reaps redis-servers whose owner process died without cleaning up, found by the owner file each
 * server's temp dir holds.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIR_PREFIX = 'redis-medic-redis-';
export const OWNER_FILE = 'owner.json';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills redis-servers whose owner died without cleanup (SIGKILL, OOM kill): only servers startLocalRedis
 * started, found by the owner file in their temp dir. Runs before every start; it is a readdir.
 */
export function reapOrphans(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    let owner: { ownerPid: number; pid: number };
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { ownerPid: number; pid: number };
    } catch {
      // No owner file yet (its owner is still starting it): not ours to judge.
      continue;
    }
    if (isAlive(owner.ownerPid)) continue;
    try {
      // Guard against pid reuse: only kill what is still a redis-server.
      if (readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8').includes('redis-server')) {
        process.kill(owner.pid, 'SIGKILL');
      }
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
