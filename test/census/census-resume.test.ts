/**
 * A census saved part way and resumed from its checkpoint ends with exactly the figures of an
 * uninterrupted one: every key counted once (totals = DBSIZE over every DB), the same patterns.
 * Real redis-server holding the runbook-shaped dataset in DB 0 and more keys in DB 3.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type CensusCheckpoint, runCensus } from '../../src/census/run-census.js';
import type { CensusResult } from '../../src/census/types.js';
import { type DatasetGroundTruth, loadDataset } from '../../src/demo/dataset.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import type { TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';

let server: LocalRedis;
let client: Redis;
let conn: TargetConnection;
let truth: DatasetGroundTruth;
const DB3_KEYS = 1_500;
/** Every key of both DBs; each test walks them about three times (whole, part, rest). */
const KEYS = 12_000 + DB3_KEYS;

// The file's redis-server, its client and the connection come from the shared fixture.
test.beforeAll(async ({ localRedis, admin, target }) => {
  server = localRedis;
  client = admin;
  conn = target;
  truth = await loadDataset(client, { keys: KEYS - DB3_KEYS });
  const db3 = new Redis(`${server.url}/3`);
  const batch = db3.pipeline();
  for (let i = 0; i < DB3_KEYS; i++) batch.set(`other:item:${i}`, 'x'.repeat(i % 50));
  await batch.exec();
  db3.disconnect();
});

/** The figures a census is judged by (timings left out). */
function figures(r: CensusResult) {
  return {
    totalKeys: r.totalKeys,
    totalKeysWithoutTtl: r.totalKeysWithoutTtl,
    totalBytes: r.totalBytes,
    scannedKeys: r.scannedKeys,
    patterns: r.patterns.map((p) => ({
      pattern: p.pattern,
      keys: p.keys,
      keysWithoutTtl: p.keysWithoutTtl,
      bytes: p.bytes,
      ttlBuckets: p.ttlBuckets,
      types: p.types,
    })),
  };
}

describe('census checkpoint and resume', () => {
  it(
    'resumed from a checkpoint taken part way, it counts every key once, like an uninterrupted census',
    async () => {
      const dbsize = truth.totalKeys + DB3_KEYS;
      const whole = await runCensus(conn, { cluster: 'resume', throttle: false });
      expect(whole.totalKeys).toBe(dbsize);

      // Stopped after a few checkpoints (a killed worker: only what was saved survives).
      const saved: string[] = [];
      const abort = new AbortController();
      await runCensus(conn, {
        cluster: 'resume',
        throttle: { keysPerSec: 50_000, pageSize: 200, latencyGuardMs: 1_000 },
        signal: abort.signal,
        checkpointEveryMs: 0,
        onCheckpoint: async (cp) => {
          saved.push(JSON.stringify(cp));
          if (saved.length === 20) abort.abort('stop');
        },
      });
      expect(saved.length).toBeGreaterThanOrEqual(20);
      const checkpoint = JSON.parse(saved[19] as string) as CensusCheckpoint;
      expect(checkpoint.scanned).toBeGreaterThan(0);
      expect(checkpoint.scanned).toBeLessThan(dbsize);

      const firstProgress: number[] = [];
      const resumed = await runCensus(conn, {
        cluster: 'resume',
        throttle: false,
        resume: checkpoint,
        onProgress: (p) => firstProgress.push(p.scanned),
      });
      // Progress goes on from the checkpoint, not from 0.
      expect(firstProgress[0]).toBe(checkpoint.scanned);
      expect(resumed.totalKeys).toBe(dbsize);
      expect(figures(resumed)).toEqual(figures(whole));
    },
    budgetMs(KEYS * 3),
  );

  it(
    'a checkpoint from another server (another run_id) starts over and still counts every key once',
    async () => {
      const dbsize = truth.totalKeys + DB3_KEYS;
      let checkpoint: CensusCheckpoint | undefined;
      const abort = new AbortController();
      await runCensus(conn, {
        cluster: 'resume',
        throttle: { keysPerSec: 50_000, pageSize: 200, latencyGuardMs: 1_000 },
        signal: abort.signal,
        checkpointEveryMs: 0,
        onCheckpoint: async (cp) => {
          checkpoint = cp;
          abort.abort('stop');
        },
      });
      if (!checkpoint) throw new Error('no checkpoint saved');
      const foreign: CensusCheckpoint = {
        ...checkpoint,
        position: { nodes: checkpoint.position.nodes.map((n) => ({ ...n, runId: 'another-server' })) },
      };
      const result = await runCensus(conn, { cluster: 'resume', throttle: false, resume: foreign });
      expect(result.totalKeys).toBe(dbsize);
    },
    budgetMs(KEYS * 3),
  );
});
