/**
 * The TTL plan's one walk vs the runbook's four rules run one after the other, on the same data in
 * the same run: the demo dataset (`--keys`, default 1 M) and the four rules of the demo config
 * (config/redis-medic.example.yml), in the runbook's order. Each side starts from a fresh load of
 * the same seeded dataset, so both fix the same keys; each rule's counters must agree between the
 * two sides (else the bench fails). Printed: the time of each side, the keys of each side in the
 * same two units (the keys the server's SCAN visited: the whole DB once per walk, so four walks
 * against one; and the keys SCAN MATCH returned to the client: each rule's own glob on one side,
 * the plan's union filter on the other), and the ratio (target ≥ 3×). Measured with a keys/s
 * budget like the default throttle's (how runs go in production; raised for the bench so it takes
 * seconds) and unthrottled, where both sides also pay the same writes (about 10 % of the demo's
 * keys), so the unthrottled ratio is lower than the walk counts alone suggest; the printed ratio
 * is the measurement.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { loadDataset } from '../src/demo/dataset.js';
import { startLocalRedis } from '../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../src/redis/connect.js';
import { applyRule, DEFAULT_ENGINE_THROTTLE, type EngineThrottle } from '../src/remediation/engine.js';
import { applyPlanOneWalk } from '../src/remediation/plan/one-walk.js';
import type { EngineCounters, TtlRule } from '../src/remediation/types.js';
import { printTable } from './stats.js';
import { fmt } from './support.js';

const sec = (n: number): string => `${(n / 1000).toFixed(2)} s`;

const CONFIG = resolve(fileURLToPath(import.meta.url), '../../config/redis-medic.example.yml');
/** The runbook's execution order (smallest impact first). */
const ORDER = ['exchange-price', 'coupon-unread', 'last-activity', 'user-group-label'];

/** The demo config's rules; its credentials' variables are not needed here. */
export function runbookRules(): TtlRule[] {
  const env = new Proxy<Record<string, string | undefined>>({}, { get: () => 'bench' });
  const parsed = parseConfig(readFileSync(CONFIG, 'utf8'), env);
  if (!parsed.ok) throw new Error(`config: ${JSON.stringify(parsed.problems)}`);
  return ORDER.map((name) => {
    const rule = parsed.config.rules.find((r) => r.name === name);
    if (!rule) throw new Error(`the demo config has no rule ${name}`);
    return rule;
  });
}

interface Side {
  ms: number;
  counters: EngineCounters[];
  /** Keys the server's SCAN visited: the whole DB once per walk. */
  visited: number;
  /** Keys SCAN MATCH returned to the client. */
  returned: number;
}

async function separate(
  conn: TargetConnection,
  rules: TtlRule[],
  throttle: EngineThrottle | false,
  dbsize: number,
): Promise<Side> {
  const t0 = performance.now();
  const counters: EngineCounters[] = [];
  for (const rule of rules) counters.push((await applyRule(conn, rule, { throttle })).counters);
  return {
    ms: performance.now() - t0,
    counters,
    visited: dbsize * rules.length,
    returned: counters.reduce((n, c) => n + c.scanned, 0),
  };
}

async function oneWalk(
  conn: TargetConnection,
  rules: TtlRule[],
  throttle: EngineThrottle | false,
  dbsize: number,
): Promise<Side> {
  const t0 = performance.now();
  const plan = await applyPlanOneWalk(conn, rules, { throttle });
  if (!plan.complete) throw new Error('the plan did not complete');
  return {
    ms: performance.now() - t0,
    counters: plan.rules.map((r) => r.counters),
    visited: dbsize,
    returned: plan.walked,
  };
}

const keysText = (side: Side): string =>
  `${fmt(side.visited)} keys visited by SCAN, ${fmt(side.returned)} returned after MATCH`;

/** Prints the table (unless `print: false`) and returns its rows. */
export async function benchPlan(opts: { keys: number; print?: boolean }): Promise<[string, string][]> {
  const rules = runbookRules();
  const server = await startLocalRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  const conn = await connectTarget({ name: 'bench', url: server.url, mode: 'standalone' });
  try {
    const reload = async (): Promise<number> => {
      await admin.flushall();
      await loadDataset(admin, { keys: opts.keys });
      return admin.dbsize();
    };
    const rows: [string, string][] = [];
    // The budget is raised so the throttled runs take seconds, not minutes; the ratio is the same.
    const budget: EngineThrottle = { ...DEFAULT_ENGINE_THROTTLE, keysPerSec: 200_000, pageSize: 1000 };
    for (const [label, throttle] of [
      ['unthrottled', false],
      [`throttled (${fmt(budget.keysPerSec ?? 0)} keys/s, pages of ${budget.pageSize})`, budget],
    ] as const) {
      const dbsize = await reload();
      const seq = await separate(conn, rules, throttle, dbsize);
      const again = await reload();
      const one = await oneWalk(conn, rules, throttle, again);
      rules.forEach((rule, i) => {
        if (JSON.stringify(seq.counters[i]) !== JSON.stringify(one.counters[i])) {
          throw new Error(
            `${rule.name}: one walk ${JSON.stringify(one.counters[i])} ≠ separate ${JSON.stringify(seq.counters[i])}`,
          );
        }
      });
      const changed = one.counters.reduce((s, c) => s + c.changed, 0);
      rows.push(
        [`${label}: four runs one after the other`, `${sec(seq.ms)} (${keysText(seq)})`],
        [`${label}: the plan's one walk`, `${sec(one.ms)} (${keysText(one)})`],
        [`${label}: keys changed (same on both sides)`, fmt(changed)],
        [`${label}: ratio (target ≥ 3×)`, `${(seq.ms / one.ms).toFixed(1)}×`],
      );
    }
    if (opts.print !== false) {
      printTable(`TTL plan: the runbook's four rules on ${fmt(opts.keys)} keys of the demo's shape`, rows);
    }
    return rows;
  } finally {
    await conn.close();
    admin.disconnect();
    await server.stop();
  }
}
