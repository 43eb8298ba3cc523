/**
 * SELECT, the one way `src/` switches a connection's DB: on an ioredis connection (`selectDb`),
 * or as raw command words for a RESP writer that has no client (`selectWords`). Walks go through
 * `DbSelector` (db-select.ts), which remembers the DB to go back to.
 */
import type { Redis } from 'ioredis';

export function selectDb(redis: Redis, db: number): Promise<unknown> {
  return redis.select(db);
}

export function selectWords(db: number): string[] {
  return ['SELECT', String(db)];
}
