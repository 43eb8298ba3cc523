/**
 * The TTL page script (src/keyspace/lua/ttl-page.lua) as the engine calls it: its ARGV mode, how a
 * page of keys and their marks is packed into one argument, and how its reply is read (whole-page
 * counts, or per-key codes for the routed path).
 */

import { luaScript } from '../../keyspace/lua.js';
import type { TtlRule } from '../types.js';

/**
 * One page on the server. ARGV: mode (`s` set-missing, `c` cap, `C` cap + include-missing), cap ms,
 * replay window [lo, hi) in server ms (lo >= hi: none), `1` on Redis 7.0+ (EXPIRE options,
 * PEXPIRETIME), the rule's shortest TTL (ms), the stamp space (see fingerprint.ts) and how far (ms) an
 * expiry may sit from its stamp (0, or MIGRATED_TOLERANCE_MS for keys that may have moved), then the page:
 * per key its name's length (uint32 LE), the name, the length of its mark (one byte) and the mark in
 * decimal, packed into one argument (`packPage`: one argument instead of two per key keeps the
 * client's encoding cost out of the way). Per key, atomically: PTTL, then PEXPIREAT at the script's
 * TIME + the stamped TTL only when the rule says so (set-missing on 7.0+: `PEXPIREAT … NX` first,
 * PTTL only when it did nothing); TIME is never ahead of the clock the write uses, so no TTL exceeds
 * the rule's. Returns the server time (ms) and how many keys were changed, recognised as written by
 * an earlier attempt of this run (its stamp, inside the window; counted as changed), skipped, and
 * gone. Keys come as ARGV (numkeys 0): on a cluster node they are local keys SCAN just returned, so
 * no cross-slot declaration is needed.
 */
export const TTL_PAGE_SCRIPT = luaScript('ttl-page');

/** The script's mode argument for `rule`. */
export function scriptMode(rule: TtlRule): 's' | 'c' | 'C' {
  return rule.action === 'set-missing' ? 's' : rule.includeMissing ? 'C' : 'c';
}

/** Keys [start, end) and their marks as the page script reads them: `<I4 name B mark-in-decimal` per key. */
export function packPage(
  keys: readonly Uint8Array[],
  marks: readonly number[],
  start = 0,
  end = keys.length,
): Buffer {
  const digits: string[] = [];
  let size = 0;
  for (let i = start; i < end; i++) {
    const text = String(marks[i]);
    digits.push(text);
    size += 5 + (keys[i] as Uint8Array).length + text.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = start; i < end; i++) {
    const key = keys[i] as Uint8Array;
    const text = digits[i - start] as string;
    out.writeUInt32LE(key.length, at);
    out.set(key, at + 4);
    at += 4 + key.length;
    out[at] = text.length;
    at += 1 + out.write(text, at + 1, 'latin1');
  }
  return out;
}

export interface PageScriptReply {
  /** Server time (ms) when the script ran. */
  timeMs: number;
  changed: number;
  /** Keys this run had already written in an earlier attempt (the engine counts them as changed). */
  replayed: number;
  skipped: number;
  vanished: number;
  /** Per key, in page order: `c` changed, `r` replayed, `s` skipped, `v` vanished. */
  codes: string;
}

/** The TTL page script's reply `{time, changed, replayed, skipped, vanished, codes}`. */
export function parsePageScriptReply(reply: unknown): PageScriptReply {
  const items = Array.isArray(reply) ? (reply as unknown[]) : [];
  const [time, changed, replayed, skipped, vanished, codes] = items;
  const counts = [changed, replayed, skipped, vanished];
  if (!Buffer.isBuffer(time) || !counts.every((c) => typeof c === 'number')) {
    throw new Error('unexpected TTL page script reply');
  }
  return {
    timeMs: Number(time.toString('latin1')),
    changed: changed as number,
    replayed: replayed as number,
    skipped: skipped as number,
    vanished: vanished as number,
    codes: Buffer.isBuffer(codes) ? codes.toString('latin1') : '',
  };
}

/** A page's reply from per-key codes (the routed path). */
export function countCodes(codes: string, timeMs: number): PageScriptReply {
  const reply: PageScriptReply = { timeMs, changed: 0, replayed: 0, skipped: 0, vanished: 0, codes };
  for (const code of codes) {
    if (code === 'c') reply.changed++;
    else if (code === 'r') reply.replayed++;
    else if (code === 's') reply.skipped++;
    else reply.vanished++;
  }
  return reply;
}
