/**
 * The burst hunt's results: the window around a memory burst, the evidence of each source (Redis,
 * CloudWatch Logs, EventBridge, ECS) and the candidates ranked on one timeline. Plain data with raw
 * values and i18n note keys, never sentences; presenters word it.
 */
import type { CensusDiff } from '../census/diff.js';
import type { Note, TrendPoint } from '../domain/types.js';

/** Where the window came from: the person, the memory curve, or a default look-back. */
export type WindowSource = 'given' | 'memory' | 'default';

export interface BurstWindow {
  from: Date;
  to: Date;
  source: WindowSource;
  /** From the memory curve, when it shows a burst: first rising point, highest point, back down. */
  start?: Date;
  peak?: Date;
  peakPct?: number;
  baselinePct?: number;
  /** Absent while memory has not come back half-way to the baseline. */
  recovery?: Date;
}

export type EvidenceSource = 'memory' | 'census' | 'young_keys' | 'logs' | 'rules' | 'ecs';

/** How one source fared: shown for every source, so a missing one is named and not just absent. */
/** `no_snapshot`: the census has no snapshot from before the window to diff against. */
export type SourceState = 'ok' | 'empty' | 'no_snapshot' | 'not_configured' | 'partial' | 'failed';

export interface SourceStatus {
  source: EvidenceSource;
  state: SourceState;
  notes: Note[];
}

/** A count per minute (bin start), oldest first. */
export interface MinuteCount {
  at: Date;
  count: number;
}

/** Remaining-TTL spread of the sampled keys of one pattern, in ms. */
export interface TtlSpread {
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export type WriteDating = 'fixed_ttl' | 'idle' | 'lower_bound';

/** One pattern of the sampled "young keys" view. */
export interface YoungPattern {
  pattern: string;
  /** Sampled keys of the pattern with a TTL. */
  keysWithTtl: number;
  /** Of those, keys whose remaining TTL is at most the short-TTL horizon. */
  shortTtlKeys: number;
  ttl: TtlSpread;
  /**
   * How the write times were dated. `fixed_ttl`: OBJECT IDLETIME showed the keys got one TTL
   * (remaining TTL + idle time alike across the sampled keys), written = expiry − that TTL.
   * `idle`: the TTLs vary, so the sampled keys are dated by OBJECT IDLETIME alone (last write or
   * read). `lower_bound`: no idle time (LFU policy, or OBJECT refused): the TTL is taken as the
   * longest remaining one, which can only be too short, so every time is the latest the key can
   * have been written; such a pattern is not dated and not ranked by time.
   */
  dating: WriteDating;
  /** Keys of the pattern asked OBJECT IDLETIME (0 without idle times). */
  idleSampled: number;
  /**
   * The TTL the dating assumed: with `fixed_ttl` the largest remaining TTL + idle time seen; with
   * `lower_bound` the longest remaining TTL rounded up to a whole minute; with `idle` the largest
   * remaining TTL + idle time seen (the TTLs vary, nothing is derived from it).
   */
  typicalTtlMs: number;
  /** Estimated writes per minute inside the look-back (sampled keys, not scaled). */
  writes: MinuteCount[];
  /** Start of the busiest run of writes, when there is one. */
  burstStart?: Date;
  burstPeak?: Date;
}

export interface YoungKeysEvidence {
  sampledKeys: number;
  sampleLimit: number;
  /** Keys with a remaining TTL up to this count as short-lived. */
  horizonMs: number;
  /** Whether the server answered OBJECT IDLETIME (not under an LFU policy, nor when refused). */
  idleTime: boolean;
  patterns: YoungPattern[];
}

export interface CensusEvidence {
  beforeId: string;
  /** A stored snapshot id, or `fresh` for a census taken by the hunt. */
  afterId: string;
  diff: CensusDiff;
}

export interface LogsEvidence {
  logGroups: string[];
  query: string;
  perMinute: MinuteCount[];
  busiest: MinuteCount[];
  /** Lines of the busiest minutes, secrets redacted, each cut to a readable length. */
  samples: { at: Date; message: string }[];
}

export interface RuleFinding {
  name: string;
  state: string;
  schedule?: string;
  /** Times it would have fired inside the window (cron exact; rate only every N from an unknown phase). */
  firings: Date[];
  /** rate(…): the phase is unknown, so `firings` are spaced right but may be shifted. */
  approximate: boolean;
  /** The expression could not be read (kept, said in the report). */
  unreadable?: boolean;
  /** State DISABLED: it fires nothing, so it has no firings and is never ranked. */
  disabled?: boolean;
}

export interface RulesEvidence {
  filters: string[];
  rules: RuleFinding[];
}

export interface TaskFinding {
  taskId: string;
  service: string;
  lastStatus: string;
  startedAt?: Date;
  stoppedAt?: Date;
  taskDefinition?: string;
}

export interface EcsEvidence {
  cluster: string;
  services: string[];
  tasks: TaskFinding[];
  /** The window begins more than about an hour ago: tasks that stopped since are no longer visible. */
  stoppedHidden: boolean;
}

export type CandidateKind = 'pattern' | 'rule' | 'logs' | 'task';

export interface Candidate {
  kind: CandidateKind;
  /** Pattern, rule name, log group(s), or service/task id. Data: escape before display. */
  name: string;
  /** Activity per minute on the shared timeline (writes, firings, log lines, task starts). */
  activity: MinuteCount[];
  /** First minute of the candidate's main activity. */
  start?: Date;
  /** 0–1: how well its activity lines up with the reference curve (see `reference`). */
  score: number;
  /** Minutes the activity leads the memory growth by (at the best fit). */
  leadMinutes?: number;
  /** Pattern candidates: bytes grown between the censuses (absent without a diff). */
  bytesDelta?: number;
  keysDelta?: number;
}

/** What the candidates were lined up against. */
export type ReferenceCurve = 'memory' | 'redis_writes' | 'none';

export interface BurstReport {
  cluster: string;
  generatedAt: Date;
  window: BurstWindow;
  memory: TrendPoint[];
  reference: ReferenceCurve;
  /** The burst's start as estimated from Redis alone (the top pattern's writes), when it could be. */
  redisBurstStart?: Date;
  sources: SourceStatus[];
  census?: CensusEvidence;
  youngKeys?: YoungKeysEvidence;
  logs?: LogsEvidence;
  rules?: RulesEvidence;
  ecs?: EcsEvidence;
  candidates: Candidate[];
}
