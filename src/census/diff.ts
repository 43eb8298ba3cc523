import { ErrorCode, MedicError } from '../errors.js';
/**
 * What changed between two censuses of one cluster: per pattern keys, keys without TTL and bytes
 * before, after and delta, ranked by growth in bytes then keys ("what grew during the burst"). Patterns are matched by their glob text.
 */
import type { CensusResult, PatternStats } from './types.js';

export type PatternChange = 'new' | 'gone' | 'grew' | 'shrank' | 'unchanged';

export interface PatternDiff {
  pattern: string;
  /** `new`: absent before; `gone`: absent after; otherwise by bytes, then keys, then keys without TTL. */
  change: PatternChange;
  keysBefore: number;
  keysAfter: number;
  keysDelta: number;
  keysWithoutTtlBefore: number;
  keysWithoutTtlAfter: number;
  keysWithoutTtlDelta: number;
  bytesBefore: number;
  bytesAfter: number;
  bytesDelta: number;
  /**
   * The pattern is missing on a side whose snapshot kept only its biggest patterns: its figure there
   * is small (below that side's smallest stored pattern), not necessarily zero.
   */
  belowCutoff?: true;
  /** A sampled side is involved and both deltas are within the combined ~95 % error bounds: may be noise. */
  withinError?: true;
}

export interface CensusTotals {
  keys: number;
  keysWithoutTtl: number;
  bytes: number;
}

export interface CensusSide {
  startedAt: string;
  finishedAt: string;
  sampled: boolean;
  errorBound?: number;
  bytesEstimated: boolean;
  overflowFolded: number;
  /** The stored pattern list is shorter than the census (the snapshot kept its biggest patterns). */
  truncated: boolean;
}

export interface CensusDiff {
  cluster: string;
  match?: string;
  before: CensusSide;
  after: CensusSide;
  /** after.startedAt − before.startedAt */
  intervalMs: number;
  totals: { before: CensusTotals; after: CensusTotals; delta: CensusTotals };
  /** Every pattern of either side, biggest growth in bytes first (then keys, then name). */
  patterns: PatternDiff[];
  newPatterns: string[];
  gonePatterns: string[];
  /** A side is sampled or has estimated bytes: deltas are approximate. */
  approximate: boolean;
}

export type CensusDiffErrorCode =
  | typeof ErrorCode.CensusDiffClusterMismatch
  | typeof ErrorCode.CensusDiffMatchMismatch;

/** Two censuses that cannot be compared (different clusters, or different MATCH filters). */
export class CensusDiffError extends MedicError {
  constructor(code: CensusDiffErrorCode, values: { before: string; after: string }) {
    super(code, values, `${code}: ${values.before} vs ${values.after}`);
    this.name = 'CensusDiffError';
  }
}

export function isCensusDiffError(err: unknown): err is CensusDiffError {
  return err instanceof CensusDiffError;
}

/** No MATCH, an empty one and `*` all mean the whole keyspace. */
function normalizeMatch(match: string | undefined): string {
  return match === undefined || match === '' || match === '*' ? '*' : match;
}

function side(c: CensusResult): CensusSide {
  const stored = c.patterns.reduce((n, p) => n + p.keys, 0);
  return {
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    sampled: c.sampled,
    ...(c.errorBound !== undefined ? { errorBound: c.errorBound } : {}),
    bytesEstimated: c.bytesEstimated,
    overflowFolded: c.overflowFolded,
    truncated: stored < c.totalKeys,
  };
}

/** Absolute ~95 % half-widths of a pattern's keys and bytes on one side (0 on an exact census). */
function halfWidths(c: CensusResult, p: PatternStats | undefined): { keys: number; bytes: number } {
  if (!p || !c.sampled) return { keys: 0, bytes: 0 };
  const keysRel = p.errorBound?.keys ?? c.errorBound ?? 0;
  const bytesRel = p.errorBound?.bytes ?? c.errorBound ?? 0;
  return { keys: p.keys * keysRel, bytes: p.bytes * bytesRel };
}

function changeOf(d: PatternDiff, hadBefore: boolean, hasAfter: boolean): PatternChange {
  if (!hadBefore) return 'new';
  if (!hasAfter) return 'gone';
  const sign = Math.sign(d.bytesDelta) || Math.sign(d.keysDelta) || Math.sign(d.keysWithoutTtlDelta);
  return sign > 0 ? 'grew' : sign < 0 ? 'shrank' : 'unchanged';
}

/**
 * Per-pattern and total deltas from `before` to `after`. Throws `CensusDiffError` when they are of
 * different clusters or MATCH filters (their patterns would not be comparable).
 */
export function diffCensus(before: CensusResult, after: CensusResult): CensusDiff {
  if (before.cluster !== after.cluster) {
    throw new CensusDiffError(ErrorCode.CensusDiffClusterMismatch, {
      before: before.cluster,
      after: after.cluster,
    });
  }
  const matchBefore = normalizeMatch(before.match);
  const matchAfter = normalizeMatch(after.match);
  if (matchBefore !== matchAfter) {
    throw new CensusDiffError(ErrorCode.CensusDiffMatchMismatch, { before: matchBefore, after: matchAfter });
  }
  const sideBefore = side(before);
  const sideAfter = side(after);
  const beforeBy = new Map(before.patterns.map((p) => [p.pattern, p]));
  const afterBy = new Map(after.patterns.map((p) => [p.pattern, p]));
  const names = new Set([...beforeBy.keys(), ...afterBy.keys()]);
  const approximate = before.sampled || after.sampled || before.bytesEstimated || after.bytesEstimated;

  const patterns: PatternDiff[] = [];
  for (const pattern of names) {
    const b = beforeBy.get(pattern);
    const a = afterBy.get(pattern);
    const d: PatternDiff = {
      pattern,
      change: 'unchanged',
      keysBefore: b?.keys ?? 0,
      keysAfter: a?.keys ?? 0,
      keysDelta: (a?.keys ?? 0) - (b?.keys ?? 0),
      keysWithoutTtlBefore: b?.keysWithoutTtl ?? 0,
      keysWithoutTtlAfter: a?.keysWithoutTtl ?? 0,
      keysWithoutTtlDelta: (a?.keysWithoutTtl ?? 0) - (b?.keysWithoutTtl ?? 0),
      bytesBefore: b?.bytes ?? 0,
      bytesAfter: a?.bytes ?? 0,
      bytesDelta: (a?.bytes ?? 0) - (b?.bytes ?? 0),
    };
    d.change = changeOf(d, b !== undefined, a !== undefined);
    if ((!b && sideBefore.truncated) || (!a && sideAfter.truncated)) d.belowCutoff = true;
    if (before.sampled || after.sampled) {
      const hb = halfWidths(before, b);
      const ha = halfWidths(after, a);
      const keysBound = Math.hypot(hb.keys, ha.keys);
      const bytesBound = Math.hypot(hb.bytes, ha.bytes);
      if (Math.abs(d.keysDelta) <= keysBound && Math.abs(d.bytesDelta) <= bytesBound) d.withinError = true;
    }
    patterns.push(d);
  }
  patterns.sort(
    (x, y) =>
      y.bytesDelta - x.bytesDelta ||
      y.keysDelta - x.keysDelta ||
      y.keysWithoutTtlDelta - x.keysWithoutTtlDelta ||
      (x.pattern < y.pattern ? -1 : x.pattern > y.pattern ? 1 : 0),
  );

  const totalsBefore: CensusTotals = {
    keys: before.totalKeys,
    keysWithoutTtl: before.totalKeysWithoutTtl,
    bytes: before.totalBytes,
  };
  const totalsAfter: CensusTotals = {
    keys: after.totalKeys,
    keysWithoutTtl: after.totalKeysWithoutTtl,
    bytes: after.totalBytes,
  };
  return {
    cluster: after.cluster,
    ...(matchAfter !== '*' ? { match: matchAfter } : {}),
    before: sideBefore,
    after: sideAfter,
    intervalMs: Date.parse(after.startedAt) - Date.parse(before.startedAt),
    totals: {
      before: totalsBefore,
      after: totalsAfter,
      delta: {
        keys: totalsAfter.keys - totalsBefore.keys,
        keysWithoutTtl: totalsAfter.keysWithoutTtl - totalsBefore.keysWithoutTtl,
        bytes: totalsAfter.bytes - totalsBefore.bytes,
      },
    },
    patterns,
    newPatterns: patterns.filter((p) => p.change === 'new').map((p) => p.pattern),
    gonePatterns: patterns.filter((p) => p.change === 'gone').map((p) => p.pattern),
    approximate,
  };
}
