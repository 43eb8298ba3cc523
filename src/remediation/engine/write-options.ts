/**
 * The `options` write path (Redis ≥ 7.0): per page, `PEXPIREAT … NX` for set-missing, or a read
 * pipeline (PEXPIRETIME + TIME) then `PEXPIREAT … XX LT` for cap, each expiry stamped from a server
 * time not ahead of the write's clock. A key left alone is told apart as skipped, gone, or this
 * run's own earlier write (its stamp inside the replay window).
 */

import { isOwnExpiry, stampedTtlMs } from '../fingerprint.js';
import { baseTime, timeReply } from './clock.js';
import type { NodeState, Outcome, PageResult, Unit } from './node.js';
import type { WriteContext } from './page-write.js';

/** `PEXPIREAT key stamped NX` per key, then (only for the 0 replies) PEXPIRETIME: skipped, vanished or replayed. */
export async function writeSetMissing(
  ctx: WriteContext,
  node: NodeState,
  unit: Unit,
  keys: Buffer[],
  marks: number[],
): Promise<PageResult> {
  const base = await baseTime(node);
  const p = node.redis.pipeline();
  for (let i = 0; i < keys.length; i++) {
    const at = base + stampedTtlMs(marks[i] as number, base, ctx.stamp);
    p.call('PEXPIREAT', keys[i] as Buffer, String(at), 'NX');
  }
  p.time();
  const sent = performance.now();
  const replies = (await p.exec()) ?? [];
  const out = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: timeReply(replies[keys.length]) };
  if (out.timeMs > 0) node.clock = { serverMs: out.timeMs, at: sent };
  const zeros: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const [err, value] = replies[i] ?? [new Error('missing reply'), null];
    // A refused write (READONLY, NOPERM…) fails the run with its reason: it must never end as done.
    if (err) throw err;
    if (Number(value) === 1) out.changed++;
    else zeros.push(i);
  }
  if (zeros.length === 0) return out;
  const q = node.redis.pipeline();
  for (const i of zeros) q.call('PEXPIRETIME', keys[i] as Buffer);
  const reads = (await q.exec()) ?? [];
  zeros.forEach((i, j) => {
    const [err, value] = reads[j] ?? [new Error('missing reply'), null];
    // A refused read fails the run with its reason, like a refused write.
    if (err) throw err;
    out[settled(ctx, unit, Number(value), marks[i] as number)]++;
  });
  return out;
}

/**
 * `cap`: PEXPIRETIME per key and TIME after them (so `expiry − time` never overstates a TTL), then
 * `PEXPIREAT key stamped XX LT` only for keys above the cap (`LT` for keys without TTL under
 * include-missing), stamped from that TIME.
 */
export async function writeCap(
  ctx: WriteContext,
  node: NodeState,
  unit: Unit,
  keys: Buffer[],
  marks: number[],
): Promise<PageResult> {
  const r = node.redis.pipeline();
  for (const key of keys) r.call('PEXPIRETIME', key);
  r.time();
  const reads = (await r.exec()) ?? [];
  const now = timeReply(reads[keys.length]);
  const out = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: now };
  const writes: number[] = [];
  const w = node.redis.pipeline();
  const at = (i: number) => String(now + stampedTtlMs(marks[i] as number, now, ctx.stamp));
  for (let i = 0; i < keys.length; i++) {
    const [err, value] = reads[i] ?? [new Error('missing reply'), null];
    if (err) throw err;
    const expiry = Number(value);
    if (expiry === -2) out.vanished++;
    else if (expiry === -1) {
      if (ctx.rule.includeMissing) {
        w.call('PEXPIREAT', keys[i] as Buffer, at(i), 'LT');
        writes.push(i);
      } else out.skipped++;
    } else if (expiry - now > ctx.capMs) {
      w.call('PEXPIREAT', keys[i] as Buffer, at(i), 'XX', 'LT');
      writes.push(i);
    } else {
      out[settled(ctx, unit, expiry, marks[i] as number) === 'changed' ? 'changed' : 'skipped']++;
    }
  }
  if (writes.length === 0) return out;
  const replies = (await w.exec()) ?? [];
  writes.forEach((_, j) => {
    const [err, value] = replies[j] ?? [new Error('missing reply'), null];
    if (err) throw err;
    if (Number(value) === 1) out.changed++;
    // 0: the key changed meanwhile (gone, persisted, or already lower): left alone.
    else out.skipped++;
  });
  return out;
}

/** A key the rule did not write now: this run's own earlier write (its stamp), or skipped / gone. */
function settled(ctx: WriteContext, unit: Unit, expiry: number, mark: number): Outcome {
  if (expiry === -2) return 'vanished';
  if (!unit.window) return 'skipped';
  return isOwnExpiry(expiry, mark, unit.window, ctx.stamp) ? 'changed' : 'skipped';
}
