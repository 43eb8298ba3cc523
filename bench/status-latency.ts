/**
 * Status latency: from a signed `/redis-status` HTTP request into the real Bolt app to the report's
 * chat.postMessage arriving at a loopback fake Slack API, with CloudWatch stubbed at the SDK
 * boundary, against the demo dataset (the same harness the end-to-end tests use). The peer is
 * `redis-cli INFO` on the same server in the same run (process start + one round trip): the floor
 * for "a human checks memory by hand".
 */
import { spawnSync } from 'node:child_process';
import { findRedisCliBinary } from '../src/demo/local-redis.js';
import { MARKET_CHANNEL, startMedicHarness } from '../test/support/medic-harness.js';
import { percentile, printTable } from './stats.js';

const WARMUP = 5;

export async function benchStatusLatency(opts: { keys: number; requests: number }): Promise<void> {
  const h = await startMedicHarness({ keys: opts.keys });
  const samples: number[] = [];
  const acks: number[] = [];
  const peer: number[] = [];
  try {
    for (let i = 0; i < opts.requests + WARMUP; i++) {
      const before = h.fake.callsTo('chat.postMessage').length;
      const uploads = h.fake.callsTo('files.completeUploadExternal').length;
      const started = performance.now();
      const { res } = await h.slash('market', { channel: MARKET_CHANNEL });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      await h.fake.waitFor(
        'chat.postMessage',
        () => h.fake.callsTo('chat.postMessage').length > before,
        10_000,
      );
      const elapsed = performance.now() - started;
      // Let this request's chart upload finish so requests don't overlap.
      await h.fake.waitFor(
        'files.completeUploadExternal',
        () => h.fake.callsTo('files.completeUploadExternal').length > uploads,
        10_000,
      );
      if (i >= WARMUP) {
        samples.push(elapsed);
        acks.push(res.elapsedMs);
      }
    }
    const cli = findRedisCliBinary() ?? 'redis-cli';
    for (let i = 0; i < Math.min(50, opts.requests); i++) {
      const started = performance.now();
      const out = spawnSync(cli, ['-p', String(h.target.port), 'INFO'], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`redis-cli failed: ${out.stderr}`);
      peer.push(performance.now() - started);
    }
  } finally {
    await h.stop();
  }
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  printTable(
    `status latency: signed /redis-status → report chat.postMessage (${opts.keys} keys, CloudWatch stubbed)`,
    [
      ['requests', String(samples.length)],
      ['ack p50 / p99', `${percentile(acks, 50).toFixed(1)} / ${percentile(acks, 99).toFixed(1)} ms`],
      [
        'report p50 / p99',
        `${p50.toFixed(1)} / ${p99.toFixed(1)} ms   (target p99 < 250 ms: ${p99 < 250 ? 'met' : 'MISSED'})`,
      ],
      [
        'peer: redis-cli INFO p50 / p99',
        `${percentile(peer, 50).toFixed(1)} / ${percentile(peer, 99).toFixed(1)} ms`,
      ],
      ['ratio report p50 / redis-cli INFO p50', `${(p50 / percentile(peer, 50)).toFixed(2)}×`],
    ],
  );
}
