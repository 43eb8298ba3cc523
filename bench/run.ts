/**
 * `npm run bench`: every benchmark, each against its real peer on the same data in the same run.
 * Absolute times drift on shared machines; read the ratios. Options: --keys N, --requests N.
 */
import { findRedisServerBinary } from '../src/demo/local-redis.js';
import { benchStatusLatency } from './status-latency.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  if (!findRedisServerBinary()) {
    process.stderr.write('redis-server not found on PATH: apt-get install -y redis-server redis-tools\n');
    process.exit(1);
  }
  await benchStatusLatency({ keys: arg('keys', 66_586), requests: arg('requests', 200) });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
