/**
 * The README's commands, executed: every product line of its fenced ```bash blocks (the rule is in
 * test/support/readme-commands.ts) runs as a child process against a private redis-server loaded
 * with the demo's dataset (as `npm run demo` starts its own), and must exit 0 with output that is
 * not an error. Placeholders become this test's own things; lines that need Slack are skipped, each
 * with the reason.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import { findRedisServerBinary, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { budgetMs } from '../support/budget.js';
import { type ReadmeRun, readmeRuns } from '../support/readme-commands.js';

const ROOT = join(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLUSTER = 'luckyus-isales-market';
const RULE = 'coupon-unread';
/** Keys on the private server: enough for every pattern of the demo dataset, quick to walk. */
const KEYS = 10_000;
/** The README's `npm run demo` loads the demo's default dataset of its own. */
const DEMO_KEYS = 66_000;

/**
 * Lines the test does not run, and why. Matched against the words of a run.
 * Nothing else is skipped: a new README line runs unless it is added here with its reason.
 */
const SKIP: { when: (words: string[]) => boolean; why: string }[] = [
  {
    when: (w) => w.includes('serve'),
    why: 'serve needs a Slack app (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET) and keeps running',
  },
  {
    when: (w) => w.includes('--incident'),
    why: 'an incident id exists once /redis-status has opened an incident thread in Slack',
  },
  {
    when: (w) => w.includes('incident') && w.includes('show'),
    why: 'an incident id exists once Slack opened an incident (test/cli/incident.test.ts runs it on one)',
  },
];

const ERROR_TEXT = /\b(error|unexpected|unhandled|exception|cannot|refused)\b|^\s+at .+:\d+:\d+\)?$/im;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnRun(cmd: string, args: string[], env: Record<string, string>, input?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

function hasJq(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      readFileSync(join(dir, 'jq'));
      return true;
    } catch {
      return false;
    }
  });
}

const runs = readmeRuns(README);
const toRun = runs.filter((r) => !SKIP.some((s) => s.when(r.words)));

describe.skipIf(!findRedisServerBinary())("README's commands", () => {
  let target: LocalRedis;
  let queue: LocalRedis;
  let dir: string;
  let values: Record<string, string>;

  beforeAll(
    async () => {
      [target, queue] = await Promise.all([
        startLocalRedis(),
        startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
      ]);
      const admin = new Redis(target.url);
      try {
        await loadDataset(admin, { keys: KEYS });
        // Well under the run's memory guard (95 %), so `ttl run` never waits on it.
        await setMaxmemoryForTargetPct(admin, 60);
      } finally {
        admin.disconnect();
      }
      dir = mkdtempSync(join(tmpdir(), 'medic-readme-'));
      const config = join(dir, 'cfg.yml');
      writeFileSync(
        config,
        `queue:\n  url: ${queue.url}\nclusters:\n  - name: ${CLUSTER}\n    url: ${target.url}\n`,
      );
      const rules = join(dir, 'rules.yml');
      // The README's own rules example, as a reader would save it.
      writeFileSync(rules, /```yaml\n(rules:\n[\s\S]*?)```/.exec(README)?.[1] ?? '');
      const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      values = {
        NAME: CLUSTER,
        'cfg.yml': config,
        'rules.yml': rules,
        URL: target.url,
        // The README's ad-hoc example names a TLS server with a password: here, the private server.
        'rediss://user:pass@host:6379': target.url,
        TEXT: 'doc-test',
        // Where `monitoring export --out DIR` writes: the test's own directory, not the checkout.
        DIR: join(dir, 'monitoring-export'),
        'YYYY-MM-DD': inAMonth,
      };
      // `keys diff` compares the last two stored censuses: one stored before the README's own.
      const first = await runWords(['npx', 'redis-medic', 'keys', '--cluster', CLUSTER, '--config', config]);
      expect(first.code, first.stderr).toBe(0);
    },
    budgetMs(KEYS * 3),
  );

  afterAll(async () => {
    await Promise.all([target?.stop(), queue?.stop()]);
  });

  /** README words → this test's values; `--rule NAME` names the README's rule, not the cluster. */
  function substitute(words: string[]): string[] {
    return words.map((w, i) => (words[i - 1] === '--rule' && w === 'NAME' ? RULE : (values[w] ?? w)));
  }

  /** `npx redis-medic …` and `redis-medic …` run the CLI from source (as `npm run demo` does); npm runs as npm. */
  function runWords(words: string[]): Promise<Ran> {
    const env = { REDIS_MEDIC_CONFIG: values['cfg.yml'] ?? '', USER: 'readme-test' };
    if (words[0] === 'npm') return spawnRun('npm', words.slice(1), env);
    const args = words[0] === 'npx' ? words.slice(2) : words.slice(1);
    return spawnRun(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], env);
  }

  it('finds the README lines the rule says run the product, and skips only what the skip list names', () => {
    const lines = new Set(runs.map((r) => r.words.slice(0, 4).join(' ')));
    expect(lines.size).toBeGreaterThan(10);
    for (const cmd of ['status', 'keys', 'ttl', 'audit', 'notify', 'check-config']) {
      expect(
        toRun.some((r) => r.words.includes(cmd)),
        cmd,
      ).toBe(true);
    }
    expect(toRun.some((r) => r.words[0] === 'npm')).toBe(true);
  });

  it.each(toRun.map((r): [string, ReadmeRun] => [r.words.join(' '), r]))(
    '%s',
    async (_name, run) => {
      const result = await runWords(substitute(run.words));
      expect(result.code, `${run.line}\n${result.stderr}`).toBe(0);
      expect(result.stdout.trim().length, run.line).toBeGreaterThan(0);
      expect(result.stderr, run.line).not.toMatch(ERROR_TEXT);
      expect(result.stdout, run.line).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      if (run.jq) {
        // The line pipes into jq: stdout must be exactly one JSON document (no banner, no log line).
        expect(() => JSON.parse(result.stdout), run.line).not.toThrow();
        if (hasJq()) {
          const jq = await spawnRun('jq', run.jq, {}, result.stdout);
          expect(jq.code, jq.stderr).toBe(0);
        }
      }
    },
    budgetMs(DEMO_KEYS * 3),
  );
});
