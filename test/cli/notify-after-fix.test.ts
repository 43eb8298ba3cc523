/**
 * The real CLI flow a new user runs on a real redis-server: `keys` (a census, stored), `ttl run`
 * with a rules file, then `notify`. The message must not contradict itself: a census older than
 * the TTL run is not today's truth, the rules are visible (`--rules`), the opening follows the
 * memory Redis reports, tiny single keys are not required code changes, and counts are pluralised.
 * Truth comes from Redis (SCAN MATCH + PTTL, INFO memory), never from the code under test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';

const KEYS = 20_000;
const COUPON = 'MARKETING:COUPON:UNREAD:*';
/** One legacy key without TTL that a rule fixes: its run changes exactly one key. */
const LEGACY = 'legacy:config:blob';
/** Tiny keys without TTL, each its own pattern: far below any share of memory that matters. */
const TINY = ['featureflagdarkmode', 'maintenancebanner', 'lastdeployedcommit'];

const RULES = `
rules:
  - name: coupon-unread
    match: "${COUPON}"
    action: set-missing
    ttl: 60d
    risk: low
  - name: legacy-config
    match: "${LEGACY}"
    action: set-missing
    ttl: 7d
    risk: low
`;

let target: LocalRedis;
let queue: LocalRedis;
let admin: Redis;
let config: string;
let rulesFile: string;
let couponKeysBefore = 0;
let couponNoTtlBefore = 0;

/** Keys matching `glob` and how many of them have no TTL, as Redis counts them. */
async function countGlob(glob: string): Promise<{ keys: number; withoutTtl: number }> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await admin.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
    cursor = next;
    names.push(...page);
  } while (cursor !== '0');
  const p = admin.pipeline();
  for (const n of names) p.pttl(n);
  const ttls = ((await p.exec()) ?? []).map(([, v]) => v);
  return { keys: names.length, withoutTtl: ttls.filter((v) => v === -1).length };
}

/** used_memory / maxmemory in percent, from INFO memory. */
async function memoryPct(): Promise<number> {
  const info = await admin.info('memory');
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1]);
  return (used / max) * 100;
}

/** The text of one `## Heading` section of a Markdown message. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`## ${heading}`);
  if (start < 0) return '';
  const next = doc.indexOf('\n## ', start + 3);
  return doc.slice(start, next < 0 ? undefined : next);
}

let en = '';
let zh = '';

beforeAll(
  async () => {
    [target, queue] = await Promise.all([startLocalRedis(), startLocalRedis()]);
    admin = new Redis(target.port, '127.0.0.1');
    await loadDataset(admin, { keys: KEYS });
    await admin.set(LEGACY, 'x'.repeat(40));
    for (const k of TINY) await admin.set(k, '1');
    await setMaxmemoryForTargetPct(admin, 16);
    ({ keys: couponKeysBefore, withoutTtl: couponNoTtlBefore } = await countGlob(COUPON));
    const dir = mkdtempSync(join(tmpdir(), 'notify-after-fix-'));
    config = join(dir, 'redis-medic.yml');
    rulesFile = join(dir, 'rules.yml');
    writeFileSync(rulesFile, RULES);
    writeFileSync(config, `queue:\n  url: ${queue.url}\nclusters:\n  - name: shop\n    url: ${target.url}\n`);

    const census = await runCli(['keys', '--cluster', 'shop', '--config', config, '--unthrottled']);
    expect(census.code, census.stderr).toBe(0);
    const run = await runCli([
      'ttl',
      'run',
      '--cluster',
      'shop',
      '--config',
      config,
      '--rules',
      rulesFile,
      '--yes',
      '--unthrottled',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const args = ['notify', '--cluster', 'shop', '--config', config, '--rules', rulesFile];
    const [enRun, zhRun] = await Promise.all([
      runCli([...args, '--lang', 'en']),
      runCli([...args, '--lang', 'zh']),
    ]);
    expect(enRun.code, enRun.stderr).toBe(0);
    expect(zhRun.code, zhRun.stderr).toBe(0);
    en = enRun.stdout;
    zh = zhRun.stdout;
  },
  budgetMs(KEYS * 6),
);

afterAll(async () => {
  admin?.disconnect();
  await Promise.all([target?.stop(), queue?.stop()]);
});

describe('notify after `ttl run` (census, run, notify on a real redis-server)', () => {
  it('Redis confirms the run: every coupon key had no TTL before and has one now', async () => {
    expect(couponKeysBefore).toBeGreaterThan(100);
    expect(couponNoTtlBefore).toBe(couponKeysBefore);
    expect(await countGlob(COUPON)).toEqual({ keys: couponKeysBefore, withoutTtl: 0 });
    expect((await countGlob(LEGACY)).withoutTtl).toBe(0);
  });

  it('does not present the census from before the run as today\u2019s truth', () => {
    const changes = section(en, 'Required application code changes');
    const coupon = changes.split('\n').find((l) => l.startsWith(`- \`${COUPON}\``)) ?? '';
    expect(coupon).toContain('set a TTL of 60 days');
    expect(coupon).not.toMatch(/no TTL agreed yet|never expire/);
    expect(coupon).toContain('existing keys got it from rule `coupon-unread`');
    expect(en).not.toMatch(/today/);
    // The census predates the fix, and the message says so, with the run's own re-count.
    const root = section(en, 'Root cause');
    expect(root).toMatch(/This key census ran at [^\n]*, before these TTL rules finished/);
    expect(root).toMatch(
      /rule `coupon-unread` finished [^\n]* later; its own re-count left 0 keys without TTL/,
    );
    expect(root).toContain(`since fixed by rule \`coupon-unread\`, 0 keys left without TTL`);
  });

  it('sees the rules of --rules: the policy table shows the run Redis confirmed', () => {
    const policy = section(en, 'TTL policy');
    expect(policy).not.toContain('No TTL rules are configured');
    const changed = couponKeysBefore.toLocaleString('en-US');
    expect(policy).toContain(`| \`${COUPON}\` | 60 days | set where missing | low | ${changed} | done |`);
    expect(en).toContain(`Rule \`coupon-unread\` finished: ${changed} keys changed`);
  });

  it('opens with the memory Redis reports, not with a shortage', async () => {
    const pct = await memoryPct();
    expect(pct).toBeLessThan(30);
    const summary = section(en, 'Summary');
    expect(summary).not.toMatch(/ran short of memory/);
    const shown = Number(/ (\d+(?:\.\d)?)% of its memory/.exec(summary)?.[1]);
    expect(Math.abs(shown - pct)).toBeLessThan(3);
  });

  it('leaves tiny keys out of the required code changes, and says by which threshold', () => {
    const changes = section(en, 'Required application code changes');
    for (const k of TINY) expect(changes).not.toContain(k);
    expect(changes).toMatch(
      /Left out: \d+ patterns whose never-expiring keys each hold less than 0\.1% of the memory/,
    );
  });

  it('pluralises counts in English, and Chinese has no plural forms to get wrong', () => {
    expect(en).toContain('Rule `legacy-config` finished: 1 key changed');
    expect(en).not.toMatch(/\b1 keys\b/);
    expect(zh).toContain('规则 `legacy-config` 执行完成：修改了 1 个 Key');
    expect(zh).not.toMatch(/\d keys?\b/);
    const coupon = zh.split('\n').find((l) => l.startsWith(`- \`${COUPON}\`：每次写入`)) ?? '';
    expect(coupon).toContain('已有的 Key 已由规则 `coupon-unread` 处理');
    expect(zh).not.toContain('还没有配置 TTL 规则');
    expect(zh).not.toContain('内存不足');
  });
});
