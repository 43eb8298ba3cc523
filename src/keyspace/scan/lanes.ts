/**
 * Lanes: one DB's table walked by one cursor, or by two at once. SCAN visits buckets in
 * reverse-binary order, so from cursor 0 it first visits every even bucket (cursors stay even),
 * then every odd one starting at cursor 1. Lane A walks from 0 until the cursor turns odd (or 0);
 * lane B from 1 until 0. A key's bucket parity is its hash's lowest bit whatever the table size, so
 * each key belongs to exactly one lane. Lane A's last call may run on past the boundary into the
 * first odd buckets: those keys are exactly the first ones lane B saw, in the same order, so B
 * remembers its first names and A drops them. Only valid where the server's cursor is a bare dict
 * cursor (`plainDictCursor`).
 */
import { cursorFraction, isOddCursor } from './cursor.js';

export interface Lane {
  start: string;
  /** The next cursor to ask for once the pages handed over so far are taken. */
  cursor: string;
  /** Lane A of a split walk: its part ends where the cursor turns odd. */
  stopAtOdd: boolean;
  complete: boolean;
  /** How far the lane is through its part of the table, 0–1 (for ETA with MATCH). */
  fraction: number;
  /** Lane B: remembers its first keys. */
  record?: BoundaryRecord;
  /** Lane A: drops from its last page the keys lane B already handed over. */
  dedupe?: BoundaryRecord;
}

/** A named key as lanes see it. */
export interface Named {
  name: Buffer;
}

/** The first names lane B handed over (bounded), for lane A's last page. */
export class BoundaryRecord {
  private readonly names = new Set<string>();
  private done = false;
  private resolve: () => void = () => {};
  readonly ready = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });

  constructor(private readonly capacity: number) {}

  add(keys: readonly Named[]): void {
    if (this.done) return;
    for (const key of keys) {
      this.names.add(key.name.toString('latin1'));
      if (this.names.size >= this.capacity) break;
    }
    if (this.names.size >= this.capacity) this.finish();
  }

  finish(): void {
    this.done = true;
    this.resolve();
  }

  drop<K extends Named>(keys: K[]): K[] {
    return keys.filter((k) => !this.names.has(k.name.toString('latin1')));
  }
}

/** One lane over the whole table, from `from` (0, or a saved cursor). */
export function singleLane(from: string): Lane {
  return { start: from, cursor: from, stopAtOdd: false, complete: false, fraction: 0 };
}

/**
 * Lanes A and B over one table. Lane A's last call returns at most `count` keys past the
 * boundary per call; the record keeps generously more than that.
 */
export function splitLanes(count: number): [Lane, Lane] {
  const boundary = new BoundaryRecord(4 * count + 1000);
  return [
    { start: '0', cursor: '0', stopAtOdd: true, complete: false, fraction: 0, dedupe: boundary },
    { start: '1', cursor: '1', stopAtOdd: false, complete: false, fraction: 0, record: boundary },
  ];
}

/** Whether a page's next cursor ends `lane`'s part of the table. */
export function laneEnds(lane: Lane, cursor: string): boolean {
  return cursor === '0' || (lane.stopAtOdd && isOddCursor(cursor));
}

/** Lane A covers positions [0, ½), lane B [½, 1) of the table; a single lane all of it. */
export function laneFraction(lane: Lane, cursor: string): number {
  const f = cursorFraction(cursor);
  if (lane.stopAtOdd) return Math.min(1, f * 2);
  if (lane.start === '1') return Math.max(0, f * 2 - 1);
  return f;
}

/** A failed lane releases its sibling waiting on the boundary record. */
export function releaseLanes(lanes: readonly Lane[]): void {
  for (const lane of lanes) {
    lane.record?.finish();
    lane.dedupe?.finish();
  }
}
