/** A census walk's progress reports: keys/s, and an ETA from the key count, or from the cursors under MATCH. */
import type { Lane } from '../../keyspace/scan/lanes.js';
import { sum } from './sum.js';
import type { WalkOptions } from './types.js';

/** A primary's walker as progress sees it. */
export interface ProgressSource {
  readonly units: readonly { dbsize: number; lanes: readonly Lane[] }[];
  readonly pauses: number;
}

const DEFAULT_PROGRESS_MS = 2000;

export class ProgressTracker {
  scanned = 0;
  total = 0;
  private last = Number.NEGATIVE_INFINITY;
  private readonly every: number;

  constructor(
    private readonly opts: WalkOptions,
    private readonly walkers: readonly ProgressSource[],
    private readonly started: number,
  ) {
    this.every = opts.progressEveryMs ?? DEFAULT_PROGRESS_MS;
  }

  maybeReport(force = false, done = false): void {
    const report = this.opts.onProgress;
    if (!report) return;
    const now = performance.now();
    if (!force && now - this.last < this.every) return;
    this.last = now;
    const elapsedSec = Math.max(1e-3, (now - this.started) / 1000);
    const keysPerSec = this.scanned / elapsedSec;
    report({
      scanned: this.scanned,
      total: this.total,
      keysPerSec: Math.round(keysPerSec),
      etaSec: done ? 0 : this.eta(elapsedSec, keysPerSec),
      pauses: sum(this.walkers, (w) => w.pauses),
    });
  }

  private eta(elapsedSec: number, keysPerSec: number): number | null {
    if (this.opts.match !== undefined) {
      // MATCH: how many keys match is unknown; how far the cursors are through the tables is known.
      const units = this.walkers.flatMap((w) => w.units);
      const weight = sum(units, (u) => u.dbsize);
      const fraction = (u: (typeof units)[number]) =>
        u.lanes.length ? sum(u.lanes, (l) => l.fraction) / u.lanes.length : 0;
      const done = weight > 0 ? sum(units, (u) => u.dbsize * fraction(u)) / weight : 0;
      return done > 0 ? Math.round((elapsedSec * (1 - done)) / done) : null;
    }
    if (keysPerSec <= 0) return null;
    const target = Math.min(this.total, this.opts.limit ?? Number.POSITIVE_INFINITY);
    return Math.max(0, Math.round((target - this.scanned) / keysPerSec));
  }
}
