/**
 * What a SCAN cursor says: how far through the table it is, which half it is in, and whether the
 * server's cursor is a bare reverse-binary dict cursor at all.
 */
import { serverFacts } from '../server-facts.js';

/**
 * SCAN's cursor walks the table in reverse-binary order: reversing its 64 bits gives the position,
 * so position / 2^64 is the share of the table visited (independent of the table's size).
 */
export function cursorFraction(cursor: string): number {
  let v: bigint;
  try {
    v = BigInt(cursor);
  } catch {
    return 0;
  }
  let rev = 0n;
  for (let i = 0; i < 64; i++) {
    rev = (rev << 1n) | (v & 1n);
    v >>= 1n;
  }
  return Number(rev) / 2 ** 64;
}

/** Whether a decimal cursor is odd (its bucket is in the table's second half in visiting order). */
export function isOddCursor(cursor: string): boolean {
  const last = cursor.charCodeAt(cursor.length - 1) - 0x30;
  return (last & 1) === 1;
}

/**
 * Whether SCAN's cursor is a bare reverse-binary dict cursor (what a two-lane walk relies on).
 * Redis 7.4+ and Valkey 8+ in cluster mode keep one dict per slot and put the slot in the cursor's
 * low bits; Dragonfly's cursor is its own. Unknown servers get one lane.
 */
export function plainDictCursor(serverInfo: string, cluster: boolean): boolean {
  const facts = serverFacts(serverInfo);
  if (facts.dragonflyVersion !== undefined) return false;
  const version = facts.version;
  if (!version) return false;
  if (!cluster) return true;
  const valkey = facts.valkeyVersion;
  if (valkey !== undefined || facts.serverName === 'valkey') {
    return compareVersions(valkey ?? version, '8.0.0') < 0;
  }
  return compareVersions(version, '7.4.0') < 0;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
