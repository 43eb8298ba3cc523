/**
 * The memory guard holds for every run, unthrottled ones included: on a real redis-server filled to
 * 93 % of a small maxmemory under allkeys-lru, a set-missing run causes no eviction (INFO stats
 * evicted_keys, DBSIZE), pauses and says so (progress, CLI stderr when not a terminal), then either
 * resumes once memory is freed or stops after its timeout with memory_guard_timeout.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { startLocalRedis } from '../../src/demo/local-redis.js';
import { ErrorCode, MedicError } from '../../src/errors.js';
import { applyRule } from '../../src/remediation/engine.js';
import type { EngineProgress, TtlRule } from '../../src/remediation/types.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { it, test } from '../support/fixtures.js';
import { setMissingRule } from '../support/ttl-dataset.js';

const KEYS = 120_000;

const RULE: TtlRule = setMissingRule('fill:*', 'fill-ttl');

function field(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
}

describe('memory guard (no flag turns it off)', () => {
  let maxmemory = 0;

  /** Fresh keys without TTL, then maxmemory set so that they fill 93 % of it, allkeys-lru. */
  async function fill(admin: Redis): Promise<void> {
    await admin.config('SET', 'maxmemory', '0');
    await admin.flushall();
    const value = 'v'.repeat(40);
    for (let i = 0; i < KEYS; i += 2_000) {
      const args: string[] = [];
      for (let j = i; j < i + 2_000; j++) args.push(`fill:${j}`, value);
      await admin.mset(...args);
    }
    await admin.config('RESETSTAT');
    const used = field(await admin.info('memory'), 'used_memory');
    maxmemory = Math.ceil(used / 0.93);
    await admin.config('SET', 'maxmemory', String(maxmemory));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
  }

  async function evicted(admin: Redis): Promise<number> {
    return field(await admin.info('stats'), 'evicted_keys');
  }

  // Budgets from the key count: a fill writes every key once, a run walks them once more.
  test.beforeEach(({ admin }) => fill(admin), budgetMs(KEYS));

  for (const strategy of ['lua', 'options'] as const) {
    it(
      `${strategy}: an unthrottled run never crosses the guard: no eviction, pauses, then times out with a clear error`,
      async ({ admin, target: conn }) => {
        const progress: EngineProgress[] = [];
        const failure = await applyRule(conn, RULE, {
          throttle: false,
          strategy,
          memoryGuard: { timeoutMs: 1_500 },
          onPage: (_cp, p) => {
            progress.push(p);
          },
        }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(await evicted(admin)).toBe(0);
        expect(await admin.dbsize()).toBe(KEYS);
        const used = field(await admin.info('memory'), 'used_memory');
        expect(used).toBeLessThanOrEqual(maxmemory);
        expect(failure).toBeInstanceOf(MedicError);
        expect((failure as MedicError).code).toBe(ErrorCode.MemoryGuardTimeout);
        expect(progress.some((p) => p.paused && p.pausedBy === 'memory')).toBe(true);
      },
      budgetMs(KEYS * 2),
    );
  }

  it(
    'a throttled run (the default) stops over the guard too, after its timeout instead of waiting forever',
    async ({ admin, target: conn }) => {
      const failure = await applyRule(conn, RULE, { memoryGuard: { timeoutMs: 1_500 } }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect((failure as MedicError).code).toBe(ErrorCode.MemoryGuardTimeout);
      expect(await evicted(admin)).toBe(0);
      expect(await admin.dbsize()).toBe(KEYS);
    },
    budgetMs(KEYS * 2),
  );

  it(
    'a paused run resumes once memory is available and then finishes',
    async ({ admin, target: conn }) => {
      let raised = false;
      const result = await applyRule(conn, RULE, {
        throttle: false,
        memoryGuard: { timeoutMs: 60_000 },
        onPage: async (_cp, p) => {
          if (p.paused && p.pausedBy === 'memory' && !raised) {
            raised = true;
            await admin.config('SET', 'maxmemory', String(maxmemory * 4));
          }
        },
      });
      expect(raised).toBe(true);
      expect(result.complete).toBe(true);
      expect(result.counters.changed).toBe(KEYS);
      expect(result.pauses).toBeGreaterThanOrEqual(1);
      expect(await evicted(admin)).toBe(0);
      expect(await admin.dbsize()).toBe(KEYS);
    },
    budgetMs(KEYS * 2),
  );

  it(
    'ttl run --unthrottled, stdout and stderr not a terminal: says it paused, stops after the timeout, nothing evicted',
    async ({ admin, localRedis }) => {
      const dir = mkdtempSync(join(tmpdir(), 'medic-guard-'));
      const queue = await startLocalRedis();
      try {
        const rules = join(dir, 'rules.yaml');
        writeFileSync(
          rules,
          `rules:\n  - name: fill-ttl\n    match: "fill:*"\n    action: set-missing\n    ttl: 1d\n    risk: low\n`,
        );
        const config = join(dir, 'medic.yaml');
        writeFileSync(
          config,
          `queue:\n  url: ${queue.url}\nclusters:\n  - name: prod\n    url: ${localRedis.url}\n`,
        );
        const run = await runCli([
          'ttl',
          'run',
          '--config',
          config,
          '--cluster',
          'prod',
          '--rules',
          rules,
          '--unthrottled',
          '--memory-guard-timeout',
          '2',
          '--yes',
        ]);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain('fill-ttl: paused: memory is near maxmemory');
        expect(run.stderr).toContain('stayed above the memory guard');
        expect(await evicted(admin)).toBe(0);
        expect(await admin.dbsize()).toBe(KEYS);
      } finally {
        await queue.stop();
      }
    },
    // Plus the CLI process's own start-up (tsx compiles it on a cold start).
    budgetMs(KEYS * 2) + 30_000,
  );
});
