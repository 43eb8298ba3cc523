/**
 * `redis-medic notify`: the incident message from the incident record on a real queue Redis,
 * printed as Markdown (email, wiki) or Slack mrkdwn, in English, Chinese or both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotStore } from '../../src/census/snapshot-store.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { CLUSTER, census, incident, timeline } from '../fixtures/incident.js';
import { runCli } from '../support/cli.js';

let redis: LocalRedis;
let client: Redis;
let config: string;

beforeAll(async () => {
  redis = await startLocalRedis();
  client = new Redis(`${redis.url}/1`);
  const prefix = 'redis-medic';
  const incidents = new IncidentStore(client, { prefix, idleHours: 24 });
  await incidents.open(incident);
  for (const entry of timeline.slice(1)) await incidents.append(incident.id, entry);
  await new SnapshotStore(client, { prefix }).save(census);
  const dir = mkdtempSync(join(tmpdir(), 'notify-cli-'));
  config = join(dir, 'redis-medic.yml');
  writeFileSync(
    config,
    `queue:
  url: ${redis.url}/1
clusters:
  - name: ${CLUSTER}
    url: redis://notify-target.invalid:6379/0
rules:
  - name: coupon-unread
    match: "MARKETING:COUPON:UNREAD:*"
    action: set-missing
    ttl: 60d
    risk: low
    note: read-heavy, regenerated on coupon events
`,
  );
}, 30_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

describe('redis-medic notify', () => {
  it('prints Markdown in both languages from the incident record', async () => {
    const run = await runCli([
      'notify',
      '--incident',
      incident.id,
      '--config',
      config,
      '--owner',
      'Alice (iSales)',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [en, zh] = run.stdout.split('\n---\n');
    expect(en).toMatch(/^# Redis memory incident on isales-market/);
    expect(en).toContain('reached 89.4% of its memory at 14:16 UTC');
    expect(en).toContain(
      '| `MARKETING:COUPON:UNREAD:*` | 60 days | set where missing | low | 147,111 | done |',
    );
    expect(en).toContain('- 2026-02-12 14:27 UTC · Rule `coupon-unread` approved by @U07APPROV');
    expect(en).toContain('Alice (iSales): ship the TTL changes above.');
    expect(zh).toContain('# isales-market Redis 内存事故');
    expect(zh).toContain(
      '| `MARKETING:COUPON:UNREAD:*` | 60 天 | 仅补设缺失的 TTL | 低 | 147,111 | 已完成 |',
    );
  });

  it('--cluster finds the latest incident; --lang zh --format mrkdwn prints Slack text in Chinese only', async () => {
    const run = await runCli([
      'notify',
      '--cluster',
      CLUSTER,
      '--config',
      config,
      '--lang',
      'zh',
      '--format',
      'mrkdwn',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\*isales-market Redis 内存事故/);
    expect(run.stdout).toContain('<@U07APPROV> 批准了规则 `coupon-unread`');
    expect(run.stdout).not.toContain('Redis memory incident');
    expect(run.stdout).toContain('```'); // the policy table, preformatted
  });

  it('text typed on the command line is escaped in mrkdwn (it could be pasted into Slack)', async () => {
    const run = await runCli([
      'notify',
      '--incident',
      incident.id,
      '--config',
      config,
      '--lang',
      'en',
      '--format',
      'mrkdwn',
      '--owner',
      '<!channel>',
      '--summary',
      'ping <!here> & <@U1|x>',
      '--deadline',
      // Far ahead: a deadline already past is refused.
      '2099-12-03',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/<!channel>|<!here>|<@U1\|x>/);
    expect(run.stdout).toContain('ping &lt;!here&gt; &amp; &lt;@U1|x&gt;');
    expect(run.stdout).toContain('&lt;!channel&gt;: ship the TTL changes above by Dec 3, 2099.');
  });

  it('refuses bad input with a clear, localized message and exit code 1', async () => {
    const unknown = await runCli(['notify', '--incident', 'nope-1', '--config', config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no incident nope-1');
    const both = await runCli([
      'notify',
      '--incident',
      incident.id,
      '--cluster',
      CLUSTER,
      '--config',
      config,
    ]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of --incident ID or --cluster NAME');
    const date = await runCli(
      ['notify', '--cluster', CLUSTER, '--config', config, '--deadline', '2026-02-30'],
      {
        LANG: 'zh_CN.UTF-8',
      },
    );
    expect(date.code).toBe(1);
    expect(date.stderr).toContain('--deadline 2026-02-30 不是有效日期');
    const cluster = await runCli(['notify', '--cluster', 'nope', '--config', config]);
    expect(cluster.code).toBe(1);
    expect(cluster.stderr).toContain('unknown cluster nope');
  });
});
