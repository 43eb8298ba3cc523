/**
 * Finds the redis-server and redis-cli binaries: an environment override, then PATH.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** `REDIS_SERVER_BIN` when set and executable, otherwise `redis-server` from PATH. */
export function findRedisServerBinary(): string | undefined {
  const override = process.env.REDIS_SERVER_BIN;
  if (override) return isExecutable(override) ? override : undefined;
  return whichSync('redis-server');
}

/** `REDIS_CLI_BIN`, then redis-cli next to the server binary, then PATH. */
export function findRedisCliBinary(): string | undefined {
  const override = process.env.REDIS_CLI_BIN;
  if (override) return isExecutable(override) ? override : undefined;
  const server = findRedisServerBinary();
  if (server) {
    const sibling = join(dirname(server), 'redis-cli');
    if (isExecutable(sibling)) return sibling;
  }
  return whichSync('redis-cli');
}

export function requireServerBinary(): string {
  const bin = findRedisServerBinary();
  if (!bin) {
    throw new Error(
      'redis-server not found: install it (apt-get install redis-server) or set REDIS_SERVER_BIN to its path',
    );
  }
  return bin;
}
