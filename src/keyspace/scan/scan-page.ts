/** One plain SCAN call: the only place `src/` sends SCAN from TypeScript (the page scripts send it from Lua). */
import type { Redis } from 'ioredis';

export interface ScanReply {
  /** The next cursor (`'0'`: the walk of this DB is complete). */
  cursor: string;
  /** Key names as Buffers (binary-safe). */
  names: Buffer[];
}

/** `SCAN cursor MATCH match COUNT count` on `redis`'s current DB. */
export async function scanPage(
  redis: Redis,
  cursor: string,
  match: string,
  count: number,
): Promise<ScanReply> {
  const [next, names] = await redis.scanBuffer(cursor, 'MATCH', match, 'COUNT', count);
  return { cursor: next.toString('latin1'), names };
}
