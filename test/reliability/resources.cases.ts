import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from '../../src/jobs/ttl-job.js';
import { compileChild } from '../support/compile-child.js';
import { type JsonLineChild, startJsonLineChild } from '../support/json-line-child.js';
import { serveNodeFlags } from '../support/node-flags.js';
import { Scenario } from '../support/reliability-report.js';
import type { ResourceWorkerConfig } from '../support/resource-worker-process.js';
import { waitFor } from '../support/wait-for.js';
import { ruleFromText, rulePattern } from './ttl-faults.js';

const RSS_LIMIT_MB = 150;
/** Growth from the second job to the last that still counts as flat (allocator and JIT noise). */
const GROWTH_LIMIT_MB = 15;

export interface ResourceSizes {
  keys: number;
  repeats: number;
}

/** kB fields of /proc/<pid>/status, in MB. */
function procMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

type Child = JsonLineChild;

function startChild(script: string, config: ResourceWorkerConfig): Child {
  // The Node flags production runs the bot with (`npm start`, the Dockerfile): memory is measured as deployed.
  return startJsonLineChild(
    [...serveNodeFlags(), script],
    { RESOURCE_WORKER: JSON.stringify(config) },
    'pipe',
  );
}

export function resourceSuites(sizes: ResourceSizes): void {
  describe(`resources: census and TTL run over ${sizes.keys.toLocaleString('en-US')} keys, ${sizes.repeats} times each`, () => {
    const scenario = new Scenario(
      `worker RSS: census + TTL run over ${sizes.keys.toLocaleString('en-US')} keys, repeated`,
    );
    let target: LocalRedis;
    let queueServer: LocalRedis;
    let targetClient: Redis;
    beforeAll(
      async () => {
        [target, queueServer] = await Promise.all([
          startLocalRedis(),
          startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
        ]);
        targetClient = new Redis(target.url);
        await loadDataset(targetClient, { keys: sizes.keys });
      },
      60_000 + sizes.keys / 10,
    );
    afterAll(async () => {
      scenario.save();
      targetClient?.disconnect();
      await Promise.all([target?.stop(), queueServer?.stop()]);
    });

    it(
      `peak RSS under ${RSS_LIMIT_MB} MB, no growth over the repeats`,
      async () => {
        const prefix = `res-${randomUUID().slice(0, 8)}`;
        const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
        const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
        const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
        const service = new TtlRunService(queue, storeRedis, prefix);
        const child = startChild(
          await compileChild(new URL('../support/resource-worker-process.ts', import.meta.url)),
          { queueUrl: queueServer.url, prefix, targetUrl: target.url },
        );
        const rule = ruleFromText(rulePattern(sizes.keys, 20260212).glob);
        // Budget from the work: a full-speed walk of the keyspace is well over 20 K keys/s even here.
        const perJobMs = 30_000 + Math.ceil(sizes.keys / 20_000) * 1000 * 3;
        const afterJob: number[] = [];
        await scenario.run(async () => {
          try {
            await child.ready;
            const pid = child.proc.pid as number;
            const baseline = procMemory(pid).rssMb;
            scenario.figure('keys', sizes.keys);
            scenario.figure('RSS at start MB', Math.round(baseline));
            for (let i = 0; i < sizes.repeats; i++) {
              const censuses = () => child.events.filter((e) => e.event === 'census').length;
              const before = censuses();
              child.proc.stdin?.write(`${JSON.stringify({ cmd: 'census' })}\n`);
              await waitFor('the census', async () => (censuses() > before ? true : undefined), perJobMs);
              const census = child.events.filter((e) => e.event === 'census').at(-1);
              expect(census?.keys).toBe(sizes.keys);
              const runId = `res-${i}-${randomUUID().slice(0, 6)}`;
              await service.enqueue({
                runId,
                cluster: 'target',
                rule,
                dryRunId: 'dry-res',
                requestedBy: 'UREQ',
                approvedBy: 'UAPP',
                incidentId: 'inc-res',
                channel: 'C1',
                threadTs: '1.1',
                lang: 'en',
              });
              const done = await waitFor(
                'the TTL run',
                async () => child.events.find((e) => e.event === 'ttl' && e.runId === runId),
                perJobMs,
              );
              expect(done.outcome).toBe('done');
              afterJob.push(procMemory(pid).rssMb);
            }
            const { peakMb } = procMemory(pid);
            const settled = afterJob[Math.min(1, afterJob.length - 1)] as number;
            const last = afterJob.at(-1) as number;
            scenario.figure('peak RSS MB', Math.round(peakMb));
            scenario.figure('RSS after job 2 MB', Math.round(settled));
            scenario.figure('RSS after last job MB', Math.round(last));
            scenario.figure('jobs (census + TTL run)', afterJob.length * 2);
            expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
            expect(last - settled).toBeLessThan(GROWTH_LIMIT_MB);
          } finally {
            child.proc.stdin?.end();
            if (child.proc.exitCode === null) {
              const exited = new Promise((r) => child.proc.once('exit', r));
              const kill = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
              await exited;
              clearTimeout(kill);
            }
            await queue.obliterate({ force: true }).catch(() => {});
            await queue.close();
            queueRedis.disconnect();
            storeRedis.disconnect();
          }
        });
      },
      120_000 + sizes.repeats * (60_000 + Math.ceil(sizes.keys / 20_000) * 6_000),
    );
  });
}
