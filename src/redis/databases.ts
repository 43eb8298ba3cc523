import type { Redis } from 'ioredis';
import { parseInfo, parseKeyspace } from './info.js';

/** The DBs a standalone walk must visit, from INFO keyspace; DB 0 always (an empty server has no line). */
export function keyspaceDbs(info: string): number[] {
  const dbs = new Set<number>([0, ...parseKeyspace(parseInfo(info).keyspace).map((d) => d.db)]);
  return [...dbs].sort((a, b) => a - b);
}

/** The DB the connection is on: ioredis tracks SELECTs in `condition.select`; else its `db` option. */
export function currentDb(node: Redis): number {
  const condition = (node as unknown as { condition?: { select?: unknown } }).condition;
  const selected = condition?.select;
  return typeof selected === 'number' ? selected : (node.options.db ?? 0);
}
