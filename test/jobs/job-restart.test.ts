import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { webApi } from '@slack/bolt';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCensus } from '../../src/census/run-census.js';
import { SnapshotStore } from '../../src/census/snapshot-store.js';
import type { CensusResult } from '../../src/census/types.js';
import { loadDataset } from '../../src/demo/dataset.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  CENSUS_QUEUE,
  type CensusJobData,
  type CensusReporter,
  CensusService,
  createCensusWorker,
  runCensusJob,
} from '../../src/jobs/census-job.js';
import { createTtlWorker, TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from '../../src/jobs/ttl-job.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectTarget } from '../../src/redis/connect.js';
import { slackCensusReporter } from '../../src/slack/census-reporter.js';
import { slackTtlRunReporter } from '../../src/slack/ttl-reporter.js';
import type { CensusWorkerProcessConfig } from '../support/census-worker-process.js';
import { test } from '../support/fixtures.js';
import { type JsonLineChild, startJsonLineChild } from '../support/json-line-child.js';
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { loadTtlDataset, setMissingRule } from '../support/ttl-dataset.js';
import type { TtlWorkerProcessConfig } from '../support/ttl-worker-process.js';
import { waitFor } from '../support/wait-for.js';

const CENSUS_KEYS = 40_000;
const CHANNEL = 'C0MARKET';
/** Short locks for the take-over tests: the next worker picks the job up soon after the kill. */
const LOCK_MS = 3_000;
/** Slack's users see a census refused as "already running" at most this long after its worker died. */
const RESERVATION_BOUND_MS = 35_000;

let target: LocalRedis;
let queueServer: LocalRedis;
let targetClient: Redis;
let fake: FakeSlackApi;
let client: webApi.WebClient;
const i18n = createI18n({ strict: true });

// The target redis-server, its client and the queue's redis-server come from the shared fixtures.
test.beforeAll(async ({ localRedis, admin, queueRedis }) => {
  target = localRedis;
  queueServer = queueRedis;
  targetClient = admin;
  fake = await startFakeSlackApi();
  await loadDataset(targetClient, { keys: CENSUS_KEYS });
  client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

type Child = JsonLineChild;

function startChild(script: string, env: Record<string, string>): Child {
  const path = fileURLToPath(new URL(`../support/${script}`, import.meta.url));
  return startJsonLineChild(['--import', 'tsx', path], env);
}

async function kill(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill('SIGKILL');
  await exited;
}

const threadPosts = (threadTs: string, since: number): RecordedCall[] =>
  fake.calls.filter((c, i) => i >= since && c.method === 'chat.postMessage' && c.body.thread_ts === threadTs);
const textOf = (call: RecordedCall) => String(call.body.text ?? '');

interface CensusSetup {
  prefix: string;
  queue: Queue<CensusJobData>;
  service: CensusService;
  store: SnapshotStore;
  data: CensusJobData;
  close(): Promise<void>;
}

/** What /redis-keys does: reserve the cluster, post the progress message in the thread, enqueue. */
async function requestCensus(): Promise<CensusSetup> {
  const prefix = `c-${randomUUID().slice(0, 8)}`;
  const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
  const queue = new Queue<CensusJobData>(CENSUS_QUEUE, { connection: queueRedis, prefix });
  const service = new CensusService(queue, storeRedis, prefix);
  expect(await service.reserve('market')).toBe(true);
  const thread = await client.chat.postMessage({ channel: CHANNEL, text: 'incident' });
  const progress = await client.chat.postMessage({
    channel: CHANNEL,
    thread_ts: String(thread.ts),
    text: 'census queued',
  });
  const data: CensusJobData = {
    cluster: 'market',
    incidentId: 'inc-1',
    channel: CHANNEL,
    threadTs: String(thread.ts),
    progressTs: String(progress.ts),
    requestedBy: 'UONCALL',
    lang: 'en',
  };
  await service.enqueue(data);
  return {
    prefix,
    queue,
    service,
    store: new SnapshotStore(storeRedis, { prefix }),
    data,
    async close() {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      queueRedis.disconnect();
      storeRedis.disconnect();
    },
  };
}

/** The census's job (the only one on this test's queue prefix). */
async function theJob(setup: CensusSetup) {
  const jobs = await setup.queue.getJobs(['active', 'waiting', 'delayed', 'completed', 'failed']);
  return jobs[0];
}

function startCensusChild(setup: CensusSetup, worker?: CensusWorkerProcessConfig['worker']): Child {
  const config: CensusWorkerProcessConfig = {
    queueUrl: queueServer.url,
    prefix: setup.prefix,
    targetUrl: target.url,
    slackApiUrl: fake.url,
    checkpointEveryMs: 200,
    ...(worker ? { worker } : {}),
  };
  return startChild('census-worker-process.ts', { CENSUS_WORKER: JSON.stringify(config) });
}

describe('census: kill -9 of the worker mid-walk', () => {
  it('goes on from its checkpoint on the next worker: progress not back at 0, every key counted once, the thread told', async () => {
    const dbsize = await targetClient.dbsize();
    const conn = await connectTarget({ name: 'market', url: target.url, mode: 'standalone' });
    const uninterrupted = await runCensus(conn, { cluster: 'market', throttle: false }).finally(() =>
      conn.close(),
    );
    expect(uninterrupted.totalKeys).toBe(dbsize);

    const setup = await requestCensus();
    const child = startCensusChild(setup, { lockDuration: LOCK_MS, stalledInterval: 500 });
    const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
    let worker: Worker<CensusJobData> | undefined;
    try {
      await child.ready;
      await waitFor(
        'a checkpoint a third of the way',
        async () => {
          const cp = (await theJob(setup))?.data.checkpoint;
          return cp && cp.scanned >= dbsize / 3 ? cp : undefined;
        },
        60_000,
      );
      await kill(child);
      const atKill = (await theJob(setup))?.data.checkpoint;
      if (!atKill) throw new Error('no checkpoint');
      expect(atKill.scanned).toBeLessThan(dbsize);
      const mark = fake.calls.length;

      // The next worker (this process) takes the job over once the dead worker's lock expires.
      const slack = slackCensusReporter(client, i18n, silentLogger());
      const progressSeen: number[] = [];
      const finished: CensusResult[] = [];
      const reporter: CensusReporter = {
        ...slack,
        progress: async (d, p) => {
          progressSeen.push(p.scanned);
          await slack.progress(d, p);
        },
        finished: async (d, result, id, previous) => {
          finished.push(result);
          await slack.finished(d, result, id, previous);
        },
      };
      worker = createCensusWorker(
        workerConnection,
        setup.prefix,
        {
          service: setup.service,
          store: setup.store,
          reporter,
          target: () => ({ name: 'market', url: target.url, mode: 'standalone' }),
          progressEveryMs: 200,
        },
        { lockDuration: LOCK_MS, stalledInterval: 500 },
      );
      await waitFor('the census to finish', async () => (finished.length > 0 ? true : undefined), 90_000);

      // Progress went on from the checkpoint.
      expect(progressSeen.length).toBeGreaterThan(0);
      expect(Math.min(...progressSeen)).toBeGreaterThanOrEqual(atKill.scanned);
      // Every key once: DBSIZE, and the figures of an uninterrupted census.
      const result = finished[0] as CensusResult;
      expect(result.totalKeys).toBe(dbsize);
      expect(result.scannedKeys).toBe(dbsize);
      const figures = (r: CensusResult) => ({
        totalKeysWithoutTtl: r.totalKeysWithoutTtl,
        totalBytes: r.totalBytes,
        patterns: r.patterns.map((p) => [p.pattern, p.keys, p.keysWithoutTtl, p.bytes]),
      });
      expect(figures(result)).toEqual(figures(uninterrupted));
      // The thread says it resumed, and where.
      const pct = Math.floor((atKill.scanned / atKill.total) * 100);
      expect(pct).toBeGreaterThan(0);
      const notes = threadPosts(setup.data.threadTs, mark).filter((c) =>
        textOf(c).includes('resumed after an interruption'),
      );
      expect(notes.map(textOf)).toEqual([
        `:arrows_counterclockwise: Key census of *market* resumed after an interruption at ${pct}% (the worker running it stopped). It goes on from its last checkpoint; no key is counted twice.`,
      ]);
      // The cluster is free again once the job has ended.
      await waitFor(
        'the cluster to be free',
        async () => ((await setup.service.reserve('market')) ? true : undefined),
        10_000,
      );
    } finally {
      await kill(child);
      await worker?.close();
      workerConnection.disconnect();
      await setup.close();
    }
  }, 180_000);

  it('does not hold the cluster: a new census is accepted soon after the worker died, none while it lived', async () => {
    const setup = await requestCensus();
    // The production lock settings: what a user waits for in a real incident.
    const child = startCensusChild(setup);
    try {
      await child.ready;
      const mark = fake.calls.length;
      await waitFor(
        'the census to be walking',
        async () =>
          fake.calls.some(
            (c, i) => i >= mark && c.method === 'chat.update' && c.body.ts === setup.data.progressTs,
          )
            ? true
            : undefined,
        60_000,
      );
      expect(await (await theJob(setup))?.getState()).toBe('active');
      // One census at a time while the walking worker lives.
      expect(await setup.service.reserve('market')).toBe(false);

      await kill(child);
      const killedAt = Date.now();
      await waitFor(
        'a new census to be accepted',
        async () => ((await setup.service.reserve('market')) ? true : undefined),
        RESERVATION_BOUND_MS + 5_000,
      );
      expect(Date.now() - killedAt).toBeLessThan(RESERVATION_BOUND_MS);
    } finally {
      await kill(child);
      await setup.close();
    }
  }, 120_000);
});

describe('census: a dead census whose cluster a newer one took over', () => {
  it('stops when a worker picks it up again, says so on its progress message, and leaves the newer one alone', async () => {
    const setup = await requestCensus();
    try {
      const job = await theJob(setup);
      if (!job?.id) throw new Error('no census job');
      // Its worker died and the job is gone from BullMQ's view: the cluster is free for a new census.
      await job.remove();
      expect(await setup.service.reserve('market')).toBe(true);
      const mark = fake.calls.length;

      const outcome = await runCensusJob(
        setup.data,
        {
          service: setup.service,
          store: setup.store,
          reporter: slackCensusReporter(client, i18n, silentLogger()),
          target: () => ({ name: 'market', url: target.url, mode: 'standalone' }),
        },
        { jobId: job.id, saveCheckpoint: async () => {} },
      );
      expect(outcome).toBe('superseded');
      const update = await fake.waitFor(
        'chat.update',
        (c) => fake.calls.indexOf(c) >= mark && c.body.ts === setup.data.progressTs,
      );
      expect(textOf(update)).toBe(
        ':arrows_counterclockwise: Key census of *market* stopped: the worker running it stopped, and a newer census of *market* was started in the meantime.',
      );
      // The newer census still holds the cluster.
      expect(await setup.service.reserve('market')).toBe(false);
    } finally {
      await setup.close();
    }
  });
});

describe('TTL run: kill -9 of the worker mid-run', () => {
  it('the next worker says in the thread that the run resumed after an interruption, and where', async () => {
    const data = await loadTtlDataset(targetClient, {
      prefix: 'restart:sess:',
      matching: 40_000,
      other: 2_000,
    });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
    const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
    const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
    const audit = new AuditLog(storeRedis, { prefix });
    const service = new TtlRunService(queue, storeRedis, prefix, { audit });
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const thread = await client.chat.postMessage({ channel: CHANNEL, text: 'incident' });
    const threadTs = String(thread.ts);
    const throttle = { keysPerSec: 10_000, pageSize: 100, latencyGuardMs: 1000 } as const;
    const config: TtlWorkerProcessConfig = {
      queueUrl: queueServer.url,
      prefix,
      targetUrl: target.url,
      throttle,
      lockDuration: LOCK_MS,
      stalledInterval: 500,
    };
    const child = startChild('ttl-worker-process.ts', { TTL_WORKER: JSON.stringify(config) });
    const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
    let worker: Worker | undefined;
    try {
      await service.enqueue({
        runId,
        cluster: 'target',
        rule: setMissingRule(data.pattern),
        dryRunId: 'dry-1',
        requestedBy: 'UREQ',
        approvedBy: 'UAPP',
        incidentId: 'inc-1',
        channel: CHANNEL,
        threadTs,
        lang: 'en',
      });
      await child.ready;
      await waitFor(
        'the run a third of the way',
        async () => {
          const scanned = (await queue.getJob(runId))?.data.checkpoint?.counters.scanned ?? 0;
          return scanned >= data.matching.length / 3 ? true : undefined;
        },
        60_000,
      );
      await kill(child);
      const atKill = (await queue.getJob(runId))?.data;
      if (!atKill?.checkpoint) throw new Error('no checkpoint');
      const mark = fake.calls.length;

      worker = createTtlWorker(
        workerConnection,
        prefix,
        {
          service,
          reporter: slackTtlRunReporter(client, i18n, { logger: silentLogger() }),
          audit,
          target: () => ({ name: 'target', url: target.url, mode: 'standalone' }),
          throttle: { ...throttle, keysPerSec: 200_000 },
          pollMs: 200,
        },
        { lockDuration: LOCK_MS, stalledInterval: 500 },
      );
      await waitFor(
        'the run to finish',
        async () => {
          const s = await service.state(runId);
          return s && ['done', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
        },
        90_000,
      );
      // Where it was: the walk's share of the keyspace at the last saved page (cursor position).
      const notes = threadPosts(threadTs, mark).filter((c) =>
        textOf(c).includes('resumed after an interruption'),
      );
      expect(notes).toHaveLength(1);
      const pct = Number(/interruption at (\d+)%/.exec(textOf(notes[0] as RecordedCall))?.[1]);
      expect(pct).toBeGreaterThan(0);
      expect(pct).toBeLessThan(100);
      expect(textOf(notes[0] as RecordedCall)).toBe(
        `:arrows_counterclockwise: TTL run *test-rule* on *target* resumed after an interruption at ${pct}% (the worker running it stopped). It goes on from the last saved page; the counts stay exact.`,
      );
      // Posted before the run's summary, in the same thread: the summary is there (it is delivered
      // before the run is marked done), and the note comes first.
      const posts = threadPosts(threadTs, mark);
      const noteAt = posts.findIndex((c) => textOf(c).includes('resumed after an interruption'));
      const summaryAt = posts.findIndex((c) => !textOf(c).includes('resumed'));
      expect(noteAt).toBeGreaterThanOrEqual(0);
      expect(summaryAt).toBeGreaterThan(noteAt);
    } finally {
      await kill(child);
      await worker?.close();
      workerConnection.disconnect();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      queueRedis.disconnect();
      storeRedis.disconnect();
    }
  }, 180_000);
});
