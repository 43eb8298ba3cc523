/**
 * `npm run bench`: every benchmark, each against its real peer on the same data in the same run.
 * Absolute times drift on shared machines; read the ratios. Options: --only census|status|remediation,
 * --keys N (default: 66 586 for status, 1 000 000 for the census and remediation), --requests N.
 */
import { findRedisServerBinary } from '../src/demo/local-redis.js';
import { benchCensus } from './census.js';
import { benchRemediation } from './remediation.js';
import { benchStatusLatency } from './status-latency.js';

const BENCHES = ['status', 'census', 'remediation'] as const;
type Bench = (typeof BENCHES)[number];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (!findRedisServerBinary()) {
    process.stderr.write('redis-server not found on PATH: apt-get install -y redis-server redis-tools\n');
    process.exit(1);
  }
  const only = option('only');
  if (only !== undefined && !BENCHES.includes(only as Bench)) {
    process.stderr.write(`--only takes one of: ${BENCHES.join(', ')}\n`);
    process.exit(2);
  }
  const run = (bench: Bench) => only === undefined || only === bench;
  if (run('status')) await benchStatusLatency({ keys: arg('keys', 66_586), requests: arg('requests', 200) });
  if (run('census')) await benchCensus({ keys: arg('keys', 1_000_000) });
  if (run('remediation')) await benchRemediation({ keys: arg('keys', 1_000_000) });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
