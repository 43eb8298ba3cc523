import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describeDataset, loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  TtlRunService,
  type TtlRunSummary,
} from '../../src/jobs/ttl-job.js';
import { parseRules } from '../../src/remediation/rules.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { compileChild } from '../support/compile-child.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type JsonLineChild, startJsonLineChild } from '../support/json-line-child.js';
import {
  compareKeyspace,
  type KeyspaceVerdict,
  keyspaceFailures,
  type RuleScope,
  snapshotKeyspace,
} from '../support/keyspace-truth.js';
import type { TtlWorkerProcessConfig } from '../support/ttl-worker-process.js';
import { waitFor } from '../support/wait-for.js';

/** The rule as an operator writes it; the checks use these numbers, not the parsed rule. */
export const RULE_TTL_SEC = 86_400;
export const RULE_JITTER = 0.1;
const OTHER_DB = 3;
const OTHER_DB_KEYS = 300;
/** Short locks: a killed worker's run is picked up about this long after the kill. */
const LOCK_MS = 2_000;
const STALLED_MS = 300;

export interface TtlFaultRig {
  target: LocalRedis;
  /** The queue Redis (AOF on, fsync always): {@link restartQueue} replaces it on the same port. */
  queue: LocalRedis;
  /** The client the keyspace snapshots use (nothing else selects DBs on it). */
  truthClient: Redis;
  /** Crashes the queue Redis (SIGKILL) and starts it again from its AOF, same port and dir. */
  restartQueue(): Promise<void>;
  stop(): Promise<void>;
}

const queueOptions = (dir: string) => ({
  maxmemoryPolicy: 'noeviction',
  dir,
  args: ['--appendonly', 'yes', '--appendfsync', 'always'],
});

async function exited(pid: number, timeoutMs: number): Promise<void> {
  await waitFor(
    `redis-server ${pid} to exit`,
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    timeoutMs,
  );
}

export async function startTtlFaultRig(): Promise<TtlFaultRig> {
  const queueDir = mkdtempSync(join(tmpdir(), 'medic-queue-aof-'));
  const [target, queue] = await Promise.all([
    // The target evicts like a cache would: any eviction shows in INFO stats.
    startLocalRedis({ maxmemoryPolicy: 'allkeys-lru' }),
    startLocalRedis(queueOptions(queueDir)),
  ]);
  const truthClient = new Redis(target.url, { maxRetriesPerRequest: 1 });
  const rig: TtlFaultRig = {
    target,
    queue,
    truthClient,
    async restartQueue() {
      const { port, pid } = rig.queue;
      process.kill(pid, 'SIGKILL');
      await exited(pid, 10_000);
      rig.queue = await startLocalRedis({ ...queueOptions(queueDir), port });
    },
    async stop() {
      truthClient.disconnect();
      await Promise.all([target.stop(), rig.queue.stop()]);
      rmSync(queueDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** The dataset pattern with the most keys without TTL: the rule's match. */
export function rulePattern(
  keys: number,
  seed: number,
): { glob: string; withoutTtl: number; matched: number } {
  const spec = describeDataset({ keys, seed });
  const best = Object.values(spec.patterns).sort((a, b) => b.keysWithoutTtl - a.keysWithoutTtl)[0];
  if (!best) throw new Error('the dataset has no patterns');
  return { glob: best.pattern, withoutTtl: best.keysWithoutTtl, matched: best.keys };
}

export function ruleFromText(glob: string): TtlRule {
  const text = `rules:
  - name: reliability-ttl
    match: ${JSON.stringify(glob)}
    action: set-missing
    ttl: ${RULE_TTL_SEC / 3600}h
    jitter: ${RULE_JITTER * 100}%
    risk: low
`;
  const parsed = parseRules(text);
  if (!parsed.ok) throw new Error(`rule text refused: ${JSON.stringify(parsed.problems)}`);
  return parsed.rules[0] as TtlRule;
}

/** Loads the dataset into DB 0 (plus same-pattern keys into DB 3) and sets maxmemory near 80 %. */
export async function loadTarget(rig: TtlFaultRig, keys: number, seed: number, glob: string): Promise<void> {
  const c = rig.truthClient;
  await c.flushall();
  await c.config('SET', 'maxmemory', '0');
  await loadDataset(c, { keys, seed });
  const prefix = glob.replace(/[*?[\\].*$/, '');
  const other = new Redis(rig.target.url, { db: OTHER_DB, maxRetriesPerRequest: 1 });
  try {
    const p = other.pipeline();
    for (let i = 0; i < OTHER_DB_KEYS; i++) p.set(`${prefix}db${OTHER_DB}-${i}`, `v${i}`);
    await p.exec();
  } finally {
    other.disconnect();
  }
  // Room for the run's expires and the bot's connections, none for careless growth.
  const used = Number(/^used_memory:(\d+)/m.exec(await c.info('memory'))?.[1]);
  await c.config('SET', 'maxmemory', String(Math.ceil(used / 0.8)));
}

export type Fault =
  | { kind: 'kill'; atFraction: number }
  | { kind: 'queue-restart'; atFraction: number }
  | { kind: 'drop'; atFraction: number }
  | { kind: 'stall'; atFraction: number; stallMs: number };

export interface FaultRunResult {
  verdict: KeyspaceVerdict;
  /** Problems found (empty: the run held every promise). */
  failures: string[];
  outcome: string;
  finishedReports: number;
  resumes: number;
  changed: number;
  durationMs: number;
  /** How far the walk was when the fault hit (scanned / matched). */
  faultAt: number;
}

type Child = JsonLineChild;

function startChildWorker(script: string, config: TtlWorkerProcessConfig): Child {
  return startJsonLineChild([script], { TTL_WORKER: JSON.stringify(config) });
}

const ENDED = ['done', 'failed', 'cancelled'];

/**
 * One TTL run over the loaded target with one fault. `kill`: the first worker is a child process,
 * SIGKILLed once the saved checkpoint has passed `atFraction` of the matched keys; a worker in this
 * process takes over. `queue-restart`: the queue Redis crashes at that point and comes back from
 * its AOF. `drop` / `stall`: one worker in this process reaches the target through a
 * {@link FaultProxy} that drops or stalls every connection at that point.
 */
export async function runWithFault(
  rig: TtlFaultRig,
  opts: { keys: number; seed: number; fault: Fault },
): Promise<FaultRunResult> {
  const started = Date.now();
  const { glob, matched } = rulePattern(opts.keys, opts.seed);
  const rule = ruleFromText(glob);
  await loadTarget(rig, opts.keys, opts.seed, glob);
  const scope: RuleScope = { db: 0, action: 'set-missing', ttlSec: RULE_TTL_SEC, jitter: RULE_JITTER };
  const before = await snapshotKeyspace(rig.truthClient, { glob });

  const prefix = `rel-${randomUUID().slice(0, 8)}`;
  const queueRedis = new Redis(rig.queue.url, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(rig.queue.url, { maxRetriesPerRequest: 1 });
  const workerConnection = new Redis(rig.queue.url, { maxRetriesPerRequest: null });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
  const audit = new AuditLog(storeRedis, { prefix });
  const service = new TtlRunService(queue, storeRedis, prefix, { audit });
  const runId = `run-${randomUUID().slice(0, 8)}`;
  const summaries: TtlRunSummary[] = [];
  const reporter: TtlRunReporter = {
    start: async () => `ts-${runId}`,
    progress: () => {},
    finished: async (_d, s) => {
      summaries.push(s);
    },
  };
  let child: Child | undefined;
  let proxy: FaultProxy | undefined;
  let worker: Worker | undefined;
  // The walk takes about 3 s at this rate, so a random page is a real target.
  const throttle = {
    keysPerSec: Math.max(2_000, Math.round(opts.keys / 3)),
    pageSize: 100,
    latencyGuardMs: 2_000,
  };
  const targetUrl = (port: number) => `redis://127.0.0.1:${port}/0`;
  const startInProcessWorker = (url: string, pace = throttle) =>
    createTtlWorker(
      workerConnection,
      prefix,
      {
        service,
        reporter,
        audit,
        target: () => ({ name: 'target', url, mode: 'standalone' }),
        throttle: pace,
        pollMs: 200,
      },
      { lockDuration: LOCK_MS, stalledInterval: STALLED_MS },
    );
  const checkpointAt = async () => {
    const job = await queue.getJob(runId);
    return (job?.data.checkpoint?.counters.scanned ?? 0) / matched;
  };
  let faultAt = 0;
  try {
    await service.enqueue({
      runId,
      cluster: 'target',
      rule,
      dryRunId: 'dry-rel',
      requestedBy: 'UREQ',
      approvedBy: 'UAPP',
      incidentId: 'inc-rel',
      channel: 'C1',
      threadTs: '1.1',
      lang: 'en',
    });
    const fault = opts.fault;
    const reached = () =>
      waitFor(
        `the walk to pass ${Math.round(fault.atFraction * 100)} %`,
        async () => {
          const at = await checkpointAt();
          const state = await service.state(runId);
          // A run that ends before the fault point is a finding of its own: stop waiting.
          if (at >= fault.atFraction || (state && ENDED.includes(state.status))) return at;
          return undefined;
        },
        60_000,
      );
    if (fault.kind === 'kill') {
      child = startChildWorker(
        await compileChild(new URL('../support/ttl-worker-process.ts', import.meta.url)),
        {
          queueUrl: rig.queue.url,
          prefix,
          targetUrl: targetUrl(rig.target.port),
          throttle,
          lockDuration: LOCK_MS,
          stalledInterval: STALLED_MS,
        },
      );
      await child.ready;
      faultAt = await reached();
      child.proc.kill('SIGKILL');
      const proc = child.proc;
      if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
      // Past the fault point the pace no longer matters: the rest of the walk at full speed.
      worker = startInProcessWorker(targetUrl(rig.target.port), {
        ...throttle,
        keysPerSec: throttle.keysPerSec * 20,
      });
    } else if (fault.kind === 'queue-restart') {
      worker = startInProcessWorker(targetUrl(rig.target.port));
      faultAt = await reached();
      await rig.restartQueue();
    } else {
      proxy = await startFaultProxy(rig.target.port);
      worker = startInProcessWorker(targetUrl(proxy.port));
      faultAt = await reached();
      if (fault.kind === 'drop') proxy.dropAll();
      else {
        proxy.stall();
        await new Promise((r) => setTimeout(r, fault.stallMs));
        proxy.resume();
      }
    }
    // Budget from the work: the rest of the walk at the throttle, a stall check, the verify scan.
    const budget = 30_000 + Math.ceil((matched / throttle.keysPerSec) * 1000) * 4;
    const state = await waitFor(
      'the run to end',
      async () => {
        const s = await service.state(runId);
        return s && ENDED.includes(s.status) ? s : undefined;
      },
      budget,
    );
    // The end is reported after the state is written: give the report (and any duplicate) a moment.
    const childFinished = () => child?.events.filter((e) => e.event === 'finished').length ?? 0;
    await waitFor(
      'the end to be reported',
      async () => (summaries.length + childFinished() > 0 ? true : undefined),
      15_000,
    );
    await worker.close();
    worker = undefined;
    const after = await snapshotKeyspace(rig.truthClient, { glob });
    const complete = state.status === 'done';
    const verdict = compareKeyspace(before, after, scope, { expectComplete: complete });
    const failures = keyspaceFailures(verdict, { expectComplete: complete });
    const finishedReports = summaries.length + childFinished();
    if (finishedReports !== 1) failures.push(`the end was reported ${finishedReports} times`);
    const entries = (await audit.list({ limit: 1000 })).filter((e) => e.runId === runId);
    const startedN = entries.filter((e) => e.action === 'run_started').length;
    const endedN = entries.filter((e) => e.action === 'run_finished' || e.action === 'run_failed').length;
    if (startedN !== 1) failures.push(`audit has ${startedN} run_started entries`);
    if (endedN !== 1) failures.push(`audit has ${endedN} run_finished / run_failed entries`);
    const job = await queue.getJob(runId);
    const jobState = await job?.getState();
    if (jobState !== 'completed' && jobState !== 'failed') failures.push(`job is ${jobState} after the end`);
    if (fault.kind === 'kill' && state.status !== 'done') {
      failures.push(`a killed worker's run ended ${state.status}, not resumed to done`);
    }
    const summary = summaries[0];
    if (complete && summary && summary.counters.changed !== verdict.toChange) {
      failures.push(`the summary says ${summary.counters.changed} changed; Redis shows ${verdict.toChange}`);
    }
    return {
      verdict,
      failures,
      outcome: state.status,
      finishedReports,
      resumes: summary?.resumes ?? 0,
      changed: verdict.gotTtlInRange,
      durationMs: Date.now() - started,
      faultAt,
    };
  } finally {
    if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
    proxy?.resume();
    await worker?.close().catch(() => {});
    await proxy?.close();
    workerConnection.disconnect();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close().catch(() => {});
    queueRedis.disconnect();
    storeRedis.disconnect();
  }
}

/** A small deterministic PRNG (mulberry32): fault points are reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
