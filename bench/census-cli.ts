/**
 * The census as a user runs it: the BUILT CLI (`node bin/redis-medic.js keys --json --unthrottled`,
 * compiled dist/, no tsx loader) in its own process under `/usr/bin/time -v`, so its peak RSS and
 * CPU are the kernel's figures for exactly that process. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const BIN = resolve(ROOT, 'bin/redis-medic.js');
const DIST_MAIN = resolve(ROOT, 'dist/cli/main.js');
const TIME = '/usr/bin/time';

export interface CliCensus {
  totalKeys: number;
  scannedKeys: number;
  patterns: number;
  durationMs: number;
  keysPerSec: number;
  /** Wall time of the whole process (start, connect, walk, JSON, exit), ms. */
  wallMs: number;
  /** Peak RSS of the process, as `time -v` reports it (KB). */
  maxRssKb: number;
  /** User + system CPU of the process (s). */
  cpuSec: number;
}

/** Why the built-CLI figures cannot be taken, or undefined when they can. */
export function builtCliMissing(): string | undefined {
  if (!existsSync(DIST_MAIN)) return `no ${DIST_MAIN}: run \`npm run build\` first`;
  if (!existsSync(TIME)) return `no ${TIME}: apt-get install -y time`;
  return undefined;
}

/** One unthrottled census by the built CLI against `url` (a cluster when `clusterMode`). */
export function runBuiltCliCensus(url: string, opts: { clusterMode?: boolean } = {}): Promise<CliCensus> {
  const args = ['-v', process.execPath, BIN, 'keys', '--redis', url, '--json', '--unthrottled', '--no-save'];
  if (opts.clusterMode) args.push('--cluster-mode');
  const started = performance.now();
  return new Promise<CliCensus>((resolvePromise, reject) => {
    const child = spawn(TIME, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-64 * 1024);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`built CLI census exited ${code}:\n${err.slice(-4000)}`));
        return;
      }
      try {
        resolvePromise(parse(Buffer.concat(out).toString('utf8'), err, wallMs));
      } catch (e) {
        reject(e);
      }
    });
  });
}

function parse(stdout: string, timeReport: string, wallMs: number): CliCensus {
  const json = JSON.parse(stdout) as {
    total_keys: number;
    scanned_keys: number;
    duration_ms: number;
    keys_per_sec: number;
    patterns: unknown[];
  };
  const field = (label: string): number => {
    const m = new RegExp(`${label}:\\s*([\\d.]+)`).exec(timeReport);
    if (!m) throw new Error(`time -v: no "${label}" in:\n${timeReport.slice(-2000)}`);
    return Number(m[1]);
  };
  return {
    totalKeys: json.total_keys,
    scannedKeys: json.scanned_keys,
    patterns: json.patterns.length,
    durationMs: json.duration_ms,
    keysPerSec: json.keys_per_sec,
    wallMs,
    maxRssKb: field('Maximum resident set size \\(kbytes\\)'),
    cpuSec: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
  };
}
