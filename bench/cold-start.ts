/**
 * Cold start of the built CLI: process start to exit of `node bin/redis-medic.js --help` and of
 * `status --json` against a private redis-server, median of repeated runs, beside the targets
 * (≤ 200 ms and ≤ 400 ms). The peer is `node -e 0` in the same run: the floor no command can beat.
 * Builds dist/ first, so the figures are the current sources'.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalRedis } from '../src/demo/local-redis.js';
import { percentile, printTable } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HELP_TARGET_MS = 200;
const STATUS_TARGET_MS = 400;

/** Wall time of one `node …args` run, start to exit; throws unless it exits 0. */
function timedRun(args: string[]): number {
  const started = performance.now();
  const out = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', REDIS_MEDIC_CONFIG: '' },
  });
  const elapsed = performance.now() - started;
  if (out.status !== 0) throw new Error(`node ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return elapsed;
}

/** Median wall time of `runs` runs after one unmeasured run (file cache warm, as a second call is). */
function median(args: string[], runs: number): number {
  timedRun(args);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(timedRun(args));
  return percentile(samples, 50);
}

export async function benchColdStart(opts: { runs: number }): Promise<void> {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);
  const redis = await startLocalRedis();
  let help: number;
  let status: number;
  let floor: number;
  try {
    const cli = 'bin/redis-medic.js';
    help = median([cli, '--help'], opts.runs);
    status = median([cli, 'status', '--json', '--redis', redis.url], opts.runs);
    floor = median(['-e', '0'], opts.runs);
  } finally {
    await redis.stop();
  }
  const verdict = (ms: number, target: number) =>
    `${ms.toFixed(0)} ms   (target ≤ ${target} ms: ${ms <= target ? 'met' : 'MISSED'})`;
  printTable(`cold start: built CLI, process start to exit, median of ${opts.runs} runs`, [
    ['--help', verdict(help, HELP_TARGET_MS)],
    ['status --json (private redis-server)', verdict(status, STATUS_TARGET_MS)],
    ['peer: node -e 0', `${floor.toFixed(0)} ms`],
  ]);
}
