import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type DatasetGroundTruth, loadDataset } from '../../src/demo/dataset.js';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { DryRunStore, dryRun, recount, withinTolerance } from '../../src/remediation/dry-run.js';
import { parseRules, planRules } from '../../src/remediation/rules.js';
import type { DryRun, TtlRule } from '../../src/remediation/types.js';
import { RUNBOOK_RULES_YAML } from '../fixtures/runbook-rules.js';
import { test } from '../support/fixtures.js';
import { addExtraKeys, type Keyspace, scanMatchIds, snapshotKeyspace } from './support.js';

const KEYS = 20_000;
const MIN = 60_000;

/** The runbook's four scripts as rules, read from the rules file an operator would write. */
function runbookRules(): TtlRule[] {
  const parsed = parseRules(RUNBOOK_RULES_YAML);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rules;
}

describe('dry-run on the demo dataset', () => {
  let server: LocalRedis;
  let admin: Redis;
  let queue: Redis;
  let conn: TargetConnection;
  let truth: DatasetGroundTruth;

  /** The runbook rules' dry-runs, with the whole keyspace read before and after them. */
  interface RunbookDryRuns {
    before: Keyspace;
    after: Keyspace;
    byName: Map<string, DryRun>;
  }
  let once: Promise<RunbookDryRuns> | undefined;
  /**
   * Computed once for the file by whichever test asks first, so every test also passes alone
   * (`-t`) or in another order: none relies on what an earlier test left behind.
   */
  function runbookDryRuns(): Promise<RunbookDryRuns> {
    once ??= (async () => {
      const before = await snapshotKeyspace(admin);
      const byName = new Map<string, DryRun>();
      for (const rule of runbookRules()) {
        byName.set(rule.name, await dryRun(conn, rule, { cluster: 'local', throttle: false }));
      }
      return { before, after: await snapshotKeyspace(admin), byName };
    })();
    return once;
  }

  // The file's redis-server and admin client come from the shared fixture.
  test.beforeAll(async ({ localRedis, admin: client }) => {
    server = localRedis;
    admin = client;
    queue = new Redis({ port: server.port, host: '127.0.0.1', db: 9 });
    truth = await loadDataset(admin, { keys: KEYS });
    await addExtraKeys(admin, 10);
    conn = await connectTarget({ name: 'local', url: `${server.url}/0`, mode: 'standalone' });
  }, MIN);

  afterAll(async () => {
    await conn?.close();
    queue?.disconnect();
  });

  it('counts equal the ground truth for the four runbook rules, and nothing is written', async () => {
    const { before, after, byName: dryRuns } = await runbookDryRuns();
    expect(after).toEqual(before);

    const now = Date.now();
    // The TTLs the rules' text states, in days.
    const statedDays: Record<string, number> = {
      'coupon-unread': 60,
      'user-group-label': 30,
      'exchange-price': 7,
      'last-activity': 90,
    };
    for (const [name, dry] of dryRuns) {
      // Which keys match: Redis's own SCAN MATCH, not the code's glob.
      const matching = await scanMatchIds(admin, dry.rule.match);
      const keys = [...before].filter(([id]) => matching.has(id)).map(([, k]) => k);
      const capMs = (statedDays[name] ?? Number.NaN) * 86_400_000;
      const without = keys.filter((k) => k.expireAt === -1).length;
      const above = keys.filter((k) => k.expireAt - now > capMs).length;
      expect({ name, matched: dry.matched, without: dry.keysWithoutTtl, above: dry.keysAboveCap }).toEqual({
        name,
        matched: keys.length,
        without,
        above,
      });
      expect(dry.toChange).toBe(dry.rule.action === 'cap' ? above : without);
      expect(dry.complete).toBe(true);
      expect(dry.walked).toBe(before.size);
      expect(dry.estimatedDurationSec).toBe(Math.ceil(before.size / 10_000));
      expect(Object.values(dry.ttlSpread).reduce((a, b) => a + b, 0)).toBe(dry.matched);
      expect(dry.samples.length).toBe(Math.min(10, dry.toChange));
      expect(dry.id).not.toContain(':');
    }
    // The generator's own figures (extras aside).
    const exchange = dryRuns.get('exchange-price') as DryRun;
    expect(exchange.toChange).toBe(truth.patterns['exchange:coupon:high:commodity:price:*']?.keysWithoutTtl);
    const groups = dryRuns.get('user-group-label') as DryRun;
    expect(groups.toChange).toBe(truth.patterns['contact:userGroupLabel:set:*']?.keys);
    const last = dryRuns.get('last-activity') as DryRun;
    // 300–364 d generator keys + 10 extras at 120 d + the binary one; not at / below / without.
    expect(last.toChange).toBe((truth.patterns['contact:last:activity:*']?.keys ?? 0) + 11);
    expect(last.ttlSpread.none).toBe(10);
    const coupon = dryRuns.get('coupon-unread') as DryRun;
    expect(coupon.toChange).toBe((truth.patterns['MARKETING:COUPON:UNREAD:*']?.keys ?? 0) + 1);
    expect(coupon.keysWithoutTtl).toBe(coupon.toChange);
  });

  it('bytes to free are the MEMORY USAGE of exactly the keys that would change; samples are such keys', async () => {
    const dryRuns = (await runbookDryRuns()).byName;
    const coupon = dryRuns.get('coupon-unread') as DryRun;
    // Which keys the pattern selects: Redis's own SCAN MATCH, on the DB the dry-run targets.
    const matching = await scanMatchIds(admin, coupon.rule.match);
    let bytes = 0;
    for (const [id, k] of await snapshotKeyspace(admin)) {
      if (k.db !== 0 || !matching.has(id) || k.expireAt !== -1) continue;
      bytes += Number(await admin.memory('USAGE', k.name, 'SAMPLES', 5));
    }
    expect(bytes).toBeGreaterThan(0);
    expect(coupon.bytesToFree).toBe(bytes);
    const last = dryRuns.get('last-activity') as DryRun;
    expect(last.bytesToFree).toBeGreaterThan(0);
    // Every sample names a key that exists, matches, and has no TTL (a key set-missing would change).
    // How a binary name is shown in Slack is checked end to end in test/slack/escaping.e2e.test.ts.
    expect(coupon.samples.length).toBeGreaterThan(0);
    for (const sample of coupon.samples) {
      const [, found] = await admin.scan('0', 'MATCH', sample, 'COUNT', 100_000);
      expect(found, sample).toContain(sample);
      expect(await admin.pttl(sample), sample).toBe(-1);
    }
  });

  it('recount gives the same figures; withinTolerance compares them', async () => {
    const dryRuns = (await runbookDryRuns()).byName;
    // The four runbook rules: a loop over none would check nothing.
    expect(dryRuns.size).toBe(4);
    for (const dry of dryRuns.values()) {
      const again = await recount(conn, dry.rule, { throttle: false });
      expect(again).toMatchObject({
        matched: dry.matched,
        keysWithoutTtl: dry.keysWithoutTtl,
        keysAboveCap: dry.keysAboveCap,
        toChange: dry.toChange,
        complete: true,
      });
      expect(withinTolerance(again.toChange, dry.toChange)).toBe(true);
    }
    expect(withinTolerance(100, 105)).toBe(true);
    expect(withinTolerance(100, 106)).toBe(false);
    expect(withinTolerance(0, 0)).toBe(true);
    expect(withinTolerance(0, 1)).toBe(false);
    expect(withinTolerance(1000, 1100, 0.1)).toBe(true);
  });

  it('plan: smallest impact first, in the runbook order', async () => {
    const dryRuns = (await runbookDryRuns()).byName;
    // Fed in reverse of the rules file's order, which already is the plan's.
    expect(planRules([...dryRuns.values()].reverse()).map((d) => d.rule.name)).toEqual([
      'exchange-price',
      'coupon-unread',
      'last-activity',
      'user-group-label',
    ]);
  });

  it('a throttled dry-run reports progress and gives the same counts; an aborted one is partial', async () => {
    const dryRuns = (await runbookDryRuns()).byName;
    const rule = runbookRules().find((r) => r.name === 'exchange-price') as TtlRule;
    let progress = 0;
    const dry = await dryRun(conn, rule, {
      cluster: 'local',
      throttle: { keysPerSec: 50_000, pageSize: 500 },
      onProgress: () => {
        progress++;
      },
      rateKeysPerSec: 5000,
    });
    expect(dry.toChange).toBe(dryRuns.get('exchange-price')?.toChange);
    expect(dry.estimatedDurationSec).toBe(Math.ceil(dry.walked / 5000));
    expect(progress).toBeGreaterThan(0);
    const aborted = await dryRun(conn, rule, { cluster: 'local', signal: AbortSignal.abort() });
    expect(aborted.complete).toBe(false);
  });

  it('DryRunStore: save with id and time, get, newest first per cluster, bounded retention', async () => {
    const dryRuns = (await runbookDryRuns()).byName;
    const store = new DryRunStore(queue, { prefix: 'redis-medic' });
    const saved: string[] = [];
    for (const dry of dryRuns.values()) saved.push(await store.save(dry));
    expect(await store.get(saved[0] as string)).toEqual(dryRuns.get('exchange-price'));
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.get('a:b')).toBeUndefined();
    const list = await store.list('local');
    expect(list.map((d) => d.id).sort()).toEqual([...saved].sort());
    expect((await store.latest('local', 'last-activity'))?.id).toBe(dryRuns.get('last-activity')?.id);
    const ttl = await queue.ttl(`redis-medic:dryrun:${saved[0]}`);
    expect(ttl).toBeGreaterThan(7 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
    await expect(store.save({ ...(dryRuns.get('coupon-unread') as DryRun), id: 'x:y' })).rejects.toThrow(
      RangeError,
    );
    expect(await store.list('other')).toEqual([]);
  });
});
