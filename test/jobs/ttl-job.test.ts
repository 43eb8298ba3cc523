/**
 * The TTL run job on real redis-servers and real BullMQ (a unique queue prefix per test, obliterated
 * after): each job runs once with two workers on one queue; Pause / Resume / Cancel set from
 * another connection stop the owning worker within a page and survive a worker restart; the Slack
 * reporter keeps one throttled progress message and delivers the end through 429s.
 * The kill -9 test is in ttl-job-crash.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { App, webApi } from '@slack/bolt';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  engineApplier,
  type RuleApplier,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlJobDeps,
  type TtlRunReporter,
  type TtlRunRequest,
  TtlRunService,
  type TtlRunSummary,
  type TtlRunView,
} from '../../src/jobs/ttl-job.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { EngineThrottle } from '../../src/remediation/engine.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { registerTtlRunActions } from '../../src/slack/listeners/actions/ttl-run-actions.js';
import { personContext } from '../../src/slack/listeners/person-context.js';
import type { SlackServices } from '../../src/slack/services.js';
import { slackTtlRunReporter } from '../../src/slack/ttl-reporter.js';
import { test } from '../support/fixtures.js';
import { blocksOf, buttonsOf, textOf, tsOf } from '../support/medic-harness.js';
import { startAppOnLoopback } from '../support/slack/bolt-harness.js';
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { postBlockAction } from '../support/slack/signed-request.js';
import {
  checkSetMissingEndState,
  countWithout,
  loadTtlDataset,
  setMissingRule,
  type TtlDataset,
} from '../support/ttl-dataset.js';
import { waitFor } from '../support/wait-for.js';

let target: LocalRedis;
let queueServer: LocalRedis;
let targetClient: Redis;

// The target redis-server, its client and the queue's redis-server come from the shared fixtures.
test.beforeAll(({ localRedis, admin, queueRedis }) => {
  target = localRedis;
  queueServer = queueRedis;
  targetClient = admin;
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** How long a run step (a page, a pause, a cancel) may take on a loaded machine. */
const WAIT_MS = 20_000;

/** One "replica": its own connections to the queue Redis, service, audit log. */
interface Replica {
  queue: Queue<TtlJobData>;
  service: TtlRunService;
  audit: AuditLog;
  connections: Redis[];
  close(): Promise<void>;
}

function replica(prefix: string): Replica {
  const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
  const audit = new AuditLog(storeRedis, { prefix });
  const service = new TtlRunService(queue, storeRedis, prefix, { audit });
  return {
    queue,
    service,
    audit,
    connections: [queueRedis, storeRedis],
    async close() {
      await queue.close().catch(() => {});
      queueRedis.disconnect();
      storeRedis.disconnect();
    },
  };
}

/** Records what the job tells its reporter. */
function recordingReporter() {
  const views: { runId: string; view: TtlRunView; at: number }[] = [];
  const summaries = new Map<string, TtlRunSummary>();
  const reporter: TtlRunReporter = {
    start: async (d) => `ts-${d.runId}`,
    progress: (d, view) => {
      views.push({ runId: d.runId, view, at: Date.now() });
    },
    finished: async (d, s) => {
      summaries.set(d.runId, s);
    },
  };
  return { reporter, views, summaries };
}

/** The real engine, counting invocations and pages per rule (each test's rules have distinct names). */
function countingApplier() {
  const invocations: string[] = [];
  const pages: { rule: string; at: number; scanned: number }[] = [];
  const applier: RuleApplier = {
    applyRule: (conn, rule, opts) => {
      invocations.push(rule.name);
      return engineApplier.applyRule(conn, rule, {
        ...opts,
        onPage: async (cp, progress) => {
          pages.push({ rule: rule.name, at: Date.now(), scanned: cp.counters.scanned });
          await opts.onPage?.(cp, progress);
        },
      });
    },
    countWithoutTtl: engineApplier.countWithoutTtl,
  };
  return { applier, invocations, pages };
}

function runRequest(runId: string, rule: TtlRule, extra: Partial<TtlRunRequest> = {}): TtlRunRequest {
  return {
    runId,
    cluster: 'target',
    rule,
    dryRunId: `dry-${runId}`,
    requestedBy: 'UREQ',
    approvedBy: 'UAPP',
    incidentId: 'inc-1',
    channel: 'C1',
    threadTs: '1700000000.000001',
    lang: 'en',
    ...extra,
  };
}

function startWorker(
  prefix: string,
  rep: Replica,
  deps: Pick<TtlJobDeps, 'reporter'> & Partial<TtlJobDeps>,
  throttle: EngineThrottle | false,
): { worker: Worker; connection: Redis } {
  const connection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
  const worker = createTtlWorker(
    connection,
    prefix,
    {
      service: rep.service,
      audit: rep.audit,
      // `target-…`: other names for the same server, so runs on "different clusters" go side by side.
      target: (name) =>
        name === 'target' || name.startsWith('target-')
          ? { name, url: target.url, mode: 'standalone' }
          : undefined,
      throttle,
      pollMs: 200,
      // Runs on one cluster go one at a time (its run lease): the next one looks again soon.
      leaseRecheckMs: 200,
      ...deps,
    },
    { lockDuration: 10_000, stalledInterval: 1_000 },
  );
  return { worker, connection };
}

async function auditFor(rep: Replica, runId: string) {
  return (await rep.audit.list({ limit: 1000 })).filter((e) => e.runId === runId);
}

/**
 * A run walks the whole keyspace (SCAN MATCH filters after fetching), so every test starts from an
 * empty target: its walk time depends on its own keys only.
 */
async function freshDataset(prefix: string, matching: number, other: number): Promise<TtlDataset> {
  return loadTtlDataset(targetClient, { prefix, matching, other });
}

describe('two workers on one queue', () => {
  it('runs each job exactly once, and a duplicate or late enqueue of a run does not run it again', async () => {
    await targetClient.flushall();
    const datasets: TtlDataset[] = [];
    for (const p of ['two:a:', 'two:b:', 'two:c:']) datasets.push(await freshDataset(p, 6_000, 500));
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const rep = replica(prefix);
    const { applier, invocations } = countingApplier();
    const rec = recordingReporter();
    // Paced so both workers are busy at once (about 1 s a run: the second worker has time to take
    // its job even on a loaded machine, before the first comes back for more).
    const throttle = { keysPerSec: 6_000, pageSize: 200, latencyGuardMs: 1000 };
    const a = startWorker(prefix, rep, { reporter: rec.reporter, applier }, throttle);
    const repB = replica(prefix);
    const b = startWorker(prefix, repB, { reporter: rec.reporter, applier }, throttle);
    const completedBy = new Map<string, string>();
    a.worker.on('completed', (job) => completedBy.set(job.id ?? '', 'a'));
    b.worker.on('completed', (job) => completedBy.set(job.id ?? '', 'b'));
    try {
      await Promise.all([a.worker.waitUntilReady(), b.worker.waitUntilReady()]);
      const runs = datasets.map((d, i) =>
        // One cluster each: runs on one cluster wait for each other (its run lease).
        runRequest(`two-${i}-${randomUUID().slice(0, 6)}`, setMissingRule(d.pattern, `rule-${i}`), {
          cluster: `target-${i}`,
        }),
      );
      const first = await Promise.all(runs.map((r) => rep.service.enqueue(r)));
      expect(first.map((e) => e.enqueued)).toEqual([true, true, true]);
      // A double click / retried handler: same approved run again, at once.
      const again = await rep.service.enqueue(runs[0] as TtlRunRequest);
      expect(again.enqueued).toBe(false);

      for (const r of runs) {
        await waitFor(
          `${r.runId} done`,
          async () => ((await rep.service.state(r.runId))?.status === 'done' ? true : undefined),
          WAIT_MS,
        );
      }
      expect(invocations.sort()).toEqual(['rule-0', 'rule-1', 'rule-2']);
      // The status is 'done' just before BullMQ completes the job: wait for the events too.
      await waitFor('three completions', async () => (completedBy.size >= 3 ? true : undefined), WAIT_MS);
      expect(completedBy.size).toBe(3);
      expect(new Set(completedBy.values()).size).toBe(2); // both workers took part
      for (const [i, r] of runs.entries()) {
        const entries = await auditFor(rep, r.runId);
        expect(entries.filter((e) => e.action === 'run_started')).toHaveLength(1);
        expect(entries.filter((e) => e.action === 'run_finished')).toHaveLength(1);
        const d = datasets[i] as TtlDataset;
        expect(rec.summaries.get(r.runId)?.counters.changed).toBe(d.matchingWithoutTtl);
        expect(await checkSetMissingEndState(targetClient, d, r.rule)).toEqual([]);
      }

      // Enqueued again after it ended: refused by the control record, nothing runs.
      const late = await rep.service.enqueue(runs[1] as TtlRunRequest);
      expect(late).toMatchObject({ enqueued: false, state: { status: 'done' } });
      await sleep(500);
      expect(invocations).toHaveLength(3);
      // Run ids become BullMQ job ids: no ':' and not digits only.
      await expect(rep.service.enqueue(runRequest('a:b', setMissingRule('x:*')))).rejects.toThrow(/runId/);
      await expect(rep.service.enqueue(runRequest('12345', setMissingRule('x:*')))).rejects.toThrow(/runId/);
    } finally {
      await Promise.all([a.worker.close(), b.worker.close()]);
      a.connection.disconnect();
      b.connection.disconnect();
      await rep.queue.obliterate({ force: true }).catch(() => {});
      await Promise.all([rep.close(), repB.close()]);
    }
  }, 60_000);
});

describe('Pause, Resume and Cancel from another process', () => {
  const MATCHING = 40_000;
  /** ~3 s for the walk: 44 K keys at 15 K keys/s. */
  const THROTTLE = { keysPerSec: 15_000, pageSize: 100, latencyGuardMs: 1000 };

  it('pause stops the owning worker within a page; the paused run survives a worker restart and resumes exactly', async () => {
    await targetClient.flushall();
    const data = await loadTtlDataset(targetClient, { prefix: 'pause:k:', matching: MATCHING, other: 4_000 });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const owner = replica(prefix);
    const other = replica(prefix); // another replica: its own connections, where the button was pressed
    const { applier, invocations, pages } = countingApplier();
    const rec = recordingReporter();
    let w = startWorker(prefix, owner, { reporter: rec.reporter, applier, pauseRecheckMs: 60_000 }, THROTTLE);
    const rule = setMissingRule(data.pattern, 'pause-rule');
    const run = runRequest(`pause-${randomUUID().slice(0, 6)}`, rule);
    try {
      await owner.service.enqueue(run);
      await waitFor(
        'a fifth of the walk',
        async () => {
          const job = await owner.queue.getJob(run.runId);
          return (job?.data.checkpoint?.counters.scanned ?? 0) >= MATCHING / 5 ? true : undefined;
        },
        WAIT_MS,
      );
      const paused = await other.service.pause(run.runId, 'UREQ');
      expect(paused).toMatchObject({ ok: true, state: { status: 'paused', by: 'UREQ' } });
      const pagesAtPause = pages.length;
      await waitFor(
        'the job to park as delayed',
        async () =>
          (await (await owner.queue.getJob(run.runId))?.getState()) === 'delayed' ? true : undefined,
        WAIT_MS,
      );
      // Within a page: at most the page in flight when the pause landed.
      expect(pages.length - pagesAtPause).toBeLessThanOrEqual(1);
      expect(rec.views.at(-1)?.view).toMatchObject({ state: 'paused', by: 'UREQ' });
      const left = await countWithout(targetClient, data);
      expect(left).toBeGreaterThan(0);
      const savedAtPause = (await owner.queue.getJob(run.runId))?.data;
      expect(savedAtPause?.walking).toBe(false);
      expect(savedAtPause?.pausedBy).toBe('UREQ');

      // Restart: the worker goes away and a new one comes; the paused run stays paused.
      await w.worker.close();
      w.connection.disconnect();
      w = startWorker(prefix, owner, { reporter: rec.reporter, applier, pauseRecheckMs: 60_000 }, THROTTLE);
      await sleep(1_000);
      expect(await countWithout(targetClient, data)).toBe(left);
      expect(invocations).toHaveLength(1);
      expect(await other.service.pause(run.runId, 'UREQ')).toMatchObject({ ok: false, reason: 'already' });

      // Resume from the other replica: the new worker continues from the checkpoint.
      expect(await other.service.resume(run.runId, 'UAPP')).toMatchObject({
        ok: true,
        state: { status: 'running' },
      });
      await waitFor(
        'the run to finish',
        async () => ((await owner.service.state(run.runId))?.status === 'done' ? true : undefined),
        WAIT_MS,
      );
      expect(invocations).toHaveLength(2);
      expect(
        pages.find(
          (p, i) => i >= pagesAtPause + 1 && p.scanned < (savedAtPause?.checkpoint?.counters.scanned ?? 0),
        ),
      ).toBeUndefined();
      const summary = rec.summaries.get(run.runId);
      expect(summary?.counters).toEqual({
        scanned: MATCHING,
        changed: data.matchingWithoutTtl,
        skipped: MATCHING - data.matchingWithoutTtl,
        vanished: 0,
        errors: 0,
      });
      expect(summary?.resumes).toBe(0); // a clean pause is not a crash
      expect(summary?.pausedMs).toBeGreaterThan(900);
      expect(await checkSetMissingEndState(targetClient, data, rule)).toEqual([]);
      const actions = (await auditFor(owner, run.runId)).map((e) => `${e.action}:${e.actor}`).reverse();
      expect(actions).toEqual([
        'run_started:UAPP',
        'run_paused:UREQ',
        'run_resumed:UAPP',
        'run_finished:job',
      ]);
      expect(await other.service.pause(run.runId, 'UREQ')).toMatchObject({ ok: false, reason: 'finished' });
    } finally {
      await w.worker.close();
      w.connection.disconnect();
      await owner.queue.obliterate({ force: true }).catch(() => {});
      await Promise.all([owner.close(), other.close()]);
    }
  }, 60_000);

  it('cancel stops the owning worker within a page, keeps what was done and reports exact counts', async () => {
    await targetClient.flushall();
    const data = await loadTtlDataset(targetClient, {
      prefix: 'cancel:k:',
      matching: MATCHING,
      other: 4_000,
    });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const owner = replica(prefix);
    const other = replica(prefix);
    const { applier, pages } = countingApplier();
    const rec = recordingReporter();
    const w = startWorker(prefix, owner, { reporter: rec.reporter, applier }, THROTTLE);
    const rule = setMissingRule(data.pattern, 'cancel-rule');
    const run = runRequest(`cancel-${randomUUID().slice(0, 6)}`, rule);
    try {
      await owner.service.enqueue(run);
      await waitFor(
        'a fifth of the walk',
        async () => {
          const job = await owner.queue.getJob(run.runId);
          return (job?.data.checkpoint?.counters.scanned ?? 0) >= MATCHING / 5 ? true : undefined;
        },
        WAIT_MS,
      );
      expect(await other.service.cancel(run.runId, 'UAPP')).toMatchObject({ ok: true });
      const pagesAtCancel = pages.length;
      await waitFor(
        'the run to be cancelled',
        async () => ((await owner.service.state(run.runId))?.status === 'cancelled' ? true : undefined),
        WAIT_MS,
      );
      expect(pages.length - pagesAtCancel).toBeLessThanOrEqual(1);
      const summary = rec.summaries.get(run.runId);
      expect(summary).toMatchObject({ outcome: 'cancelled', by: 'UAPP' });
      const left = await countWithout(targetClient, data);
      // Exactly the keys that got a TTL, no more (the walk stopped between pages).
      expect(summary?.counters.changed).toBe(data.matchingWithoutTtl - left);
      expect(summary?.counters.changed).toBeGreaterThan(0);
      expect(left).toBeGreaterThan(0);
      await sleep(500);
      expect(await countWithout(targetClient, data)).toBe(left);
      const job = await owner.queue.getJob(run.runId);
      expect(job?.returnvalue).toBe('cancelled');
      const entries = await auditFor(owner, run.runId);
      expect(entries.find((e) => e.action === 'run_cancelled')?.actor).toBe('UAPP');
      expect(entries.find((e) => e.action === 'run_finished')?.reason).toBe('cancelled');
      expect(await other.service.resume(run.runId, 'UREQ')).toMatchObject({ ok: false, reason: 'finished' });
    } finally {
      await w.worker.close();
      w.connection.disconnect();
      await owner.queue.obliterate({ force: true }).catch(() => {});
      await Promise.all([owner.close(), other.close()]);
    }
  }, 60_000);

  it('a run cancelled while queued never touches a key; a paused one wakes to a Cancel', async () => {
    await targetClient.flushall();
    const data = await loadTtlDataset(targetClient, { prefix: 'queued:k:', matching: 2_000, other: 100 });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const rep = replica(prefix);
    const { invocations } = countingApplier();
    const rec = recordingReporter();
    const queuedRun = runRequest(`q-${randomUUID().slice(0, 6)}`, setMissingRule(data.pattern, 'q-rule'));
    const pausedRun = runRequest(`p-${randomUUID().slice(0, 6)}`, setMissingRule(data.pattern, 'p-rule'));
    await rep.service.enqueue(queuedRun);
    await rep.service.enqueue(pausedRun);
    expect(await rep.service.cancel(queuedRun.runId, 'UREQ')).toMatchObject({ ok: true });
    expect(await rep.service.pause(pausedRun.runId, 'UREQ')).toMatchObject({ ok: true });
    const w = startWorker(prefix, rep, { reporter: rec.reporter, pauseRecheckMs: 60_000 }, false);
    try {
      await waitFor(
        'the queued run to be cancelled',
        async () => ((await rep.service.state(queuedRun.runId))?.status === 'cancelled' ? true : undefined),
        WAIT_MS,
      );
      await waitFor(
        'the paused run to park',
        async () =>
          (await (await rep.queue.getJob(pausedRun.runId))?.getState()) === 'delayed' ? true : undefined,
        WAIT_MS,
      );
      expect(rec.summaries.get(queuedRun.runId)).toMatchObject({ outcome: 'cancelled', by: 'UREQ' });
      expect(rec.summaries.get(queuedRun.runId)?.counters.changed).toBe(0);
      expect(await rep.service.cancel(pausedRun.runId, 'UAPP')).toMatchObject({ ok: true });
      await waitFor(
        'the paused run to be cancelled',
        async () => ((await rep.service.state(pausedRun.runId))?.status === 'cancelled' ? true : undefined),
        WAIT_MS,
      );
      expect(rec.summaries.get(pausedRun.runId)).toMatchObject({ outcome: 'cancelled', by: 'UAPP' });
      expect(invocations).toEqual([]);
      expect(await countWithout(targetClient, data)).toBe(data.matchingWithoutTtl);
    } finally {
      await w.worker.close();
      w.connection.disconnect();
      await rep.queue.obliterate({ force: true }).catch(() => {});
      await rep.close();
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// Slack

const isUpdate = (c: RecordedCall) => c.method === 'chat.update';

describe('the Slack reporter', () => {
  let fake: FakeSlackApi;
  const i18n = createI18n({ strict: true });

  beforeAll(async () => {
    fake = await startFakeSlackApi();
  });
  afterAll(async () => {
    await fake?.close();
  });

  // Retries off, as in the other Slack tests: the reporter's own loop must wait out the 429.
  const client = () =>
    new webApi.WebClient('xoxb-test', {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logLevel: webApi.LogLevel.ERROR,
    });
  const view = (scanned: number, state: TtlRunView['state'] = 'running', by?: string): TtlRunView => ({
    state,
    counters: {
      scanned,
      changed: Math.floor(scanned * 0.6),
      skipped: Math.ceil(scanned * 0.4),
      vanished: 0,
      errors: 0,
    },
    fraction: scanned / 100_000,
    total: 120_000,
    keysPerSec: 20_000,
    etaSec: 30,
    ...(by ? { by } : {}),
  });

  it('keeps one message, throttles routine updates, shows a pause at once and delivers the end through 429s', async () => {
    fake.reset();
    const reporter = slackTtlRunReporter(client(), i18n, { minIntervalMs: 1000 });
    const data: TtlJobData = runRequest(
      'rep-1',
      setMissingRule('MARKETING:COUPON:UNREAD:*', 'coupon-unread'),
    );
    const ts = await reporter.start(data);
    expect(ts).toBeTruthy();
    const started = fake.callsTo('chat.postMessage')[0] as RecordedCall;
    expect(started.body.thread_ts).toBe(data.threadTs);
    expect(buttonsOf(blocksOf(started)).map((b) => b.action_id)).toEqual(['ttl_run_pause', 'ttl_run_cancel']);
    data.progressTs = ts;

    // Every 20 ms for 3.3 s: at most one update a second reaches Slack.
    const t0 = Date.now();
    for (let i = 1; Date.now() - t0 < 3_300; i++) {
      reporter.progress(data, view(i * 100));
      await sleep(20);
    }
    await sleep(200);
    const routine = fake.callsTo('chat.update');
    expect(routine.length).toBeGreaterThanOrEqual(2);
    expect(routine.length).toBeLessThanOrEqual(4);
    // Spaced by the interval when sent; measured on arrival, so allow some latency jitter.
    for (let i = 1; i < routine.length; i++) {
      expect((routine[i] as RecordedCall).at - (routine[i - 1] as RecordedCall).at).toBeGreaterThanOrEqual(
        500,
      );
    }
    expect(routine.every((c) => c.body.ts === ts)).toBe(true);
    expect(textOf(blocksOf(routine.at(-1) as RecordedCall))).toMatch(
      /keys walked · 20,000 keys\/s · ETA 30 s/,
    );

    // A pause is a state change: shown at once, with Resume instead of Pause, even inside the interval
    // that drops routine updates (a minute here, so the check does not depend on the machine's speed).
    const patient = slackTtlRunReporter(client(), i18n, { minIntervalMs: 60_000 });
    const pausedData: TtlJobData = { ...data, runId: 'rep-1-pause' };
    const beforePause = fake.calls.length;
    pausedData.progressTs = await patient.start(pausedData);
    patient.progress(pausedData, view(30_000)); // routine, inside the interval: dropped
    patient.progress(pausedData, view(40_000, 'paused', 'UREQ'));
    const pausedCall = await fake.waitFor('chat.update', (c) => fake.calls.indexOf(c) >= beforePause, 10_000);
    await sleep(200);
    expect(fake.calls.slice(beforePause).filter(isUpdate)).toEqual([pausedCall]);
    expect(textOf(blocksOf(pausedCall))).toContain('paused by <@UREQ>');
    expect(buttonsOf(blocksOf(pausedCall)).map((b) => b.action_id)).toEqual([
      'ttl_run_resume',
      'ttl_run_cancel',
    ]);

    // The end: both the final update and the summary hit a 429 first, and still arrive.
    fake.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const beforeEnd = fake.calls.length;
    const endAt = Date.now();
    await reporter.finished(data, {
      outcome: 'done',
      counters: { scanned: 100_000, changed: 60_000, skipped: 40_000, vanished: 0, errors: 0 },
      resumes: 1,
      durationMs: 95_000,
      pausedMs: 0,
      memoryBefore: 512 * 1024 * 1024,
      memoryAfter: 530 * 1024 * 1024,
      remainingWithoutTtl: 0,
    });
    const end = fake.calls.slice(beforeEnd);
    const updates = end.filter(isUpdate);
    expect(updates.map((c) => c.status)).toEqual([429, 200]);
    const final = updates[1] as RecordedCall;
    expect(final.at - endAt).toBeGreaterThanOrEqual(1000);
    expect(final.body.ts).toBe(ts);
    expect(textOf(blocksOf(final))).toContain('TTL run *coupon-unread* on *target* finished in 2 min');
    expect(buttonsOf(blocksOf(final))).toEqual([]);
    const posts = end.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    const summary = textOf(blocksOf(posts[1] as RecordedCall));
    expect(posts[1]?.body.thread_ts).toBe(data.threadTs);
    for (const line of [
      'Keys given a TTL: 60,000',
      'Skipped (already had a TTL): 40,000',
      'Errors: 0',
      'Memory: 512 MiB before → 530 MiB after',
      'Verify: no key in `MARKETING:COUPON:UNREAD:*` is left without a TTL.',
      'Resumed 1 time after a worker stopped',
    ]) {
      expect(summary).toContain(line);
    }
    // Nothing after the end touches the message.
    reporter.progress(data, view(100_000));
    await sleep(100);
    expect(fake.calls.slice(beforeEnd).filter(isUpdate)).toHaveLength(2);
  }, 30_000);

  it('speaks Chinese to a Chinese approver', async () => {
    fake.reset();
    const reporter = slackTtlRunReporter(client(), i18n, { minIntervalMs: 1000 });
    const data: TtlJobData = { ...runRequest('rep-zh', setMissingRule('a:*')), lang: 'zh' };
    data.progressTs = await reporter.start(data);
    await reporter.finished(data, {
      outcome: 'cancelled',
      by: 'UAPP',
      counters: { scanned: 10, changed: 6, skipped: 4, vanished: 0, errors: 0 },
      resumes: 0,
      durationMs: 1000,
      pausedMs: 0,
    });
    const post = fake.callsTo('chat.postMessage').at(-1) as RecordedCall;
    expect(textOf(blocksOf(post))).toContain('新设置 TTL 的 Key：6');
    expect(textOf(blocksOf(fake.callsTo('chat.update').at(-1) as RecordedCall))).toContain('已由 <@UAPP>');
  });

  it('a real run: one message updated in place, throttled, and the summary delivered after a 429', async () => {
    fake.reset();
    await targetClient.flushall();
    const data = await loadTtlDataset(targetClient, { prefix: 'slack:k:', matching: 20_000, other: 1_000 });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const rep = replica(prefix);
    const inner = slackTtlRunReporter(client(), i18n, { minIntervalMs: 500 });
    // Rate limited exactly when the end is posted.
    const reporter: TtlRunReporter = {
      ...inner,
      finished: async (d, s) => {
        fake.failNext('chat.update', { status: 429, retryAfterSec: 1 });
        fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
        await inner.finished(d, s);
      },
    };
    const w = startWorker(
      prefix,
      rep,
      { reporter },
      { keysPerSec: 10_000, pageSize: 100, latencyGuardMs: 1000 },
    );
    const run = runRequest(`slack-${randomUUID().slice(0, 6)}`, setMissingRule(data.pattern, 'slack-rule'));
    try {
      await rep.service.enqueue(run);
      await waitFor(
        'the run to finish',
        async () => ((await rep.service.state(run.runId))?.status === 'done' ? true : undefined),
        WAIT_MS,
      );
      const posts = fake.callsTo('chat.postMessage').filter((c) => c.status === 200);
      expect(posts).toHaveLength(2); // the progress message, then the summary
      const progressTs = tsOf(posts[0] as RecordedCall);
      const updates = fake.callsTo('chat.update');
      expect(updates.every((c) => c.body.ts === progressTs)).toBe(true);
      const running = updates.filter((c) => /keys walked/.test(String(c.body.text)));
      expect(running.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < running.length; i++) {
        expect((running[i] as RecordedCall).at - (running[i - 1] as RecordedCall).at).toBeGreaterThanOrEqual(
          250,
        );
      }
      expect(updates.at(-2)?.status).toBe(429);
      expect(String(updates.at(-1)?.body.text)).toContain('finished');
      expect(textOf(blocksOf(posts[1] as RecordedCall))).toContain(
        `Keys given a TTL: ${data.matchingWithoutTtl.toLocaleString('en-US')}`,
      );
      const job = await rep.queue.getJob(run.runId);
      expect(job?.data.progressTs).toBe(progressTs);
    } finally {
      await w.worker.close();
      w.connection.disconnect();
      await rep.queue.obliterate({ force: true }).catch(() => {});
      await rep.close();
    }
  }, 30_000);
});

describe('the Pause / Resume / Cancel buttons', () => {
  it('only the requester or an approver may press them; a click acts on the control record', async () => {
    const fake = await startFakeSlackApi();
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const rep = replica(prefix);
    const parsed = parseConfig(
      `queue:\n  url: ${queueServer.url}\nclusters:\n  - name: target\n    url: ${target.url}\n    approvers:\n      users: [UBOSS]\n`,
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const config = parsed.config;
    const signingSecret = 'secret-ttl';
    const app = new App({
      token: 'xoxb-test',
      signingSecret,
      botId: 'B1',
      botUserId: 'UBOT',
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    const services = {
      config,
      i18n: createI18n({ strict: true }),
      logger: silentLogger(),
      cluster: (name: string) => config.clusters.find((c) => c.name === name),
      remediation: { audit: rep.audit },
    } as unknown as SlackServices;
    app.use(personContext({ langFor: async () => 'en', i18n: services.i18n }));
    registerTtlRunActions(app, services, { runs: rep.service });
    const started = await startAppOnLoopback(app);
    // A run that no worker picks up here: only its control record matters.
    const run = runRequest(`btn-${randomUUID().slice(0, 6)}`, setMissingRule('btn:*'));
    await rep.service.enqueue(run);
    let n = 0;
    const click = async (actionId: string, user: string, channel = run.channel) => {
      n += 1;
      const responseId = `r${n}`;
      await postBlockAction(started.baseUrl, signingSecret, {
        user: { id: user },
        channel: { id: channel },
        message: { ts: '1700000000.000100', text: '', blocks: [] },
        actions: [
          {
            type: 'button',
            action_id: actionId,
            value: JSON.stringify({ run: run.runId }),
            text: { type: 'plain_text', text: 'x' },
          },
        ],
        response_url: fake.responseUrl(responseId),
      });
      return String((await fake.waitFor('response_url', (c) => c.responseId === responseId)).body.text);
    };
    try {
      expect(await click('ttl_run_pause', 'UOUTSIDER')).toContain(
        'Only the requester (<@UREQ>) or an approver of target',
      );
      expect((await rep.service.state(run.runId))?.status).toBe('queued');
      // From another channel: refused whoever clicks, state unchanged, and audited with where.
      expect(await click('ttl_run_pause', 'UREQ', 'COTHER')).toContain('another channel');
      expect((await rep.service.state(run.runId))?.status).toBe('queued');
      expect(await click('ttl_run_pause', 'UREQ')).toContain('Pausing');
      expect((await rep.service.state(run.runId))?.status).toBe('paused');
      expect(await click('ttl_run_pause', 'UBOSS')).toContain('already paused');
      expect(await click('ttl_run_resume', 'UBOSS')).toContain('Resuming');
      expect(await click('ttl_run_cancel', 'UAPP')).toContain('Cancelling');
      expect(await rep.service.state(run.runId)).toMatchObject({ status: 'cancelling', by: 'UAPP' });
      await rep.service.finish(run.runId, 'cancelled', 'UAPP');
      expect(await click('ttl_run_resume', 'UREQ')).toContain('already ended (cancelled)');
      const refused = (await auditFor(rep, run.runId)).filter((e) => e.action === 'refused');
      expect(refused.map((e) => `${e.actor}:${e.reason}:${e.control}:${e.channel}`).sort()).toEqual([
        `UOUTSIDER:not_allowed_pause:ttl_run_pause:${run.channel}`,
        'UREQ:wrong_channel:ttl_run_pause:COTHER',
      ]);
    } finally {
      await started.stop();
      await fake.close();
      await rep.queue.obliterate({ force: true }).catch(() => {});
      await rep.close();
    }
  }, 30_000);
});
