/**
 * The bot's `/metrics` (prom-client), one registry per bot process. What feeds it:
 *
 * - `recordSample(cluster, sample)`: the latest sample of a cluster (INFO summed over its primaries).
 *   Whoever takes samples calls it after each one; the gauges keep the last value.
 * - `recordCensus(cluster, census)`: the latest census, per pattern (the 50 biggest by bytes, the
 *   rest summed into `other`). The scrape also reads each cluster's newest stored census from the
 *   queue Redis (`censuses` option), so any replica shows a census another replica ran.
 * - `slackCall(method, outcome)`, `awsError(action, kind)`: counters, called where those calls fail.
 * - `scheduleLag(schedule, seconds)`: how late a scheduled tick ran.
 * - Jobs by queue and state: read from BullMQ (`getJobCounts`) at each scrape (`queues` option).
 *
 * Every series carries the `cluster` label where it is about a cluster; names are in `names.ts`.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CensusResult } from '../../census/types.js';
import { BOT_METRICS, OTHER_PATTERN } from './names.js';

/** One sample's figures; a field left out keeps its gauge unchanged. */
export interface SampleFigures {
  /** When the sample was taken. */
  at: Date;
  usedMemoryBytes?: number;
  /** 0 when the target has no limit. */
  maxmemoryBytes?: number;
  keys?: number;
  keysWithTtl?: number;
  /** INFO's `evicted_keys` (a counter on the server, shown as its latest value). */
  evictedKeys?: number;
  expiredKeys?: number;
  opsPerSec?: number;
  fragmentationRatio?: number;
  connectedClients?: number;
}

/** A BullMQ queue as far as the scrape needs it. */
export interface CountedQueue {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface MedicMetricsOptions {
  /** Queues whose jobs are counted by state at each scrape. */
  queues?: CountedQueue[];
  /** The newest stored census of every cluster (read at each scrape; undefined: none yet). */
  censuses?: () => Promise<{ cluster: string; census: CensusResult | undefined }[]>;
  /** Patterns per cluster with their own series; the rest are summed into `other`. @defaultValue 50 */
  maxPatterns?: number;
  /** A failure while reading queues or censuses at scrape time (the scrape still answers). */
  onCollectError?: (err: unknown) => void;
  /**
   * How long a scrape waits for the queue Redis (job counts, censuses) before answering with what it
   * has: while the queue Redis is down its commands wait for the reconnect, and a scrape must not.
   * @defaultValue 3000
   */
  collectTimeoutMs?: number;
}

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed'];

export class MedicMetrics {
  readonly registry = new Registry();
  private readonly sample: Record<Exclude<keyof SampleFigures, 'at'> | 'keysWithoutTtl' | 'at', Gauge>;
  private readonly pattern: { keys: Gauge; withoutTtl: Gauge; bytes: Gauge; at: Gauge };
  private readonly jobs: Gauge;
  private readonly slackErrors: Counter;
  private readonly slackWaits: Counter;
  private readonly awsErrors: Counter;
  private readonly lag: Gauge;
  /** The census shown per cluster (by finish time), so a stored one is not re-applied every scrape. */
  private readonly shownCensus = new Map<string, string>();
  private readonly shownPatterns = new Map<string, string[]>();
  private readonly maxPatterns: number;
  private readonly queues: CountedQueue[];

  constructor(private readonly options: MedicMetricsOptions = {}) {
    this.maxPatterns = options.maxPatterns ?? 50;
    this.queues = [...(options.queues ?? [])];
    const gauge = (name: string, help: string, labelNames: string[] = ['cluster']) =>
      new Gauge({ name, help, labelNames, registers: [this.registry] });
    const counter = (name: string, help: string, labelNames: string[]) =>
      new Counter({ name, help, labelNames, registers: [this.registry] });
    const m = BOT_METRICS;
    this.sample = {
      usedMemoryBytes: gauge(m.memoryUsedBytes, 'Used memory at the latest sample (bytes, all primaries)'),
      maxmemoryBytes: gauge(
        m.memoryMaxBytes,
        'maxmemory at the latest sample (bytes, all primaries; 0: no limit)',
      ),
      keys: gauge(m.keys, 'Keys at the latest sample'),
      keysWithTtl: gauge(m.keysWithTtl, 'Keys with a TTL at the latest sample'),
      keysWithoutTtl: gauge(m.keysWithoutTtl, 'Keys without a TTL at the latest sample'),
      evictedKeys: gauge(m.evictedKeys, "INFO evicted_keys at the latest sample (the server's counter)"),
      expiredKeys: gauge(m.expiredKeys, "INFO expired_keys at the latest sample (the server's counter)"),
      opsPerSec: gauge(m.opsPerSec, 'Operations per second at the latest sample'),
      fragmentationRatio: gauge(m.fragmentationRatio, 'mem_fragmentation_ratio at the latest sample'),
      connectedClients: gauge(m.connectedClients, 'Connected clients at the latest sample'),
      at: gauge(m.sampleTimestamp, 'When the latest sample was taken (Unix seconds)'),
    };
    const perPattern = ['cluster', 'pattern'];
    this.pattern = {
      keys: gauge(m.censusPatternKeys, 'Keys of the pattern in the latest census', perPattern),
      withoutTtl: gauge(
        m.censusPatternKeysWithoutTtl,
        'Keys of the pattern without TTL in the latest census',
        perPattern,
      ),
      bytes: gauge(
        m.censusPatternBytes,
        'Bytes of the pattern in the latest census (MEMORY USAGE)',
        perPattern,
      ),
      at: gauge(m.censusTimestamp, 'When the latest census finished (Unix seconds)'),
    };
    this.jobs = gauge(m.jobs, 'Jobs by queue and state', ['queue', 'state']);
    this.slackErrors = counter(m.slackApiErrors, 'Slack Web API calls that failed', ['method', 'error']);
    this.slackWaits = counter(m.slackRateLimitWaits, 'Slack Web API calls answered 429 (rate limited)', [
      'method',
    ]);
    this.awsErrors = counter(m.awsErrors, 'AWS API calls that failed', ['action', 'kind']);
    this.lag = gauge(m.scheduleLagSeconds, 'How late the latest tick of a schedule ran (seconds)', [
      'schedule',
    ]);
  }

  /** Adds a queue to those counted at each scrape. */
  countQueue(queue: CountedQueue): void {
    this.queues.push(queue);
  }

  recordSample(cluster: string, sample: SampleFigures): void {
    const set = (gauge: Gauge, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) gauge.set({ cluster }, value);
    };
    const g = this.sample;
    set(g.usedMemoryBytes, sample.usedMemoryBytes);
    set(g.maxmemoryBytes, sample.maxmemoryBytes);
    set(g.keys, sample.keys);
    set(g.keysWithTtl, sample.keysWithTtl);
    if (sample.keys !== undefined && sample.keysWithTtl !== undefined) {
      set(g.keysWithoutTtl, sample.keys - sample.keysWithTtl);
    }
    set(g.evictedKeys, sample.evictedKeys);
    set(g.expiredKeys, sample.expiredKeys);
    set(g.opsPerSec, sample.opsPerSec);
    set(g.fragmentationRatio, sample.fragmentationRatio);
    set(g.connectedClients, sample.connectedClients);
    g.at.set({ cluster }, sample.at.getTime() / 1000);
  }

  /** Replaces the cluster's per-pattern series with this census's (patterns no longer present go away). */
  recordCensus(cluster: string, census: CensusResult): void {
    const { keys, withoutTtl, bytes, at } = this.pattern;
    // prom-client removes a series by its full label set: drop the previous census's patterns one by one.
    for (const pattern of this.shownPatterns.get(cluster) ?? []) {
      for (const gauge of [keys, withoutTtl, bytes]) gauge.remove({ cluster, pattern });
    }
    const rows = boundedPatterns(census, this.maxPatterns);
    this.shownPatterns.set(
      cluster,
      rows.map((r) => r.pattern),
    );
    for (const row of rows) {
      const labels = { cluster, pattern: row.pattern };
      keys.set(labels, row.keys);
      withoutTtl.set(labels, row.keysWithoutTtl);
      bytes.set(labels, row.bytes);
    }
    at.set({ cluster }, Date.parse(census.finishedAt) / 1000);
    this.shownCensus.set(cluster, census.finishedAt);
  }

  /** A Slack Web API call that failed; a 429 also counts as a rate-limit wait. */
  slackCall(method: string, outcome: { error: string; rateLimited: boolean }): void {
    this.slackErrors.inc({ method, error: outcome.error });
    if (outcome.rateLimited) this.slackWaits.inc({ method });
  }

  awsError(action: string, kind: string): void {
    this.awsErrors.inc({ action, kind });
  }

  scheduleLag(schedule: string, seconds: number): void {
    this.lag.set({ schedule }, Math.max(0, seconds));
  }

  /** The exposition text, after reading job counts and stored censuses. */
  async metrics(): Promise<string> {
    const budget = this.options.collectTimeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.options.onCollectError?.(new Error(`queue Redis did not answer the scrape within ${budget} ms`));
        resolve();
      }, budget);
    });
    await Promise.race([Promise.all([this.collectJobs(), this.collectCensuses()]), late]);
    clearTimeout(timer);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collectJobs(): Promise<void> {
    await Promise.all(
      this.queues.map(async (queue) => {
        try {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.jobs.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch (err) {
          this.options.onCollectError?.(err);
        }
      }),
    );
  }

  private async collectCensuses(): Promise<void> {
    if (!this.options.censuses) return;
    try {
      for (const { cluster, census } of await this.options.censuses()) {
        if (census && this.shownCensus.get(cluster) !== census.finishedAt) this.recordCensus(cluster, census);
      }
    } catch (err) {
      this.options.onCollectError?.(err);
    }
  }
}

export interface PatternFigures {
  pattern: string;
  keys: number;
  keysWithoutTtl: number;
  bytes: number;
}

/**
 * The census's patterns as series: the `max` biggest by bytes (then keys) under their own name,
 * every other one summed into `other`, so the label count stays bounded whatever the keyspace.
 */
export function boundedPatterns(census: CensusResult, max: number): PatternFigures[] {
  const rows = [...census.patterns].sort((a, b) => b.bytes - a.bytes || b.keys - a.keys);
  const shown: PatternFigures[] = rows.slice(0, max).map((p) => ({
    pattern: p.pattern === OTHER_PATTERN ? `${OTHER_PATTERN} (pattern)` : p.pattern,
    keys: p.keys,
    keysWithoutTtl: p.keysWithoutTtl,
    bytes: p.bytes,
  }));
  const rest = rows.slice(max);
  if (rest.length > 0) {
    shown.push({
      pattern: OTHER_PATTERN,
      keys: sum(rest.map((p) => p.keys)),
      keysWithoutTtl: sum(rest.map((p) => p.keysWithoutTtl)),
      bytes: sum(rest.map((p) => p.bytes)),
    });
  }
  return shown;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
