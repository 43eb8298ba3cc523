/**
 * The burst hunt: find the window (given, or from the memory curve), gather the evidence of every
 * source at once (census diff, sampled young keys, Logs Insights, EventBridge, ECS), and rank the
 * candidates on one timeline against the memory curve. Never throws for a source: each one's state
 * and notes are in the report; only Redis being unreachable fails the hunt.
 */
import type { BurstAwsClients } from '../aws/burst-clients.js';
import type { ThrottleOptions } from '../census/walker.js';
import type { ClusterConfig } from '../config/types.js';
import type { Note, TrendPoint } from '../domain/types.js';
import type { TargetConnection } from '../redis/connect.js';
import type { TrendProvider } from '../status/check-status.js';
import { ecsEvidence, logsEvidence, rulesEvidence } from './aws-evidence.js';
import { censusEvidence, type SnapshotReader } from './census-evidence.js';
import { MINUTE_MS, onGrid, perMinute } from './histogram.js';
import { memoryGrowth, rankCandidates } from './rank.js';
import type {
  BurstReport,
  BurstWindow,
  Candidate,
  MinuteCount,
  ReferenceCurve,
  SourceState,
  SourceStatus,
} from './types.js';
import { detectBurst } from './window.js';
import { sampleYoungKeys } from './young-keys.js';

/** Without a window from the person, the memory curve is read this far back. */
export const DEFAULT_LOOKBACK_HOURS = 3;
/** The memory curve is read this much beyond a given window on each side (the chart's context). */
const CONTEXT_MS = 30 * MINUTE_MS;
/** Writes are dated from this long before the window (a burst that began just before it). */
const WRITE_LOOKBACK_MS = 30 * MINUTE_MS;
/** Estimated writes this close to now are left out of the Redis-writes reference curve. */
const RECENT_WRITES_MS = 2 * MINUTE_MS;

export interface BurstDeps {
  conn: TargetConnection;
  trend?: TrendProvider;
  snapshots?: SnapshotReader;
  /** AWS clients for the cluster's region (absent: the AWS sources are named as not configured). */
  aws?: BurstAwsClients;
  now?: () => Date;
  youngSample?: number;
  throttle?: ThrottleOptions | false;
  logsPollMs?: number;
  logsTimeoutMs?: number;
  signal?: AbortSignal;
}

export async function huntBurst(
  cluster: ClusterConfig,
  given: { from: Date; to: Date } | undefined,
  deps: BurstDeps,
): Promise<BurstReport> {
  const now = deps.now?.() ?? new Date();
  const memoryEnd = given ? new Date(Math.min(now.getTime(), given.to.getTime() + CONTEXT_MS)) : now;
  const memoryHours = given
    ? (memoryEnd.getTime() - (given.from.getTime() - CONTEXT_MS)) / 3_600_000
    : DEFAULT_LOOKBACK_HOURS;
  const trend = deps.trend
    ? await deps
        .trend(cluster, { end: memoryEnd, hours: memoryHours })
        .catch(() => ({ ok: false as const, notes: [] }))
    : { ok: false as const, notes: [{ key: 'notes.aws_not_configured' }] };
  const memory: TrendPoint[] = trend.ok ? trend.series.memoryPct : [];
  const memoryStatus: SourceStatus = trend.ok
    ? { source: 'memory', state: 'ok', notes: trend.notes }
    : {
        source: 'memory',
        state: missingMemoryState(trend.notes),
        notes: [...trend.notes, { key: 'burst:notes.memory_missing' }],
      };

  const window: BurstWindow = given
    ? { ...given, source: 'given', ...burstMarks(memory, given) }
    : (detectBurst(memory, now) ?? {
        from: new Date(now.getTime() - DEFAULT_LOOKBACK_HOURS * 3_600_000),
        to: now,
        source: 'default',
      });
  if (!given && window.source === 'default' && memory.length > 0) {
    memoryStatus.notes.push({ key: 'burst:notes.memory_no_burst' });
  }
  const span = { from: window.from, to: window.to };
  const awsOpts = {
    window: span,
    now,
    ...(deps.logsPollMs !== undefined ? { logsPollMs: deps.logsPollMs } : {}),
    ...(deps.logsTimeoutMs !== undefined ? { logsTimeoutMs: deps.logsTimeoutMs } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const walkOpts = {
    ...(deps.throttle !== undefined ? { throttle: deps.throttle } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  // The two Redis walks share the connection (and its SELECT): one after the other, while the
  // AWS sources run beside them.
  const redisSide = (async () => {
    const census = await censusEvidence(deps.conn, deps.snapshots, cluster.name, span, walkOpts);
    const young = await sampleYoungKeys(deps.conn, {
      lookbackFrom: new Date(window.from.getTime() - WRITE_LOOKBACK_MS),
      window: span,
      ...(deps.youngSample !== undefined ? { sample: deps.youngSample } : {}),
      ...walkOpts,
      now: () => (deps.now?.() ?? new Date()).getTime(),
    });
    return { census, young };
  })();
  const [{ census, young }, logs, rules, ecs] = await Promise.all([
    redisSide,
    logsEvidence(deps.aws, cluster, awsOpts),
    rulesEvidence(deps.aws, cluster, awsOpts),
    ecsEvidence(deps.aws, cluster, awsOpts),
  ]);
  const youngStatus: SourceStatus = {
    source: 'young_keys',
    state: young.patterns.length > 0 ? 'ok' : 'empty',
    notes: young.patterns.length > 0 ? [] : [{ key: 'burst:notes.young_empty' }],
  };

  const candidates: Omit<Candidate, 'score'>[] = [];
  const grown = new Map(
    (census.evidence?.diff.patterns ?? [])
      .filter((p) => p.change === 'new' || p.change === 'grew')
      .map((p) => [p.pattern, p]),
  );
  for (const p of young.patterns) {
    const g = grown.get(p.pattern);
    candidates.push({
      kind: 'pattern',
      name: p.pattern,
      activity: onGrid(p.writes, window.from, window.to),
      ...(g ? { bytesDelta: g.bytesDelta, keysDelta: g.keysDelta } : {}),
    });
    grown.delete(p.pattern);
  }
  for (const g of [...grown.values()].slice(0, 10)) {
    candidates.push({
      kind: 'pattern',
      name: g.pattern,
      activity: perMinute([], window.from, window.to),
      bytesDelta: g.bytesDelta,
      keysDelta: g.keysDelta,
    });
  }
  for (const r of rules.evidence?.rules ?? []) {
    if (r.firings.length === 0) continue;
    candidates.push({
      kind: 'rule',
      name: r.name,
      activity: perMinute(
        r.firings.map((f) => f.getTime()),
        window.from,
        window.to,
      ),
    });
  }
  if (logs.evidence && logs.evidence.perMinute.length > 0) {
    candidates.push({
      kind: 'logs',
      name: logs.evidence.logGroups.join(', '),
      activity: onGrid(logs.evidence.perMinute, window.from, window.to),
    });
  }
  const byService = new Map<string, number[]>();
  for (const t of ecs.evidence?.tasks ?? []) {
    if (!t.startedAt || t.startedAt.getTime() < window.from.getTime()) continue;
    byService.set(t.service, [...(byService.get(t.service) ?? []), t.startedAt.getTime()]);
  }
  for (const [service, starts] of byService) {
    candidates.push({ kind: 'task', name: service, activity: perMinute(starts, window.from, window.to) });
  }

  // Patterns that could not be dated: their "write times" are only the latest each key can have
  // been written. Lined up against the memory curve (independent of them) they may rank; they never
  // build the Redis-writes curve nor get scored against it, which would rank them by their own spread.
  const undated = new Set(young.patterns.filter((p) => p.dating === 'lower_bound').map((p) => p.pattern));
  const isUndated = (c: Omit<Candidate, 'score'>) => c.kind === 'pattern' && undated.has(c.name);
  const growth = memoryGrowth(memory, window.from, window.to);
  let reference: ReferenceCurve = 'none';
  let curve: MinuteCount[] | undefined;
  if (growth.some((g) => g.count > 0)) {
    reference = 'memory';
    curve = growth;
  } else {
    const writes = perMinute([], window.from, window.to);
    // Only dated patterns (the others have no activity). The last minutes are left out: a key read
    // since its write shows its last read, and a hot pattern always has some "now", which says
    // nothing about a burst.
    const recent = now.getTime() - RECENT_WRITES_MS;
    for (const c of candidates) {
      if (c.kind !== 'pattern' || isUndated(c)) continue;
      c.activity.forEach((a, i) => {
        const cell = writes[i];
        if (cell && a.at.getTime() < recent) cell.count += a.count;
      });
    }
    if (writes.some((w) => w.count > 0)) {
      reference = 'redis_writes';
      curve = writes;
    }
  }
  const scored =
    reference === 'memory'
      ? candidates
      : candidates.map((c) => (isUndated(c) ? { ...c, activity: perMinute([], window.from, window.to) } : c));
  const ranked = rankCandidates(scored, curve, span);
  // The start "from Redis alone" comes from a dated pattern only.
  const topPattern = ranked.find(
    (c) => c.kind === 'pattern' && c.start !== undefined && !undated.has(c.name),
  );
  return {
    cluster: cluster.name,
    generatedAt: now,
    window,
    memory,
    reference,
    ...(topPattern?.start ? { redisBurstStart: topPattern.start } : {}),
    sources: [memoryStatus, census.status, youngStatus, logs.status, rules.status, ecs.status],
    ...(census.evidence ? { census: census.evidence } : {}),
    youngKeys: young,
    ...(logs.evidence ? { logs: logs.evidence } : {}),
    ...(rules.evidence ? { rules: rules.evidence } : {}),
    ...(ecs.evidence ? { ecs: ecs.evidence } : {}),
    candidates: ranked,
  };
}

/** Start, peak and recovery of a burst inside a given window, when the curve shows one. */
function burstMarks(memory: readonly TrendPoint[], given: { from: Date; to: Date }): Partial<BurstWindow> {
  const inside = memory.filter((p) => p.at >= given.from && p.at <= given.to);
  const found = detectBurst(inside, given.to);
  if (!found) return {};
  const { from: _from, to: _to, source: _source, ...marks } = found;
  return marks;
}

/**
 * No memory series: no AWS settings and no samples in the bot's history is "not configured", a
 * history too short for the window is "empty"; anything else (an AWS error, the history unreadable,
 * a provider that threw) failed.
 */
function missingMemoryState(notes: readonly Note[]): SourceState {
  const keys = notes.map((n) => n.key);
  if (keys.length > 0 && keys.every((k) => k === 'notes.aws_not_configured')) return 'not_configured';
  if (
    keys.includes('notes.history_too_short') &&
    keys.every((k) => k === 'notes.aws_not_configured' || k === 'notes.history_too_short')
  )
    return 'empty';
  return 'failed';
}
