/**
 * A census page's per-key reads (PTTL, TYPE, MEMORY USAGE): in one Lua call on the server (the
 * page script's packed reply), or pipelined after a plain SCAN when scripting is refused.
 */
import type { Redis } from 'ioredis';
import { luaScript } from '../../keyspace/lua.js';
import type { KeyType, ScannedKey } from '../types.js';

/**
 * One census page on the server. ARGV: cursor, match glob, count, samples, with-memory ('1'/'0').
 * Returns `{cursor, keys, numbers}`: SCAN's own key table (not copied), and per key a 17-byte
 * little-endian record `pttl (double), bytes (double), type code (byte)` packed into one string,
 * which keeps the reply (and its parsing in Node) to one element per key. Type code 0 = the key
 * was gone; bytes -1 = MEMORY USAGE not used. Inside a script time is frozen and nothing else
 * runs, so a key SCAN returns is still there; the checks are for form. TYPE's status reply
 * arrives as `{ok = 'string'}`.
 */
export const PAGE_SCRIPT = luaScript('census-page');
const RECORD_BYTES = 17;

const TYPE_CODES: readonly KeyType[] = ['other', 'string', 'hash', 'set', 'zset', 'list', 'stream', 'other'];
const TYPE_NAMES: Readonly<Record<string, KeyType>> = {
  string: 'string',
  hash: 'hash',
  set: 'set',
  zset: 'zset',
  list: 'list',
  stream: 'stream',
};

/** One page as the walk holds it between the server call and the handover. */
export interface RawPage {
  cursor: string;
  /** Keys SCAN returned (before dropping vanished ones). */
  size: number;
  /** Script: the finished keys. Pipeline: null (the reads are still to do, on `names`). */
  keys: ScannedKey[] | null;
  names: Buffer[];
}

export function parseScriptReply(reply: unknown, onVanished: (n: number) => void): RawPage {
  const items = Array.isArray(reply) ? (reply as unknown[]) : [];
  const [cursor, names, numbers] = items;
  if (!Buffer.isBuffer(cursor) || !Array.isArray(names) || !Buffer.isBuffer(numbers)) {
    throw new Error('unexpected census page reply');
  }
  if (numbers.length !== names.length * RECORD_BYTES) throw new Error('census page reply: length mismatch');
  const keys: ScannedKey[] = [];
  let vanished = 0;
  for (let i = 0, at = 0; i < names.length; i++, at += RECORD_BYTES) {
    const code = numbers[at + 16] as number;
    if (code === 0) {
      vanished++;
      continue;
    }
    const bytes = numbers.readDoubleLE(at + 8);
    keys.push({
      name: names[i] as Buffer,
      type: TYPE_CODES[code] ?? 'other',
      pttlMs: numbers.readDoubleLE(at),
      bytes: bytes < 0 ? null : bytes,
    });
  }
  if (vanished) onVanished(vanished);
  return { cursor: cursor.toString('latin1'), size: names.length, keys, names: [] };
}

/** Pipeline strategy: PTTL, TYPE, MEMORY USAGE for every name of the page, in one round trip. */
export async function readKeysPipelined(
  node: Redis,
  names: readonly Buffer[],
  o: { samples: number; withMemory: boolean; call: <T>(p: Promise<T>) => Promise<T> },
): Promise<{ keys: ScannedKey[]; vanished: number }> {
  if (names.length === 0) return { keys: [], vanished: 0 };
  const pipeline = node.pipeline();
  for (const name of names) {
    pipeline.pttl(name);
    pipeline.type(name);
    if (o.withMemory) pipeline.memory('USAGE', name, 'SAMPLES', o.samples);
  }
  const replies = (await o.call(pipeline.exec())) ?? [];
  const per = o.withMemory ? 3 : 2;
  const keys: ScannedKey[] = [];
  let vanished = 0;
  names.forEach((name, i) => {
    const at = i * per;
    const [pttlErr, pttl] = replies[at] ?? [new Error('missing reply'), null];
    const [typeErr, type] = replies[at + 1] ?? [new Error('missing reply'), null];
    const [memErr, bytes] = o.withMemory
      ? (replies[at + 2] ?? [new Error('missing reply'), null])
      : [null, -1];
    const err = pttlErr ?? typeErr ?? memErr;
    if (err) throw err;
    if (pttl === -2 || type === 'none' || bytes === null) {
      vanished++;
      return;
    }
    keys.push({
      name,
      type: TYPE_NAMES[String(type)] ?? 'other',
      pttlMs: Number(pttl),
      bytes: o.withMemory ? Number(bytes) : null,
    });
  });
  return { keys, vanished };
}
