/**
 * Two bot processes (the real `redis-medic serve`, as child processes) on one queue Redis, sampling
 * every second. The test drives the target's memory ratio with CONFIG SET maxmemory (re-aimed from
 * used_memory until each phase is over): 50 % → 62 % → 72 % → 69–71 % wobbling for 20 s → 88 % →
 * 40 %, and kills both processes (SIGKILL) during the 88 % phase, then starts them again. Expected,
 * from the fake Slack API's record: exactly one warning, one critical, one emergency and one
 * recovered post, in one thread, each posted once by one process, and nothing re-posted after the
 * restart. Every wait polls with a deadline; the phases end on what the bots did, not on a timer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { budgetMs } from '../support/budget.js';
import { blocksOf, textOf } from '../support/medic-harness.js';
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'C0MONITOR';
const PREFIX = 'rm-alerts';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A child's start-up under `--import tsx` on a loaded box: compile, connect, listen. */
const START_MS = 60_000;

let target: LocalRedis;
let queueServer: LocalRedis;
let fake: FakeSlackApi;
let admin: Redis;
let queue: Redis;
let dir: string;
let configFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [target, queueServer, fake] = await Promise.all([
    startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
    startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
    startFakeSlackApi(),
  ]);
  admin = new Redis(target.port, target.host);
  queue = new Redis(queueServer.port, queueServer.host);
  // ~16 MB of values: a client connecting or leaving moves the ratio by far less than a point.
  const pipe = admin.pipeline();
  for (let i = 0; i < 16_000; i++) pipe.set(`load:${i}`, 'x'.repeat(1_000));
  await pipe.exec();
  dir = mkdtempSync(join(tmpdir(), 'medic-alerts-'));
  configFile = join(dir, 'medic.yml');
  writeFileSync(
    configFile,
    `queue:
  url: ${queueServer.url}
  prefix: ${PREFIX}
slack:
  channels:
    ${CHANNEL}: shop
monitoring:
  sample:
    cron: "* * * * * *"
  alerts:
    minDurationSeconds: 2
    hysteresisPct: 2
    evictions: false
clusters:
  - name: shop
    url: ${target.url}
`,
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  admin?.disconnect();
  queue?.disconnect();
  await Promise.all([target?.stop(), queueServer?.stop(), fake?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `redis-medic serve` in a child process; resolves once it logged that it started. */
async function startBot(name: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', configFile],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: `xoxb-${name}`,
        SLACK_SIGNING_SECRET: 'alerts-secret',
        SLACK_API_URL: fake.url,
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in ${START_MS} ms: ${stderr}`)),
      START_MS,
    );
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('"redis-medic started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}): ${stderr}`));
    });
  });
  return proc;
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

/** used_memory / maxmemory as Redis reports them (the independent truth). */
async function ratio(): Promise<number> {
  const mem = parseInfo(await admin.info('memory')).memory ?? {};
  return (Number(mem.used_memory) / Number(mem.maxmemory)) * 100;
}

/** Aims maxmemory so used_memory is `pct` % of it. */
async function aim(pct: number): Promise<void> {
  const used = Number(parseInfo(await admin.info('memory')).memory?.used_memory);
  await admin.config('SET', 'maxmemory', String(Math.round(used / (pct / 100))));
}

const historyKey = `${PREFIX}:monitor:history:shop`;
const samples = () => queue.zcard(historyKey);

/** Holds `pct` (re-aimed each poll) until `done` answers true. */
async function hold(
  pct: number,
  what: string,
  done: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    what,
    async () => {
      await aim(pct);
      return done();
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Waits until `count` more samples were stored, holding `pct` meanwhile. */
async function moreSamples(pct: number, count: number, timeoutMs = 30_000): Promise<void> {
  const start = await samples();
  await hold(
    pct,
    `${count} more samples at ${pct} %`,
    async () => (await samples()) >= start + count,
    timeoutMs,
  );
}

const ALERT_KINDS = {
  warning: /above the 60% warning line/,
  critical: /above the 70% critical line/,
  emergency: /above the 85% emergency line/,
  recovered: /recovered: memory at/,
} as const;
type Kind = keyof typeof ALERT_KINDS;

function alertPosts(): { kind: Kind; call: RecordedCall }[] {
  return fake
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === CHANNEL)
    .flatMap((call) => {
      const text = textOf(blocksOf(call));
      const kind = (Object.keys(ALERT_KINDS) as Kind[]).find((k) => ALERT_KINDS[k].test(text));
      return kind ? [{ kind, call }] : [];
    });
}

const posted = (kind: Kind) => async () => alertPosts().some((p) => p.kind === kind);

describe('alerts from two bot processes sampling every second', () => {
  it(
    'posts one warning, critical, emergency and recovered, in one thread, none again after a kill -9 of both',
    async () => {
      let bots = await Promise.all([startBot('p1'), startBot('p2')]);
      await moreSamples(50, 3);
      expect(alertPosts()).toEqual([]);

      await hold(62, 'the warning post', posted('warning'), 30_000);
      await hold(72, 'the critical post', posted('critical'), 30_000);

      // 69–71 % for 20 s, each value held for at least one sample.
      const wobbleEnd = Date.now() + 20_000;
      const seen: number[] = [];
      for (let i = 0; Date.now() < wobbleEnd; i++) {
        const pct = i % 2 === 0 ? 69 : 71;
        await moreSamples(pct, 1);
        seen.push(await ratio());
      }
      expect(Math.min(...seen)).toBeGreaterThan(68);
      expect(Math.max(...seen)).toBeLessThan(72);
      expect(alertPosts().map((p) => p.kind)).toEqual(['warning', 'critical']);

      await hold(88, 'the emergency post', posted('emergency'), 30_000);
      // Both killed during the 88 % phase, and started again.
      await Promise.all(bots.map(kill));
      const beforeRestart = alertPosts().length;
      bots = await Promise.all([startBot('p3'), startBot('p4')]);
      await moreSamples(88, 5, 60_000);
      expect(alertPosts()).toHaveLength(beforeRestart);

      await hold(40, 'the recovered post', posted('recovered'), 30_000);
      await moreSamples(40, 3);
      await Promise.all(bots.map(kill));

      const posts = alertPosts();
      expect(posts.map((p) => p.kind)).toEqual(['warning', 'critical', 'emergency', 'recovered']);
      // One thread: the warning opened it, the others are replies in it.
      const [first, ...rest] = posts;
      expect(first?.call.body.thread_ts).toBeUndefined();
      const threadTs = (first?.call.response as { ts?: string } | undefined)?.ts;
      expect(threadTs).toBeTruthy();
      for (const p of rest) expect(p.call.body.thread_ts).toBe(threadTs);
      // Each from one process: one request, carrying one bot's token.
      for (const p of posts) expect(String(p.call.headers.authorization)).toMatch(/^Bearer xoxb-p[1-4]$/);
    },
    budgetMs(16_000) + 4 * START_MS + 180_000,
  );
});
