/**
 * The TTL engine's counters: scanned, changed, skipped (already compliant), vanished (gone before
 * the write) and errors (keys SCAN MATCH returned that the client-side match refused), kept for
 * the whole run and per node/DB, and how a page's outcome is added to them.
 */

import type { EngineCounters } from '../types.js';
import type { PageResult } from './node.js';

export function emptyCounters(): EngineCounters {
  return { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 };
}

/** A settled page: its keys that matched (`scanned`), those refused (`rejected`) and what the write did. */
export function addPage(c: EngineCounters, scanned: number, rejected: number, page: PageResult | null): void {
  c.scanned += scanned;
  c.errors += rejected;
  if (page) {
    c.changed += page.changed;
    c.skipped += page.skipped;
    c.vanished += page.vanished;
    c.errors += page.errors;
  }
}

/** Adds a correction (a reshard recount's delta) to the totals. */
export function addCounters(c: EngineCounters, delta: EngineCounters): void {
  for (const k of Object.keys(c) as (keyof EngineCounters)[]) c[k] += delta[k];
}
