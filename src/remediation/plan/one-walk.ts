/**
 * The plan's one walk: every rule of a plan applied in a single SCAN pass over the DBs they share.
 * Each page is read once (SCAN MATCH with the rules' union filter, scan-filter.ts), every name is
 * tested against each rule's byte-exact glob, and each rule's keys are written exactly as a
 * separate run of that rule writes them (its stamp, salt, jitter, strategy, replay window: the
 * engine's page writers, page-write.ts). Counters are kept per rule and per node/DB, so the plan's
 * checkpoint is one engine checkpoint per rule sharing the walk's cursors: a resumed plan gives
 * every rule the counts an uninterrupted run would (the engine's resume rules, resume.ts).
 *
 * Pages are pipelined like the engine's (WRITE_DEPTH pages written beyond the last saved
 * checkpoint at most), the memory guard admits each page's writes, and a throttled walk paces each
 * SCAN. Cluster targets are not walked here (a reshard would need the engine's slot following per
 * rule): `runPlan` runs their rules one after the other instead.
 */

import type { Redis } from 'ioredis';
import { MedicError } from '../../errors.js';
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import type { TargetConnection } from '../../redis/connect.js';
import { dbsToWalk } from '../../redis/databases.js';
import { classifyRedisError } from '../../redis/errors.js';
import { addPage, emptyCounters } from '../engine/counters.js';
import { type NodeState, type PageResult, prepareNode, type Unit } from '../engine/node.js';
import {
  type ApplyOptions,
  type EngineStrategy,
  PAUSE_REASON,
  resolveRunSettings,
} from '../engine/options.js';
import { writePage } from '../engine/page-write.js';
import { checkpointOf, progressOf, walkedFraction } from '../engine/progress.js';
import { placeUnits } from '../engine/resume.js';
import {
  closeScanner,
  openScanner,
  pace,
  restoreDb,
  scanPages,
  startPacing,
  switchDb,
} from '../engine/scan.js';
import { loadPageScripts, pickStrategy } from '../engine/strategy.js';
import { type Stamp, stampFor } from '../fingerprint.js';
import { MemoryGuard, type MemoryGuardOptions } from '../memory-guard.js';
import { planResume, unitKey } from '../resume-plan.js';
import { ttlRangeMs } from '../rules.js';
import { serverGlob } from '../server-glob.js';
import type { EngineCounters, EnginePauseReason, TtlRule } from '../types.js';
import { unionFilter } from './scan-filter.js';
import type { PlanCheckpoint, PlanProgress, PlanWalkResult } from './types.js';

const WRITE_DEPTH = 3;

export interface PlanWalkOptions extends Omit<ApplyOptions, 'checkpoint' | 'onPage'> {
  checkpoint?: PlanCheckpoint;
  onPage?: (cp: PlanCheckpoint, progress: PlanProgress) => Promise<void> | void;
}

/** One rule inside the walk: what its page writes need (the engine's WriteContext) and its counts. */
class RuleLane {
  readonly capMs: number;
  readonly stamp: Stamp;
  salt = 0;
  strategy: EngineStrategy = 'options';
  readonly reshard = undefined;
  attemptStartMs = 0;
  matches: (name: Uint8Array) => boolean = () => false;
  counters: EngineCounters = emptyCounters();
  startCounters: EngineCounters = emptyCounters();
  /** Per unit (same index as the walk's units). */
  unitCounters: EngineCounters[] = [];
  approximate = false;

  constructor(readonly rule: TtlRule) {
    const range = ttlRangeMs(rule);
    this.stamp = stampFor(range.minMs, range.maxMs);
    this.capMs = rule.ttlSec * 1000;
  }
}

interface Inflight {
  next: string;
  scanned: number[];
  result: Promise<(PageResult | null)[]>;
}

export class PlanWalk {
  private readonly lanes: RuleLane[];
  private readonly throttle: Readonly<Required<ThrottleOptions>> | null;
  private readonly memoryGuard: MemoryGuardOptions;
  private readonly count: number;
  private readonly filter: string;
  private nodes: NodeState[] = [];
  private units: Unit[] = [];
  private strategy: EngineStrategy = 'options';
  private runStartMs = 0;
  private startedAt: string;
  private startFraction = 0;
  private walked = 0;
  private readonly t0 = performance.now();
  private readonly internal = new AbortController();
  private readonly signal: AbortSignal;
  private failure: unknown;
  private pausedBy: EnginePauseReason | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly conn: TargetConnection,
    rules: readonly TtlRule[],
    private readonly opts: PlanWalkOptions,
  ) {
    if (rules.length === 0) throw new RangeError('a plan needs at least one rule');
    const base: ApplyOptions = {
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.memoryGuard ? { memoryGuard: opts.memoryGuard } : {}),
      ...(opts.count !== undefined ? { count: opts.count } : {}),
    };
    // Every rule is validated (ttl, jitter) before anything is read; the settings are the walk's.
    const settings = rules.map((r) => resolveRunSettings(r, base))[0] as ReturnType<
      typeof resolveRunSettings
    >;
    this.throttle = settings.throttle;
    this.memoryGuard = settings.memoryGuard;
    this.count = settings.count;
    this.lanes = rules.map((r) => new RuleLane(r));
    this.filter = unionFilter(rules.map((r) => r.match));
    this.startedAt = opts.checkpoint?.rules[0]?.startedAt ?? new Date().toISOString();
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.internal.signal]) : this.internal.signal;
  }

  close(): void {
    for (const node of this.nodes) closeScanner(node);
  }

  async prepare(): Promise<void> {
    if (this.conn.target.mode === 'cluster') throw new RangeError('the one walk runs on standalone targets');
    dbsToWalk(this.conn.target, '');
    const cps = this.opts.checkpoint?.rules;
    if (cps && cps.length !== this.lanes.length) throw new RangeError('checkpoint does not match the plan');
    this.nodes = await Promise.all(
      this.conn.primaries().map((redis: Redis) => prepareNode(this.conn.target, redis, false)),
    );
    for (const lane of this.lanes) lane.matches = await serverGlob(this.conn, lane.rule.match);
    const wanted = this.opts.strategy ?? 'auto';
    this.strategy = pickStrategy(this.nodes, wanted, cps?.[0]?.strategy);
    if (this.strategy === 'lua') this.strategy = await loadPageScripts(this.nodes, wanted);
    const units = this.nodes.flatMap((n) => n.units);
    const current = units.map((u) => ({ address: u.address, db: u.db, runId: u.node.runId }));
    const plans = cps?.map((cp) => planResume(cp, current)) ?? null;
    // Cursors, replay windows and time base are the walk's, the same in every rule's checkpoint.
    const placed = await placeUnits(this.nodes, cps?.[0], plans?.[0] ?? null);
    this.runStartMs = placed.runStartMs;
    const random = this.opts.random ?? Math.random;
    this.lanes.forEach((lane, i) => {
      lane.strategy = this.strategy;
      lane.attemptStartMs = placed.attemptStartMs;
      lane.salt = cps?.[i]?.salt ?? Math.floor(random() * 4_294_967_296) >>> 0;
      const plan = plans?.[i];
      lane.counters = { ...emptyCounters(), ...(plan?.counters ?? {}) };
      lane.startCounters = { ...lane.counters };
      lane.approximate = plan ? !plan.exact : false;
      lane.unitCounters = units.map((u) => ({
        ...emptyCounters(),
        ...(plan?.continued.get(unitKey(u))?.counters ?? {}),
      }));
    });
    this.units = units;
    if (this.throttle) await startPacing(this.nodes, this.throttle);
    for (const node of this.nodes) node.memory = new MemoryGuard(node.redis, node.address, this.memoryGuard);
    if (!this.throttle) await Promise.all(this.nodes.map((n) => openScanner(n, false)));
    this.startFraction = walkedFraction(this.units);
    if (!cps) await this.report();
  }

  async execute(): Promise<void> {
    await Promise.all(
      this.nodes.map((node) =>
        this.walkNode(node).catch((err: unknown) => {
          this.failure ??= err;
          this.internal.abort(err);
        }),
      ),
    );
    await Promise.all(this.nodes.map((n) => restoreDb(n)));
    await this.chain.catch(() => {});
    if (this.failure) throw this.failure;
  }

  private async walkNode(node: NodeState): Promise<void> {
    for (const unit of node.units) {
      if (unit.done) continue;
      if (this.signal.aborted) return;
      await switchDb(node, unit.db).catch((err: unknown) => {
        throw classifyRedisError(err, node.address);
      });
      await this.walkUnit(node, unit);
    }
  }

  private async walkUnit(node: NodeState, unit: Unit): Promise<void> {
    const free = !this.throttle;
    const depth = free ? WRITE_DEPTH : 1;
    const index = this.units.indexOf(unit);
    const pages = scanPages(node, {
      cursor: unit.cursor,
      match: this.filter,
      count: this.count,
      readAhead: free,
      signal: this.signal,
      pace: () => this.pace(node),
    });
    const inflight: Inflight[] = [];
    const settle = async (): Promise<void> => {
      const item = inflight.shift() as Inflight;
      const results = await item.result;
      let timeMs: number | undefined;
      this.lanes.forEach((lane, i) => {
        const page = results[i] ?? null;
        const scanned = item.scanned[i] ?? 0;
        addPage(lane.counters, scanned, 0, page);
        addPage(lane.unitCounters[index] as EngineCounters, scanned, 0, page);
        if (page) timeMs = Math.max(timeMs ?? 0, page.timeMs);
      });
      if (timeMs !== undefined) unit.timeMs = timeMs;
      unit.cursor = item.next;
      if (item.next === '0') unit.done = true;
      await this.report();
    };
    try {
      for await (const { page } of pages) {
        const buckets: Buffer[][] = this.lanes.map(() => []);
        for (const name of page.names) {
          // Rules are disjoint (scan-filter.ts): at most one takes a key; the first one that does.
          const i = this.lanes.findIndex((lane) => lane.matches(name));
          if (i >= 0) (buckets[i] as Buffer[]).push(name);
        }
        this.walked += page.names.length;
        const keys = buckets.reduce((s, b) => s + b.length, 0);
        if (keys > 0) {
          await this.admitMemory(node, unit, keys, async () => {
            while (inflight.length > 0) await settle();
          });
          if (this.signal.aborted) break;
        }
        const result = Promise.all(
          this.lanes.map((lane, i) => {
            const bucket = buckets[i] as Buffer[];
            return bucket.length > 0 ? writePage(lane, node, unit, bucket) : Promise.resolve(null);
          }),
        );
        result.catch(() => {});
        inflight.push({ next: page.cursor, scanned: buckets.map((b) => b.length), result });
        while (inflight.length >= depth) await settle();
      }
      while (inflight.length > 0) await settle();
    } finally {
      for (const item of inflight) item.result.catch(() => {});
    }
  }

  private async pace(node: NodeState): Promise<void> {
    if (!this.throttle) return;
    await pace(node, this.count, this.signal, {
      onPause: () => {
        this.pausedBy = 'latency';
      },
      onClear: () => {
        this.pausedBy = undefined;
      },
    });
  }

  private async admitMemory(
    node: NodeState,
    unit: Unit,
    keys: number,
    drain: () => Promise<void>,
  ): Promise<void> {
    try {
      await (node.memory as MemoryGuard).admit(this.signal, keys, unit.db, {
        settle: drain,
        onPause: () => {
          this.pausedBy = 'memory';
          void this.report().catch(() => {});
        },
      });
      if (this.pausedBy === 'memory') this.pausedBy = undefined;
    } catch (err) {
      if (this.signal.aborted) return;
      if (err instanceof MedicError) throw err;
      throw classifyRedisError(err, node.address);
    }
  }

  /** Serialized: one `onPage` at a time, each with the snapshot of its turn. */
  private report(): Promise<void> {
    const onPage = this.opts.onPage;
    if (!onPage) return Promise.resolve();
    const next = this.chain.then(() => onPage(this.snapshot(), this.progress()));
    this.chain = next.catch(() => {});
    return next;
  }

  snapshot(): PlanCheckpoint {
    return {
      rules: this.lanes.map((lane) => {
        const saved = this.units.map((u, i) => ({ ...u, counters: lane.unitCounters[i] as EngineCounters }));
        return checkpointOf(saved, lane.counters, {
          salt: lane.salt,
          runStartMs: this.runStartMs,
          strategy: this.strategy,
          startedAt: this.startedAt,
        });
      }),
    };
  }

  private progress(): PlanProgress {
    const sum = emptyCounters();
    const start = emptyCounters();
    for (const lane of this.lanes) {
      addPage(sum, lane.counters.scanned, lane.counters.errors, {
        ...lane.counters,
        errors: 0,
        timeMs: 0,
      });
      addPage(start, lane.startCounters.scanned, lane.startCounters.errors, {
        ...lane.startCounters,
        errors: 0,
        timeMs: 0,
      });
    }
    const walk = progressOf({
      units: this.units,
      counters: sum,
      startCounters: start,
      startFraction: this.startFraction,
      t0: this.t0,
      pausedBy: this.pausedBy,
      memoryPause: undefined,
      pauses: this.nodes.reduce((s, n) => s + (n.pacer?.pauses ?? 0) + (n.memory?.pauses ?? 0), 0),
    });
    return { walk, rules: this.lanes.map((l) => ({ ...l.counters })) };
  }

  result(started: number): PlanWalkResult {
    const checkpoint: PlanCheckpoint = { rules: this.snapshot().rules.map((cp) => ({ ...cp, clean: true })) };
    const complete = this.units.every((u) => u.done);
    const aborted = this.opts.signal?.aborted === true && !complete;
    const stoppedBy = aborted
      ? this.opts.signal?.reason === PAUSE_REASON
        ? ('pause' as const)
        : ('cancel' as const)
      : undefined;
    const durationMs = Math.round(performance.now() - started);
    const pauses = this.nodes.reduce((s, n) => s + (n.pacer?.pauses ?? 0) + (n.memory?.pauses ?? 0), 0);
    const pausedMs = this.nodes.reduce((s, n) => s + (n.pacer?.pausedMs ?? 0) + (n.memory?.pausedMs ?? 0), 0);
    return {
      rules: this.lanes.map((lane, i) => ({
        rule: lane.rule,
        counters: { ...lane.counters },
        complete,
        ...(stoppedBy ? { stoppedBy } : {}),
        durationMs,
        strategy: this.strategy,
        checkpoint: checkpoint.rules[i] as PlanCheckpoint['rules'][number],
        pauses,
        pausedMs: Math.round(pausedMs),
        ...(lane.approximate ? { approximate: true } : {}),
      })),
      complete,
      ...(stoppedBy ? { stoppedBy } : {}),
      durationMs,
      walked: this.walked,
      checkpoint,
    };
  }
}

/** Applies every rule of the plan in one walk of the target's DBs (standalone targets). */
export async function applyPlanOneWalk(
  conn: TargetConnection,
  rules: readonly TtlRule[],
  opts: PlanWalkOptions = {},
): Promise<PlanWalkResult> {
  const started = performance.now();
  const walk = new PlanWalk(conn, rules, opts);
  try {
    await walk.prepare();
    await walk.execute();
  } finally {
    walk.close();
  }
  return walk.result(started);
}
