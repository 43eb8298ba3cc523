/**
 * Status latency: from a signed `/redis-status` HTTP request into the real Bolt app to the report's
 * chat.postMessage arriving at a loopback fake Slack API, with CloudWatch stubbed at the SDK
 * boundary, against the demo dataset. The peer is `redis-cli INFO` on the same server in the same
 * run (process start + one round trip): the floor for "a human checks memory by hand".
 */
import { spawnSync } from 'node:child_process';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { runbookMemoryTrend } from '../src/analysis/runbook-trend.js';
import { parseConfig } from '../src/config/load.js';
import { loadDataset, setMaxmemoryForTargetPct } from '../src/demo/dataset.js';
import { findRedisCliBinary, startLocalRedis } from '../src/demo/local-redis.js';
import { createLogger, silentLogger } from '../src/observability/logger.js';
import { startServer } from '../src/server.js';
import { startFakeSlackApi } from '../test/support/slack/fake-slack-api.js';
import { postSlashCommand } from '../test/support/slack/signed-request.js';
import { percentile, printTable } from './stats.js';

export async function benchStatusLatency(opts: { keys: number; requests: number }): Promise<void> {
  const target = await startLocalRedis();
  const queue = await startLocalRedis();
  const fake = await startFakeSlackApi();
  const cw = mockClient(CloudWatchClient);
  const ec = mockClient(ElastiCacheClient);
  const signingSecret = 'bench-signing-secret';
  try {
    const redis = new Redis(target.url);
    await loadDataset(redis, { keys: opts.keys });
    await setMaxmemoryForTargetPct(redis, 84.6);
    await redis.quit();

    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        {
          ReplicationGroupId: 'market',
          CacheNodeType: 'cache.t4g.medium',
          NodeGroups: [
            {
              NodeGroupId: '0001',
              NodeGroupMembers: [
                { CacheClusterId: 'market-001', CacheNodeId: '0001', CurrentRole: 'primary' },
                { CacheClusterId: 'market-002', CacheNodeId: '0001', CurrentRole: 'replica' },
              ],
            },
          ],
        },
      ],
    });
    cw.on(GetMetricDataCommand).callsFake(() => {
      const points = runbookMemoryTrend(new Date());
      return {
        MetricDataResults: [
          {
            Id: 'mem',
            Label: 'DatabaseMemoryUsagePercentage',
            StatusCode: 'Complete',
            Timestamps: points.map((p) => p.at),
            Values: points.map((p) => p.value),
          },
        ],
        Messages: [],
      };
    });

    const parsed = parseConfig(
      `queue: { url: "${queue.url}" }
slack: { channels: { C0BENCH: market } }
clusters:
  - name: market
    url: "${target.url}"
    aws: { region: us-east-1, replicationGroupId: market }
`,
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const server = await startServer({
      config: parsed.config,
      logger: process.env.BENCH_LOG ? createLogger({ level: 'warn' }) : silentLogger(),
      slack: {
        botToken: 'xoxb-bench',
        signingSecret,
        slackApiUrl: fake.url,
        botId: 'B1',
        botUserId: 'UBOT',
        port: 0,
        host: '127.0.0.1',
        retries: 0,
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    const samples: number[] = [];
    const acks: number[] = [];
    try {
      for (let i = 0; i < opts.requests + 5; i++) {
        const before = fake.callsTo('chat.postMessage').length;
        const started = performance.now();
        const res = await postSlashCommand(base, signingSecret, {
          command: '/redis-status',
          text: 'market',
          user_id: 'UBENCH',
          channel_id: 'C0BENCH',
          response_url: fake.responseUrl(),
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        await fake.waitFor(
          'chat.postMessage',
          () => fake.callsTo('chat.postMessage').length > before,
          10_000,
        );
        const elapsed = performance.now() - started;
        // Let the chart upload of this request finish so requests don't overlap.
        await fake.waitFor(
          'files.completeUploadExternal',
          () => fake.callsTo('files.completeUploadExternal').length > i,
          10_000,
        );
        if (i >= 5) {
          samples.push(elapsed);
          acks.push(res.elapsedMs);
        }
      }
    } finally {
      await server.stop();
    }

    const cli = findRedisCliBinary() ?? 'redis-cli';
    const peer: number[] = [];
    for (let i = 0; i < Math.min(50, opts.requests); i++) {
      const started = performance.now();
      const out = spawnSync(cli, ['-p', String(target.port), 'INFO'], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`redis-cli failed: ${out.stderr}`);
      peer.push(performance.now() - started);
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
  } finally {
    cw.restore();
    ec.restore();
    await fake.close();
    await queue.stop();
    await target.stop();
  }
}
