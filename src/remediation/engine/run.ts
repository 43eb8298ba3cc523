/**
 * One attempt of a TTL run (EngineRun): prepares every primary (units, strategy, salt, resume
 * windows, guards), walks each node's DBs a SCAN page at a time with the writes of a few pages in
 * flight, settles and reports pages in order, and stops on abort or the first failure.
 */

import type { Redis } from 'ioredis';
import { MedicError } from '../../errors.js';
import { compileGlob } from '../../keyspace/glob.js';
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import type { TargetConnection } from '../../redis/connect.js';
import { dbsToWalk } from '../../redis/databases.js';
import { classifyRedisError } from '../../redis/errors.js';
import { type Stamp, stampFor } from '../fingerprint.js';
import { MemoryGuard, type MemoryGuardOptions, type MemoryPause } from '../memory-guard.js';
import type { Reshard } from '../reshard.js';
import { planResume } from '../resume-plan.js';
import { ttlRangeMs } from '../rules.js';
import { serverGlob } from '../server-glob.js';
import type {
  EngineCheckpoint,
  EngineCounters,
  EnginePauseReason,
  EngineProgress,
  TtlRule,
} from '../types.js';
import { addCounters, addPage, emptyCounters } from './counters.js';
import { type NodeState, type PageResult, prepareNode, type Unit } from './node.js';
import { type ApplyOptions, type EngineStrategy, resolveRunSettings } from './options.js';
import { type WriteContext, writePage } from './page-write.js';
import { checkpointOf, progressOf, ReportChain, walkedFraction } from './progress.js';
import { recountMoved, startFollowing } from './reshard-follow.js';
import { placeUnits } from './resume.js';
import { closeScanner, openScanner, pace, restoreDb, scanPages, startPacing, switchDb } from './scan.js';
import { loadPageScripts, pickStrategy } from './strategy.js';

/** Unthrottled: pages whose writes are in flight at once (see walkUnit). */
const WRITE_DEPTH = 3;

export class EngineRun implements WriteContext {
  strategy: EngineStrategy = 'options';
  salt = 0;
  /** Server time this attempt started (earliest over the nodes). */
  attemptStartMs = 0;
  /** Cluster runs on the page script: what resharding needs (see reshard.ts). */
  reshard: Reshard | undefined;
  readonly stamp: Stamp;
  readonly capMs: number;
  approximate = false;
  private readonly throttle: Readonly<Required<ThrottleOptions>> | null;
  private readonly memoryGuard: MemoryGuardOptions;
  private readonly count: number;
  private matches: (name: Uint8Array) => boolean;
  private nodes: NodeState[] = [];
  private units: Unit[] = [];
  private counters: EngineCounters;
  private startedAt: string;
  private startCounters: EngineCounters;
  private runStartMs = 0;
  /** Resumed from a checkpoint with progress: slot recounts can't see earlier attempts' counts. */
  private resumed = false;
  private startFraction = 0;
  private readonly t0 = performance.now();
  private readonly reports: ReportChain;
  private readonly internal = new AbortController();
  private readonly signal: AbortSignal;
  private failure: unknown;
  private pausedBy: EnginePauseReason | undefined;
  private memoryPause: MemoryPause | undefined;

  constructor(
    private readonly conn: TargetConnection,
    readonly rule: TtlRule,
    private readonly opts: ApplyOptions,
  ) {
    const settings = resolveRunSettings(rule, opts);
    this.throttle = settings.throttle;
    this.memoryGuard = settings.memoryGuard;
    this.count = settings.count;
    this.matches = compileGlob(rule.match);
    const range = ttlRangeMs(rule);
    this.stamp = stampFor(range.minMs, range.maxMs);
    this.capMs = rule.ttlSec * 1000;
    this.counters = { ...emptyCounters(), ...(opts.checkpoint?.counters ?? {}) };
    this.startCounters = { ...this.counters };
    this.startedAt = opts.checkpoint?.startedAt ?? new Date().toISOString();
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.internal.signal]) : this.internal.signal;
    this.reports = new ReportChain(opts.onPage, () => ({
      checkpoint: this.snapshot(),
      progress: this.progress(),
    }));
  }

  /** The scanner connections (unthrottled runs) are closed; the caller's connection stays open. */
  close(): void {
    for (const node of this.nodes) closeScanner(node);
  }

  pauses(): number {
    return this.nodes.reduce((s, n) => s + (n.pacer?.pauses ?? 0) + (n.memory?.pauses ?? 0), 0);
  }

  pausedMs(): number {
    return this.nodes.reduce((s, n) => s + (n.pacer?.pausedMs ?? 0) + (n.memory?.pausedMs ?? 0), 0);
  }

  /** INFO, DBs and DBSIZE, strategy, script, server time, throttle calibration; the initial checkpoint. */
  async prepare(): Promise<void> {
    const cluster = this.conn.target.mode === 'cluster';
    // The URL's DB (else every DB with keys) scopes the run; a bad one is refused before any call.
    dbsToWalk(this.conn.target, '');
    const cp = this.opts.checkpoint;
    this.nodes = await Promise.all(
      this.conn.primaries().map((redis: Redis) => prepareNode(this.conn.target, redis, cluster)),
    );
    // Byte-exact with the server's SCAN MATCH (a range over bytes ≥ 0x80 depends on its build).
    this.matches = await serverGlob(this.conn, this.rule.match);
    const wanted = this.opts.strategy ?? 'auto';
    this.strategy = pickStrategy(this.nodes, wanted, cp?.strategy);
    if (this.strategy === 'lua') this.strategy = await loadPageScripts(this.nodes, wanted);
    this.salt = cp?.salt ?? Math.floor((this.opts.random ?? Math.random)() * 4_294_967_296) >>> 0;
    const units = this.nodes.flatMap((n) => n.units);
    const plan = cp
      ? planResume(
          cp,
          units.map((u) => ({ address: u.address, db: u.db, runId: u.node.runId })),
        )
      : null;
    if (plan) {
      this.counters = { ...emptyCounters(), ...plan.counters };
      this.startCounters = { ...this.counters };
      this.approximate = !plan.exact;
    }
    const placed = await placeUnits(this.nodes, cp, plan);
    this.runStartMs = placed.runStartMs;
    this.attemptStartMs = placed.attemptStartMs;
    this.resumed = (cp?.counters.scanned ?? 0) > 0;
    this.reshard = await startFollowing(this.conn, this.strategy, this.nodes);
    this.units = units;
    if (this.throttle) await startPacing(this.nodes, this.throttle);
    for (const node of this.nodes) node.memory = new MemoryGuard(node.redis, node.address, this.memoryGuard);
    if (!this.throttle) await Promise.all(this.nodes.map((n) => openScanner(n, cluster)));
    this.startFraction = walkedFraction(this.units);
    // A fresh run's salt and time base must be saved before anything is written.
    if (!cp) await this.reports.report();
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
    await this.reports.settled();
    if (this.failure) throw this.failure;
    if (this.reshard && this.units.every((u) => u.done)) await this.recount(this.reshard);
  }

  /** Slots that moved during this attempt, counted again on their owner (see reshard.ts). */
  private async recount(reshard: Reshard): Promise<void> {
    const node = this.nodes[0] as NodeState;
    try {
      const result = await recountMoved(this, reshard, node, this.matches, this.signal);
      if (!result) {
        this.approximate = true;
        return;
      }
      if (result.slots === 0) return;
      addCounters(this.counters, result.delta);
      if (this.resumed) this.approximate = true;
      await this.reports.report();
    } catch (err) {
      throw classifyRedisError(err, node.address);
    }
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

  /**
   * One DB of one primary. Unthrottled, a scanner keeps the next SCAN in flight from the moment the
   * previous one answers (up to a few pages ahead, on its own connection), and the writes of
   * up to WRITE_DEPTH pages are in flight at once, so the server always has work while Node builds
   * the next page: the walk runs at about the speed of a bare SCAN loop. Pages complete, are counted
   * and reported in order; a page is written only after the `onPage` of the page WRITE_DEPTH before
   * it resolved, so at most WRITE_DEPTH pages per node were written beyond the last saved
   * checkpoint (a resumed run recognises them, see the module comment of engine.ts). Throttled: one
   * page at a time, each SCAN after the guards and the budget, nothing read ahead.
   */
  private async walkUnit(node: NodeState, unit: Unit): Promise<void> {
    const free = !this.throttle;
    const depth = free ? WRITE_DEPTH : 1;
    const pages = scanPages(node, {
      cursor: unit.cursor,
      match: this.rule.match,
      count: this.count,
      readAhead: free,
      signal: this.signal,
      pace: () => this.pace(node),
    });
    const inflight: {
      next: string;
      scanned: number;
      rejected: number;
      result: Promise<PageResult | null>;
    }[] = [];
    const settle = async (): Promise<void> => {
      const item = inflight.shift() as (typeof inflight)[number];
      const page = await item.result;
      for (const c of [this.counters, unit.counters]) addPage(c, item.scanned, item.rejected, page);
      if (page) unit.timeMs = page.timeMs;
      unit.cursor = item.next;
      if (item.next === '0') unit.done = true;
      await this.reports.report();
    };
    try {
      for await (const { page } of pages) {
        const { cursor: next, names } = page;
        const keys: Buffer[] = [];
        let rejected = 0;
        for (const name of names) {
          if (this.matches(name)) keys.push(name);
          else rejected++;
        }
        if (keys.length > 0) {
          await this.admitMemory(node, unit, keys.length, async () => {
            while (inflight.length > 0) await settle();
          });
          if (this.signal.aborted) break;
        }
        const result = keys.length > 0 ? writePage(this, node, unit, keys) : Promise.resolve(null);
        result.catch(() => {});
        inflight.push({ next, scanned: keys.length, rejected, result });
        while (inflight.length >= depth) await settle();
      }
      // Pages already sent are always counted and checkpointed, also on abort.
      while (inflight.length > 0) await settle();
    } finally {
      for (const item of inflight) item.result.catch(() => {});
    }
  }

  /** Throttled: latency guard, then the keys/s budget (SCAN COUNT per page). */
  private async pace(node: NodeState): Promise<void> {
    if (!this.throttle) return;
    await pace(node, this.count, this.signal, {
      onPause: () => this.pauseReport('latency'),
      onClear: () => {
        this.pausedBy = undefined;
      },
    });
  }

  /**
   * The memory guard before each page's writes (every run, throttled or not). The pages in flight
   * are settled before each INFO reading (about once a second), so the reading includes them, and
   * the checkpoint reported with a pause (and kept when the pause times out) covers every write sent.
   */
  private async admitMemory(
    node: NodeState,
    unit: Unit,
    keys: number,
    drain: () => Promise<void>,
  ): Promise<void> {
    const memory = node.memory as MemoryGuard;
    let paused = false;
    try {
      await memory.admit(this.signal, keys, unit.db, {
        settle: drain,
        onPause: (pause: MemoryPause) => {
          paused = true;
          this.memoryPause = pause;
          this.pauseReport('memory');
        },
      });
    } catch (err) {
      if (this.signal.aborted) return;
      if (err instanceof MedicError) throw err;
      throw classifyRedisError(err, node.address);
    }
    if (paused && this.pausedBy === 'memory') {
      this.pausedBy = undefined;
      this.memoryPause = undefined;
      void this.reports.report().catch(() => {});
    }
  }

  private pauseReport(reason: EnginePauseReason): void {
    if (this.pausedBy === reason) return;
    this.pausedBy = reason;
    void this.reports.report().catch(() => {});
  }

  snapshot(): EngineCheckpoint {
    return checkpointOf(this.units, this.counters, {
      salt: this.salt,
      runStartMs: this.runStartMs,
      strategy: this.strategy,
      startedAt: this.startedAt,
    });
  }

  private progress(): EngineProgress {
    return progressOf({
      units: this.units,
      counters: this.counters,
      startCounters: this.startCounters,
      startFraction: this.startFraction,
      t0: this.t0,
      pausedBy: this.pausedBy,
      memoryPause: this.memoryPause,
      pauses: this.pauses(),
    });
  }
}
