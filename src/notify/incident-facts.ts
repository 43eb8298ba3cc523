import type { CensusResult } from '../census/types.js';
import type { AuditEntry } from '../incidents/audit-log.js';
import type { Incident, TimelineEntry } from '../incidents/incident-store.js';
import type { RiskLevel, TtlAction, TtlRule } from '../remediation/types.js';
import type { MemoryLevel } from '../status/types.js';
import {
  coversPattern,
  type FixAfterCensus,
  fixesAfter,
  isSmall,
  keysLeftAfter,
  share,
} from './census-after-runs.js';

export { AT_FAULT_MIN_SHARE, coversPattern, type FixAfterCensus } from './census-after-runs.js';

/**
 * The facts an incident message is written from (the message to the application team), gathered from the incident record,
 * its timeline, the audit log, the latest census and the TTL rules. Plain data: no language, no
 * Slack. Every figure in the message comes from here, so a test can check them one by one.
 */
export interface IncidentFacts {
  cluster: string;
  incidentId?: string;
  openedAt?: Date;
  /** Highest memory % any status check of the incident saw, and when. */
  peak?: { pct: number; at: Date };
  /** The last memory % seen (status check or the end of a watch). */
  latest?: { pct: number; at: Date };
  /** A reading taken when the message was drafted (the record had none): what the opening follows. */
  reading?: MemoryReading;
  /** Keys without TTL: from the latest census, else from the first status check. */
  keysWithoutTtl?: number;
  totalKeys?: number;
  census?: { at: Date; snapshotId?: string; sampled: boolean; totalBytes: number };
  /**
   * TTL rules that finished after the census: its figures predate them. Each with its run's own
   * re-count of the keys its MATCH still leaves without TTL, when the run recorded one.
   */
  fixedAfterCensus: FixAfterCensus[];
  /** The census's keys without TTL less what the runs after it fixed (every such run re-counted). */
  keysWithoutTtlNow?: number;
  /** Patterns whose keys never expire, most memory first (at most `maxPatterns`). */
  patternsAtFault: PatternAtFault[];
  /** How many patterns with keys that never expire, above the size threshold, the census found in all. */
  patternsAtFaultTotal: number;
  /** Patterns with keys that never expire below `AT_FAULT_MIN_SHARE` of both the memory and the keys: not listed. */
  smallPatterns: { count: number; keysWithoutTtl: number; bytes: number };
  /** The TTL policy: every rule for the cluster, with what happened to it during the incident. */
  rules: RuleOutcome[];
  timeline: TimelineFact[];
  /** Timeline entries folded away (repeated status checks), so the message can say so. */
  timelineFolded: number;
}

export interface PatternAtFault {
  pattern: string;
  keys: number;
  keysWithoutTtl: number;
  bytes: number;
  /** The rule whose MATCH covers this pattern, if any. */
  rule?: string;
  /** A run of that rule finished after the census: keys still without TTL, when known for this pattern. */
  fixedAfterCensus?: { rule: string; remaining?: number };
}

/** A memory reading taken for the message (INFO, no trend). */
export interface MemoryReading {
  /** null: no maxmemory. */
  pct: number | null;
  at: Date;
  level: MemoryLevel;
  /** The warning line, in percent. */
  warningPct: number;
}

export type RuleStatus = 'proposed' | 'dry_run' | 'approved' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RuleOutcome {
  name: string;
  match: string;
  action: TtlAction;
  ttlSec: number;
  jitter: number;
  includeMissing: boolean;
  risk: RiskLevel;
  note?: string;
  status: RuleStatus;
  /** Keys the dry-run said would change. */
  toChange?: number;
  /** Keys the runs changed (summed over every run, finished or cancelled). */
  changed?: number;
  /** Keys in the pattern still without TTL after the run's verify step. */
  remainingWithoutTtl?: number;
}

export const TIMELINE_KINDS = [
  'opened',
  'status',
  'status_failed',
  'watch_started',
  'watch_ended',
  'census',
  'census_cancelled',
  'census_failed',
  'ttl_dry_run',
  'ttl_dry_run_failed',
  'ttl_approval_requested',
  'ttl_approved',
  'ttl_rejected',
  'ttl_refused',
  'ttl_run_started',
  'ttl_run_finished',
  'ttl_run_cancelled',
  'ttl_run_failed',
  'notify_sent',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineFact {
  at: Date;
  kind: TimelineKind;
  /** Slack user id, `cli:<user>`, or `job`. */
  actor?: string;
  rule?: string;
  memoryPct?: number;
  keys?: number;
  /** ttl_refused: the refusal code (`not_approver` …); watch_ended: how it ended; *_failed: the error code. */
  reason?: string;
  /** ttl_run_finished: keys in the pattern still without TTL after the verify step. */
  remaining?: number;
  /** notify_sent: the channel. */
  channel?: string;
}

export interface IncidentFactsInput {
  cluster: string;
  incident?: Incident;
  timeline?: readonly TimelineEntry[];
  /** Audit entries for the cluster (any order): CLI runs that never reached the Slack timeline. */
  audit?: readonly AuditEntry[];
  census?: CensusResult & { snapshotId?: string };
  rules: readonly TtlRule[];
  /** Patterns listed at most. @defaultValue 10 */
  maxPatterns?: number;
  reading?: MemoryReading;
}

/** The status each event gives a rule; events apply in time order, so the latest one wins. */
const STATUS_OF: Partial<Record<TimelineKind, RuleStatus>> = {
  ttl_dry_run: 'dry_run',
  ttl_approved: 'approved',
  ttl_run_started: 'running',
  ttl_run_finished: 'done',
  ttl_run_cancelled: 'cancelled',
  ttl_run_failed: 'failed',
};

export function buildIncidentFacts(input: IncidentFactsInput): IncidentFacts {
  const openedAt = input.incident ? new Date(input.incident.openedAt) : undefined;
  const fromTimeline = (input.timeline ?? []).flatMap((e) => timelineFact(e));
  // CLI runs are audited but have no Slack thread: add them, once, when inside the incident window.
  const seenRuns = new Set((input.timeline ?? []).map((e) => e.data?.run).filter((r) => r !== undefined));
  const ruleByName = new Map(input.rules.map((r) => [r.name, r]));
  // Stream order (ids), so entries of the same millisecond keep the order they were written in.
  const fromAudit = [...(input.audit ?? [])]
    .sort((a, b) => streamIdOrder(a.id, b.id))
    .filter((a) => a.cluster === input.cluster && a.via === 'cli')
    .filter((a) => !openedAt || new Date(a.at) >= openedAt)
    .filter((a) => !(a.runId && seenRuns.has(a.runId)))
    .flatMap((a) => auditFact(a, a.rule ? ruleByName.get(a.rule) : undefined));
  const all = [...fromTimeline, ...fromAudit].sort((a, b) => a.at.getTime() - b.at.getTime());

  const withPct = all.filter((f) => f.memoryPct !== undefined);
  const peakFact = withPct.reduce<TimelineFact | undefined>(
    (best, f) => (best === undefined || (f.memoryPct ?? 0) > (best.memoryPct ?? 0) ? f : best),
    undefined,
  );
  const latestFact = withPct.at(-1);
  const firstStatus = all.find((f) => f.kind === 'status' && f.keys !== undefined);

  const clusterRules = input.rules.filter((r) => r.cluster === undefined || r.cluster === input.cluster);
  const rules = clusterRules.map((rule) => ruleOutcome(rule, all));
  const census = input.census;
  const fixes = census ? fixesAfter(new Date(census.finishedAt), all) : [];
  const neverExpiring = (census?.patterns ?? []).filter((p) => p.keysWithoutTtl > 0);
  const big = neverExpiring.filter((p) => !isSmall(p, census));
  const small = neverExpiring.filter((p) => isSmall(p, census));
  const atFault = big.sort(
    (a, b) => b.bytes * share(b) - a.bytes * share(a) || b.keysWithoutTtl - a.keysWithoutTtl,
  );
  const patternsAtFault = atFault.slice(0, input.maxPatterns ?? 10).map((p): PatternAtFault => {
    const rule = clusterRules.find((r) => coversPattern(r.match, p.pattern));
    const fix = rule ? fixes.find((f) => f.rule === rule.name) : undefined;
    // The run's re-count covers the rule's whole MATCH: it is this pattern's own figure only when
    // the MATCH is the pattern, or when nothing is left at all.
    const remaining =
      fix?.remaining !== undefined && (rule?.match === p.pattern || fix.remaining === 0)
        ? fix.remaining
        : undefined;
    return {
      pattern: p.pattern,
      keys: p.keys,
      keysWithoutTtl: p.keysWithoutTtl,
      bytes: p.bytes,
      ...(rule ? { rule: rule.name } : {}),
      ...(fix
        ? { fixedAfterCensus: { rule: fix.rule, ...(remaining !== undefined ? { remaining } : {}) } }
        : {}),
    };
  });
  const keysWithoutTtlNow = census ? keysLeftAfter(census, fixes, clusterRules) : undefined;
  const { kept, folded } = foldStatusChecks(all, peakFact);

  return {
    cluster: input.cluster,
    ...(input.incident ? { incidentId: input.incident.id } : {}),
    ...(openedAt ? { openedAt } : {}),
    ...(peakFact ? { peak: { pct: peakFact.memoryPct ?? 0, at: peakFact.at } } : {}),
    ...(latestFact ? { latest: { pct: latestFact.memoryPct ?? 0, at: latestFact.at } } : {}),
    ...(input.census
      ? { keysWithoutTtl: input.census.totalKeysWithoutTtl, totalKeys: input.census.totalKeys }
      : firstStatus?.keys !== undefined
        ? { keysWithoutTtl: firstStatus.keys }
        : {}),
    ...(input.reading ? { reading: input.reading } : {}),
    ...(input.census
      ? {
          census: {
            at: new Date(input.census.finishedAt),
            ...(input.census.snapshotId ? { snapshotId: input.census.snapshotId } : {}),
            sampled: input.census.sampled,
            totalBytes: input.census.totalBytes,
          },
        }
      : {}),
    fixedAfterCensus: fixes,
    ...(keysWithoutTtlNow !== undefined ? { keysWithoutTtlNow } : {}),
    patternsAtFault,
    patternsAtFaultTotal: atFault.length,
    smallPatterns: {
      count: small.length,
      keysWithoutTtl: small.reduce((n, p) => n + p.keysWithoutTtl, 0),
      bytes: small.reduce((n, p) => n + p.bytes * share(p), 0),
    },
    rules,
    timeline: kept,
    timelineFolded: folded,
  };
}

/** Compares two stream ids (`ms-seq`) numerically. */
function streamIdOrder(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/**
 * One pass over the rule's events from both sources in time order: the latest event sets the
 * status, every run (finished or cancelled) adds the keys it changed.
 */
function ruleOutcome(rule: TtlRule, facts: readonly TimelineFact[]): RuleOutcome {
  let status: RuleStatus = 'proposed';
  let toChange: number | undefined;
  let changed: number | undefined;
  let remaining: number | undefined;
  for (const fact of facts) {
    if (fact.rule !== rule.name) continue;
    status = STATUS_OF[fact.kind] ?? status;
    if (fact.kind === 'ttl_dry_run' && fact.keys !== undefined) toChange = fact.keys;
    if ((fact.kind === 'ttl_run_finished' || fact.kind === 'ttl_run_cancelled') && fact.keys !== undefined)
      changed = (changed ?? 0) + fact.keys;
    if (fact.kind === 'ttl_run_finished' && fact.remaining !== undefined) remaining = fact.remaining;
  }
  return {
    name: rule.name,
    match: rule.match,
    action: rule.action,
    ttlSec: rule.ttlSec,
    jitter: rule.jitter,
    includeMissing: rule.includeMissing,
    risk: rule.risk,
    ...(rule.note ? { note: rule.note } : {}),
    status,
    ...(toChange !== undefined ? { toChange } : {}),
    ...(changed !== undefined ? { changed } : {}),
    ...(remaining !== undefined ? { remainingWithoutTtl: remaining } : {}),
  };
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Timeline kinds written under another name: a Refresh is a status check; a cancelled watch ended. */
const KIND_ALIASES: Readonly<Record<string, TimelineKind>> = {
  refresh: 'status',
  watch_cancelled: 'watch_ended',
};

/** The figure each kind carries in `keys`. */
const KEYS_FIELD: Partial<Record<TimelineKind, string>> = {
  status: 'keysWithoutTtl',
  census: 'keysWithoutTtl',
  ttl_dry_run: 'toChange',
  ttl_approval_requested: 'toChange',
  ttl_run_finished: 'changed',
  ttl_run_cancelled: 'changed',
};

function timelineFact(e: TimelineEntry): TimelineFact[] {
  const kind = KIND_ALIASES[e.kind] ?? e.kind;
  if (!(TIMELINE_KINDS as readonly string[]).includes(kind)) return [];
  const k = kind as TimelineKind;
  const d = e.data ?? {};
  const field = KEYS_FIELD[k];
  const keys = field ? num(d[field]) : undefined;
  const reason = e.kind === 'watch_cancelled' ? 'cancelled' : (str(d.reason) ?? str(d.end) ?? str(d.code));
  // A cancelled census records who (or what) stopped it as the actor.
  const fact: TimelineFact = {
    at: new Date(e.at),
    kind: k,
    ...(e.actor ? { actor: e.actor } : {}),
    ...(str(d.rule) ? { rule: str(d.rule) } : {}),
    ...(num(d.memoryPct) !== undefined ? { memoryPct: num(d.memoryPct) } : {}),
    ...(keys !== undefined ? { keys } : {}),
    ...(reason ? { reason } : {}),
    ...(num(d.remainingWithoutTtl) !== undefined ? { remaining: num(d.remainingWithoutTtl) } : {}),
    ...(str(d.channel) ? { channel: str(d.channel) } : {}),
  };
  return Number.isNaN(fact.at.getTime()) ? [] : [fact];
}

const AUDIT_KIND: Partial<Record<AuditEntry['action'], TimelineKind>> = {
  dry_run: 'ttl_dry_run',
  run_started: 'ttl_run_started',
  run_finished: 'ttl_run_finished',
  run_cancelled: 'ttl_run_cancelled',
  run_failed: 'ttl_run_failed',
};

function auditFact(a: AuditEntry, rule: TtlRule | undefined): TimelineFact[] {
  let kind = AUDIT_KIND[a.action];
  if (!kind) return [];
  // The CLI records a cancelled run as run_finished with reason `cancelled`.
  if (kind === 'ttl_run_finished' && a.reason === 'cancelled') kind = 'ttl_run_cancelled';
  const keys = kind === 'ttl_dry_run' ? a.counts?.toChange : a.counts?.changed;
  // The CLI records a failure's error code; older entries hold an i18n key (`remediation:errors.x`),
  // whose last part is that code.
  const reason = a.reason?.split(/[:.]/).at(-1);
  // `left` is the CLI's re-count of what the rule would still change: for a rule that only sets
  // missing TTLs, exactly the keys its MATCH leaves without TTL.
  const remaining =
    kind === 'ttl_run_finished'
      ? (a.counts?.remainingWithoutTtl ?? (rule?.action === 'set-missing' ? a.counts?.left : undefined))
      : undefined;
  return [
    {
      at: new Date(a.at),
      kind,
      actor: a.actor,
      ...(a.rule ? { rule: a.rule } : {}),
      ...(keys !== undefined ? { keys } : {}),
      ...(kind === 'ttl_run_failed' && reason ? { reason } : {}),
      ...(remaining !== undefined ? { remaining } : {}),
    },
  ];
}

/**
 * A watch posts a status every few minutes: keep the first and last status check, the peak, and
 * every other event; fold the rest so the timeline reads like the runbook's, not like a log.
 */
function foldStatusChecks(
  facts: TimelineFact[],
  peak: TimelineFact | undefined,
): { kept: TimelineFact[]; folded: number } {
  const statuses = facts.filter((f) => f.kind === 'status');
  const keep = new Set<TimelineFact>([statuses[0], statuses.at(-1), peak].filter((f) => f !== undefined));
  const kept = facts.filter((f) => f.kind !== 'status' || keep.has(f));
  return { kept, folded: facts.length - kept.length };
}
