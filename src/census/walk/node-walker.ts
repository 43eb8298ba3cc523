/**
 * One primary's part of a census walk: its DBs (SELECT each in turn on a standalone server), each
 * in one or two lanes, a page at a time through the shared cursor walk, with the page script (or
 * the pipeline when scripting is refused), the primary's own pacing, and a deadline on every call.
 */
import type { Redis } from 'ioredis';
import { NodePacer } from '../../keyspace/pacing/node-pacer.js';
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import { plainDictCursor } from '../../keyspace/scan/cursor.js';
import { walkCursor } from '../../keyspace/scan/cursor-walk.js';
import { type CallWrapper, DbSelector, withTimeout } from '../../keyspace/scan/db-select.js';
import {
  type Lane,
  laneEnds,
  laneFraction,
  releaseLanes,
  singleLane,
  splitLanes,
} from '../../keyspace/scan/lanes.js';
import type { KeyBudget } from '../../keyspace/scan/quotas.js';
import { dbUnits, nodeAddress } from '../../keyspace/scan/units.js';
import { serverFacts } from '../../keyspace/server-facts.js';
import type { RedisTarget } from '../../redis/connect.js';
import { dbsToWalk } from '../../redis/databases.js';
import type { ScannedKey } from '../types.js';
import { ConsumerFailure, InterruptedSignal, isConnectionError } from './errors.js';
import type { RawPage } from './page-reads.js';
import { PageSource } from './page-source.js';
import type { ProgressTracker } from './progress.js';
import { sum } from './sum.js';
import type { NodePageHandler, NodeWalkSummary, WalkPosition, WalkStrategy } from './types.js';
import { WalkResumeMismatch } from './types.js';

/** One DB of the primary. */
export interface Unit {
  db: number;
  dbsize: number;
  quota: number;
  scanned: number;
  complete: boolean;
  lanes: Lane[];
  /** Where a resumed walk of this DB starts (one lane). */
  from?: string;
}

export interface NodeWalkerOptions {
  target: Pick<RedisTarget, 'url' | 'mode'>;
  count: number;
  samples: number;
  match: string;
  throttle: Readonly<Required<ThrottleOptions>> | null;
  strategy: 'auto' | WalkStrategy;
  split: boolean;
  signal: AbortSignal;
  callTimeoutMs: number;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export class NodeWalker {
  readonly address: string;
  runId = '';
  units: Unit[] = [];
  /** Two lanes per DB (see keyspace/scan/lanes.ts). */
  split = false;
  /** A lane failed: its sibling stops at its next page. */
  private halted = false;
  pacer: NodePacer | undefined;
  failed: unknown;
  vanished = 0;
  pages = 0;
  private readonly cluster: boolean;
  private readonly selector: DbSelector;
  private noTouch = false;
  private closed = false;
  private durationMs = 0;
  private readonly onClose = () => {
    this.closed = true;
  };
  private readonly deadline: CallWrapper = (p) => this.call(p);
  private readonly source: PageSource;

  constructor(
    private readonly node: Redis,
    private readonly o: NodeWalkerOptions,
  ) {
    this.address = nodeAddress(node);
    this.cluster = o.target.mode === 'cluster';
    this.selector = new DbSelector(node, { cluster: this.cluster, call: this.deadline });
    this.source = new PageSource(node, {
      match: o.match,
      count: o.count,
      samples: o.samples,
      strategy: o.strategy,
      call: this.deadline,
      onVanished: (n) => {
        this.vanished += n;
      },
    });
  }

  get strategy(): WalkStrategy {
    return this.source.strategy;
  }

  get withMemory(): boolean {
    return this.source.withMemory;
  }

  get dbsize(): number {
    return sum(this.units, (u) => u.dbsize);
  }

  get scanned(): number {
    return sum(this.units, (u) => u.scanned);
  }

  get complete(): boolean {
    return this.units.every((u) => u.complete);
  }

  get pauses(): number {
    return this.pacer?.pauses ?? 0;
  }

  get pausedMs(): number {
    return this.pacer?.pausedMs ?? 0;
  }

  /** This primary's part of a {@link WalkPosition}. */
  position(): WalkPosition['nodes'][number] {
    return {
      node: this.address,
      runId: this.runId,
      vanished: this.vanished,
      units: this.units.map((u) => {
        const lane = u.lanes[0];
        const complete = u.complete || (u.lanes.length > 0 && u.lanes.every((l) => l.complete));
        return { db: u.db, scanned: u.scanned, complete, cursor: lane?.cursor ?? u.from ?? '0' };
      }),
    };
  }

  /** After prepare: take up a saved position (same server only); DBs new since then start at 0. */
  resumeFrom(resume: WalkPosition): void {
    const saved = resume.nodes.find((n) => n.node === this.address);
    if (!saved?.runId || saved.runId !== this.runId) throw new WalkResumeMismatch(this.address);
    this.vanished = saved.vanished;
    for (const unit of this.units) {
      const at = saved.units.find((u) => u.db === unit.db);
      if (!at) continue;
      unit.scanned = at.scanned;
      unit.complete = at.complete;
      unit.from = at.cursor;
    }
  }

  summary(): NodeWalkSummary {
    return {
      node: this.address,
      runId: this.runId,
      dbs: this.units.map((u) => u.db),
      dbsize: this.dbsize,
      scanned: this.scanned,
      vanished: this.vanished,
      pages: this.pages,
      strategy: this.strategy,
      lanes: this.split ? 2 : 1,
      bytesUnavailable: !this.withMemory,
      complete: this.complete,
      ...(this.pacer ? { baselinePingMs: round2(this.pacer.baselineMs) } : {}),
      pauses: this.pauses,
      durationMs: Math.round(this.durationMs),
    };
  }

  /** INFO, DBSIZE per DB, script / MEMORY USAGE availability, PING baseline. */
  async prepare(): Promise<void> {
    try {
      this.node.on('close', this.onClose);
      const [server, keyspace] = await Promise.all([
        this.call(this.node.info('server')),
        this.cluster ? Promise.resolve('') : this.call(this.node.info('keyspace')),
      ]);
      this.runId = serverFacts(server).runId ?? '';
      this.split = this.o.split && !this.o.throttle && plainDictCursor(server, this.cluster);
      const dbs = await dbUnits(this.node, {
        cluster: this.cluster,
        dbs: (info) => dbsToWalk(this.o.target, info),
        selector: this.selector,
        keyspaceInfo: keyspace,
        call: this.deadline,
      });
      this.units = dbs.map(({ db, dbsize }) => ({
        db,
        dbsize,
        quota: Number.POSITIVE_INFINITY,
        scanned: 0,
        complete: false,
        lanes: [],
      }));
      await this.source.detect();
      try {
        await this.call(this.node.call('CLIENT', 'NO-TOUCH', 'ON'));
        this.noTouch = true;
      } catch (err) {
        if (isConnectionError(err)) throw err;
        // Before 7.2 (and on ACLs without CLIENT): the commands used don't touch anyway.
      }
      if (this.o.throttle) {
        this.pacer = new NodePacer(this.o.throttle, () => this.call(this.node.ping()));
        await this.pacer.calibrate();
      }
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  async walk(onPage: NodePageHandler, progress: ProgressTracker, budget: KeyBudget): Promise<void> {
    const started = performance.now();
    try {
      for (const unit of this.units) {
        if (this.o.signal.aborted || budget.remaining <= 0) return;
        if (unit.quota <= 0 || unit.complete) continue;
        await this.selector.switchTo(unit.db);
        await this.walkUnit(unit, onPage, progress, budget);
      }
      if (!this.o.signal.aborted) await this.checkSameServer();
    } catch (err) {
      // Aborted (by the caller, or because another primary failed): whatever broke since is moot.
      if (this.o.signal.aborted && !(err instanceof ConsumerFailure)) return;
      this.failed = err;
      throw err;
    } finally {
      this.durationMs = performance.now() - started;
    }
  }

  /**
   * One DB of one primary. Unthrottled, on servers whose SCAN cursor is a plain reverse-binary dict
   * cursor, it is walked in two lanes at once (see keyspace/scan/lanes.ts), so the server always
   * has a page to work on while Node parses the other.
   */
  private async walkUnit(
    unit: Unit,
    onPage: NodePageHandler,
    progress: ProgressTracker,
    budget: KeyBudget,
  ): Promise<void> {
    const allowed = () => Math.min(unit.quota - unit.scanned, budget.remaining);
    const emit = async (keys: ScannedKey[]) => {
      unit.scanned += keys.length;
      budget.remaining -= keys.length;
      if (keys.length === 0) return;
      try {
        await onPage(keys);
      } catch (err) {
        throw new ConsumerFailure(err);
      }
    };
    if (!this.split) {
      unit.lanes = [singleLane(unit.from ?? '0')];
      await this.walkLane(unit.lanes[0] as Lane, allowed, emit, progress);
    } else {
      unit.lanes = splitLanes(this.o.count);
      let failure: unknown;
      await Promise.all(
        unit.lanes.map((lane) =>
          this.walkLane(lane, allowed, emit, progress).catch((err: unknown) => {
            failure ??= err;
            this.halted = true;
            releaseLanes(unit.lanes);
          }),
        ),
      );
      if (failure) throw failure;
    }
    unit.complete = unit.lanes.every((l) => l.complete);
  }

  private async walkLane(
    lane: Lane,
    allowed: () => number,
    emit: (keys: ScannedKey[]) => Promise<void>,
    progress: ProgressTracker,
  ): Promise<void> {
    const signal = this.o.signal;
    const stopped = () => signal.aborted || this.halted;
    const pages = walkCursor<RawPage>({
      from: lane.start,
      fetch: (cursor) => this.source.request(cursor),
      ends: (cursor) => laneEnds(lane, cursor),
      // The next page is fetched while the caller folds this one.
      ahead: 1,
      pace: () => this.pace(progress),
      paceFirst: false,
      arrived: (raw, last) => {
        this.pages++;
        this.checkAlive();
        if (this.o.match !== '*') lane.fraction = last ? 1 : laneFraction(lane, raw.cursor);
        this.pacer?.charge(raw.size - this.o.count);
      },
      more: (raw) => raw.size < allowed(),
      stopped,
    });
    try {
      for await (const { page: raw, last } of pages) {
        let keys = raw.keys ?? (await this.source.readKeys(raw));
        this.checkAlive();
        if (stopped()) return;
        if (last && lane.dedupe) {
          await lane.dedupe.ready;
          keys = lane.dedupe.drop(keys);
        }
        lane.record?.add(keys);
        const room = allowed();
        const truncated = keys.length > room;
        if (truncated) keys = keys.slice(0, Math.max(0, room));
        // Before the handover, so a position taken by the handler counts this page as taken.
        if (!truncated) {
          lane.cursor = raw.cursor;
          if (last) lane.complete = true;
        }
        await emit(keys);
        if (last && !truncated) {
          lane.complete = true;
          lane.fraction = 1;
          return;
        }
        if (allowed() <= 0 || stopped()) return;
      }
    } finally {
      lane.record?.finish();
    }
  }

  /** Before each page request: the latency guard (PING), then the keys/s budget. */
  private async pace(progress: ProgressTracker): Promise<void> {
    if (this.pacer) {
      await this.pacer.latency(this.o.signal, () => progress.maybeReport());
      await this.pacer.budget(this.o.count, this.o.signal);
    }
    this.checkAlive();
  }

  /** Every server call: within the deadline, and never after the connection dropped. */
  private call<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new InterruptedSignal(this.address, 'timeout')), this.o.callTimeoutMs);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }

  private checkAlive(): void {
    // With a reconnecting client, ioredis would resend a pending page to a restarted server whose
    // cursor means nothing: a dropped connection ends the walk.
    if (this.closed) throw new InterruptedSignal(this.address, 'connection_lost');
  }

  private async checkSameServer(): Promise<void> {
    const runId = serverFacts(await this.call(this.node.info('server'))).runId ?? '';
    if (this.runId && runId && runId !== this.runId) throw new InterruptedSignal(this.address, 'restarted');
  }

  /** Back to the caller's DB, NO-TOUCH off; best effort (the connection may be gone). */
  async restore(): Promise<void> {
    this.node.off('close', this.onClose);
    if (this.closed || this.node.status !== 'ready') return;
    try {
      await this.selector.restore();
      if (this.noTouch) await withTimeout(this.node.call('CLIENT', 'NO-TOUCH', 'OFF'), 2000);
    } catch {
      // Best effort.
    }
  }
}
