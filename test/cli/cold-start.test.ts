/**
 * A command loads what it needs when it runs: `--help` only the parser and the locale files, `status`
 * against a plain Redis no Slack, queue, AWS or chart code. Checked on the modules the real CLI process
 * loads (a loader hook records them), not on our import statements.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Packages (node_modules names) the CLI process loaded while running `args`, and its exit code. */
async function loadedPackages(args: string[]): Promise<{ code: number | null; packages: Set<string> }> {
  const record = join(mkdtempSync(join(tmpdir(), 'medic-modules-')), 'loaded.txt');
  const recorder = new URL('../support/module-recorder.ts', import.meta.url).href;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', recorder, 'src/cli/main.ts', ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LANG: 'C.UTF-8',
          LC_ALL: '',
          REDIS_MEDIC_CONFIG: '',
          MODULE_RECORD_FILE: record,
        },
        stdio: 'ignore',
      },
    );
    child.on('error', reject);
    child.on('close', resolve);
  });
  const packages = new Set<string>();
  for (const url of readFileSync(record, 'utf8').split('\n')) {
    const name = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (name) packages.add(name);
  }
  return { code, packages };
}

/** Never needed to read one Redis or print help: the bot, the job queue, AWS, the chart engine. */
const HEAVY = ['@slack/bolt', '@slack/web-api', 'bullmq', '@napi-rs/canvas', 'chart.js', 'undici'];
const isHeavy = (name: string) =>
  HEAVY.includes(name) || name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');

describe('cold start: what each command loads', () => {
  // Two child processes through the TypeScript loader on a busy 2-core box.
  test('--help loads the parser and the locale files, nothing else', { timeout: 60_000 }, async () => {
    const { code, packages } = await loadedPackages(['--help']);
    expect(code).toBe(0);
    expect(packages.has('commander')).toBe(true); // the recorder works: the parser is seen
    // A help screen needs no Redis client, config parser or logger either.
    const extra = ['ioredis', 'zod', 'yaml', 'pino'];
    expect([...packages].filter((p) => isHeavy(p) || extra.includes(p)).sort()).toEqual([]);
  });

  test('status against a plain Redis loads no Slack, queue, AWS or chart code', { timeout: 60_000 }, async ({
    localRedis,
  }) => {
    const { code, packages } = await loadedPackages(['status', '--json', '--redis', localRedis.url]);
    expect(code).toBe(0);
    expect(packages.has('ioredis')).toBe(true);
    expect([...packages].filter(isHeavy).sort()).toEqual([]);
  });
});
