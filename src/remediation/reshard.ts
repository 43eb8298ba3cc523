/**
 * A cluster being resharded while a TTL run walks it. SCAN walks each primary's own keys, so a key
 * that moves to another primary during the run may be seen twice (walked here, then there) or not
 * at all (moved from a part not yet walked to a part already walked), and the page script fails on
 * a key that left its node between SCAN and the script ("non local key"). So, per attempt:
 * - a page whose script fails because a key is no longer local is done again key by key through
 *   the cluster client, which follows MOVED and ASK to wherever each key is now;
 * - every key's outcome is booked under its hash slot (SlotLedger);
 * - at the end, each slot whose owner changed during the attempt, or that had a key no longer
 *   local, is counted again from scratch on its owner once no migration is in progress (CLUSTER
 *   GETKEYSINSLOT): its booked outcomes are replaced by the recount, where keys carrying this run's
 *   stamp count as changed. Every key of a moved slot is then processed and counted exactly once.
 */

import type { Cluster, Redis } from 'ioredis';
import { errorMessage } from '../errors.js';
import { sleep } from '../keyspace/pacing/sleep.js';
import type { EngineCounters } from './types.js';

export const CLUSTER_SLOTS = 16_384;

/** What the page script reports per key: changed, replayed (an earlier write of this run), skipped, vanished. */
export type KeyCode = 'c' | 'r' | 's' | 'v';

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** The hash slot Redis Cluster gives `name` (CRC16/XMODEM of the name, or of its first non-empty `{tag}`). */
export function keySlot(name: Uint8Array): number {
  let start = 0;
  let end = name.length;
  const open = name.indexOf(0x7b);
  if (open >= 0) {
    const close = name.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (name[i] as number)) & 0xff] as number);
  }
  return crc % CLUSTER_SLOTS;
}

/** A script or command refused because its key is served elsewhere now (resharding, failover). */
export function isNotLocalError(err: unknown): boolean {
  return /non local key|^MOVED |^ASK |TRYAGAIN|CROSSSLOT|do not hash to the same slot/m.test(
    errorMessage(err),
  );
}

/** Owner ("host:port") of every slot, from CLUSTER SLOTS. */
export async function slotOwners(redis: Redis): Promise<string[]> {
  const owners = new Array<string>(CLUSTER_SLOTS).fill('');
  const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
  for (const [from, to, primary] of ranges) {
    for (let s = from; s <= to; s++) owners[s] = `${primary[0]}:${primary[1]}`;
  }
  return owners;
}

/** True while some node has a slot MIGRATING or IMPORTING (CLUSTER NODES shows `[slot->-id]`). */
export async function migrationInProgress(redis: Redis): Promise<boolean> {
  return /\[\d+-[<>]-/.test(String(await redis.call('CLUSTER', 'NODES')));
}

function zero(): EngineCounters {
  return { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 };
}

/** Outcomes of the keys one attempt processed, per hash slot, and the slots where a key was not local. */
export class SlotLedger {
  private readonly bySlot = new Map<number, EngineCounters>();
  readonly notLocal = new Set<number>();

  record(keys: readonly Uint8Array[], codes: string, offset = 0): void {
    for (let i = 0; i < codes.length; i++) {
      const slot = keySlot(keys[offset + i] as Uint8Array);
      let c = this.bySlot.get(slot);
      if (!c) {
        c = zero();
        this.bySlot.set(slot, c);
      }
      c.scanned++;
      addCode(c, codes[i] as KeyCode);
    }
  }

  booked(slot: number): EngineCounters {
    return { ...(this.bySlot.get(slot) ?? zero()) };
  }
}

export function addCode(c: EngineCounters, code: KeyCode): void {
  if (code === 'c' || code === 'r') c.changed++;
  else if (code === 's') c.skipped++;
  else c.vanished++;
}

/**
 * The page script once per key, routed by the cluster client (MOVED and ASK followed), the key
 * declared so the node accepts it while its slot migrates. Returns the per-key codes.
 */
export async function routedPage(
  cluster: Cluster,
  script: { sha: string; text: string },
  keys: readonly Buffer[],
  blobs: readonly Buffer[],
  args: readonly string[],
): Promise<string> {
  const codes = new Array<string>(keys.length);
  const BATCH = 64;
  for (let start = 0; start < keys.length; start += BATCH) {
    const end = Math.min(keys.length, start + BATCH);
    await Promise.all(
      keys.slice(start, end).map(async (key, j) => {
        const i = start + j;
        const tail = [key, ...args, blobs[i] as Buffer];
        let reply: unknown;
        try {
          reply = await cluster.callBuffer('EVALSHA', script.sha, '1', ...tail);
        } catch (err) {
          if (!/NOSCRIPT/.test(errorMessage(err))) throw err;
          reply = await cluster.callBuffer('EVAL', script.text, '1', ...tail);
        }
        const code = Array.isArray(reply) ? reply[5] : undefined;
        codes[i] = Buffer.isBuffer(code) ? code.toString('latin1') : '';
      }),
    );
  }
  const out = codes.join('');
  if (out.length !== keys.length) throw new Error('TTL page script: reply count mismatch');
  return out;
}

/** What a cluster run keeps to handle resharding. */
export interface Reshard {
  cluster: Cluster;
  /** A primary to ask CLUSTER SLOTS / NODES. */
  probe: Redis;
  startOwners: string[];
  ledger: SlotLedger;
}

export interface RecountOptions {
  matches: (name: Uint8Array) => boolean;
  script: { sha: string; text: string };
  /** Page script ARGV after the key, with the replay window [lo, hi) of this attempt's writes. */
  args: string[];
  /** The packed page of one key (name and mark). */
  pack: (key: Buffer) => Buffer;
  /** How long to wait for a migration in progress to end. */
  settleMs: number;
  signal: AbortSignal;
}

/**
 * After an attempt walked every node: each slot that changed owner during it, or had a key no
 * longer local, counted again on its owner. Returns the correction to add to the totals (the
 * recount minus what was booked for those slots), or null when a migration was still in progress
 * after `settleMs` (the totals then stay as walked: approximate).
 */
export async function recountMovedSlots(
  r: Reshard,
  opts: RecountOptions,
): Promise<{ delta: EngineCounters; slots: number } | null> {
  const deadline = performance.now() + opts.settleMs;
  while (await migrationInProgress(r.probe)) {
    if (performance.now() > deadline || opts.signal.aborted) return null;
    await sleep(100, opts.signal).catch(() => {});
  }
  const owners = await slotOwners(r.probe);
  const moved = new Set(r.ledger.notLocal);
  for (let s = 0; s < CLUSTER_SLOTS; s++) if (owners[s] !== r.startOwners[s]) moved.add(s);
  const delta = zero();
  if (moved.size === 0) return { delta, slots: 0 };
  const byAddress = new Map(r.cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  for (const slot of moved) {
    const owner = byAddress.get(owners[slot] as string);
    if (!owner) return null;
    const count = Number(await owner.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)));
    const names =
      count > 0
        ? ((await owner.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(count))) as Buffer[])
        : [];
    const keys = names.filter((n) => opts.matches(n));
    const codes = await routedPage(r.cluster, opts.script, keys, keys.map(opts.pack), opts.args);
    const booked = r.ledger.booked(slot);
    for (const k of Object.keys(delta) as (keyof EngineCounters)[]) delta[k] -= booked[k];
    delta.scanned += keys.length;
    for (const code of codes) addCode(delta, code as KeyCode);
  }
  return { delta, slots: moved.size };
}
