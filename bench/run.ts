/**
 * `npm run bench`: every benchmark, each against its real peer on the same data in the same run.
 * Absolute times drift on shared machines; read the ratios. Options: --only census|status|remediation|plan|cold-start|monitoring,
 * --keys N (default: 66 586 for status, 1 000 000 for the census and remediation; 285 000 for the
 * census with --shape mixed), --shape runbook|mixed (the census's keyspace), --cluster-keys N (the
 * census's cluster-vs-one-server section, default 1 000 000; 0 skips it; needs `npm run build`),
 * --cluster-link-ms N (that section's second measurement: one-way delay of the modelled link in front
 * of every server, default 0.5; 0 skips it), --requests N,
 * --link-rtt-ms N (remediation: the round trip the modelled network link adds, default 0.2; 0 skips
 * the link section), --runs N (cold-start: runs per command, default 10).
 */
import { findRedisServerBinary } from '../src/demo/local-redis.js';
import { benchCensus } from './census.js';
import { benchCensusCluster, DEFAULT_CLUSTER_LINK_ONE_WAY_MS } from './census-cluster.js';
import { benchColdStart } from './cold-start.js';
import { DEFAULT_LINK_RTT_MS } from './latency-link.js';
import { benchMonitoring } from './monitoring.js';
import { benchPlan } from './plan.js';
import { benchRemediation } from './remediation.js';
import { benchStatusLatency } from './status-latency.js';

const BENCHES = ['status', 'census', 'remediation', 'plan', 'cold-start', 'monitoring'] as const;
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

/** A number ≥ 0 (0 allowed, unlike `arg`); anything else exits with usage. */
function nonNegative(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} takes a number ≥ 0, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
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
  const linkRttMs = nonNegative('link-rtt-ms', DEFAULT_LINK_RTT_MS);
  const run = (bench: Bench) => only === undefined || only === bench;
  if (run('status')) await benchStatusLatency({ keys: arg('keys', 66_586), requests: arg('requests', 200) });
  const shape = option('shape') ?? 'runbook';
  if (shape !== 'runbook' && shape !== 'mixed') {
    process.stderr.write('--shape takes runbook or mixed\n');
    process.exit(2);
  }
  if (run('census')) {
    await benchCensus({ keys: arg('keys', shape === 'mixed' ? 285_000 : 1_000_000), shape });
    const clusterKeys = nonNegative('cluster-keys', 1_000_000);
    const linkOneWayMs = nonNegative('cluster-link-ms', DEFAULT_CLUSTER_LINK_ONE_WAY_MS);
    if (clusterKeys > 0) await benchCensusCluster({ keys: clusterKeys, shape, linkOneWayMs });
  }
  if (run('remediation')) await benchRemediation({ keys: arg('keys', 1_000_000), linkRttMs });
  if (run('plan')) await benchPlan({ keys: arg('keys', 1_000_000) });
  if (run('cold-start')) await benchColdStart({ runs: arg('runs', 10) });
  if (run('monitoring')) await benchMonitoring();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
