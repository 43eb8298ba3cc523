/**
 * The real redis-medic bot, end to end on loopback: a target redis-server holding the runbook-shaped
 * dataset at ≈ 84.6 % of maxmemory, a separate queue redis-server, the fake Slack Web API, AWS
 * stubbed at the SDK boundary, and `startServer()` from src/server.ts with a config parsed from YAML.
 * Tests drive it with signed HTTP requests exactly as Slack would.
 */
import {
  CloudWatchClient,
  type CloudWatchClientResolvedConfig,
  type ServiceInputTypes as CloudWatchInput,
  type ServiceOutputTypes as CloudWatchOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  type ElastiCacheClientResolvedConfig,
  type ServiceInputTypes as ElastiCacheInput,
  type ServiceOutputTypes as ElastiCacheOutput,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { findCluster, parseConfig } from '../../src/config/load.js';
import type { MedicConfig } from '../../src/config/types.js';
import { type DatasetGroundTruth, loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import { findFreePort, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { silentLogger } from '../../src/observability/logger.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.js';
import { checkStatus } from '../../src/status/check-status.js';
import { constantPoints, describeOutput, metricDataOutput, metricResult } from '../aws/responses.js';
import { runbookTrendEndingAt } from '../fixtures/runbook-trend.js';
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from './slack/fake-slack-api.js';
import {
  postBlockAction,
  postSlashCommand,
  type SignedPostOptions,
  type SignedPostResult,
} from './slack/signed-request.js';

export const MARKET_CHANNEL = 'C0MARKET';
export const REPLICATION_GROUP = 'market';
/** After a failover the primary is `-002`: the trend must be read from it, not from `-001`. */
export const PRIMARY_CACHE_CLUSTER = 'market-002';
export const LOCKED_PASSWORD = 'the-right-password';
export const WRONG_PASSWORD = 'a-wrong-password';
export const WATCH_TARGET_PCT = 75;
/** ≈ 0.3 s between watch readings. */
export const WATCH_INTERVAL_MINUTES = 0.005;
export const WATCH_INTERVAL_MS = Math.round(WATCH_INTERVAL_MINUTES * 60_000);

export interface MedicHarnessOptions {
  /** Keys loaded into the target. @defaultValue 5000 */
  keys?: number;
  /** used_memory / maxmemory after loading. @defaultValue 84.6 (the runbook's reading) */
  memoryPct?: number;
  /** Approvers of the `market` cluster (`clusters[].approvers`). @defaultValue none */
  approvers?: { users?: string[]; groups?: string[] };
  /** The config's `rules:` section, as objects written the way a config file writes them. */
  rules?: Record<string, string | number | boolean>[];
  /** The config's `approvals:` section. @defaultValue the schema's defaults */
  approvals?: {
    expiresMinutes?: number;
    dryRunMaxAgeMinutes?: number;
    recountTolerancePct?: number;
    allowSelfApproval?: boolean;
  };
  /** startServer's remediation seams: clock, run queue stand-in, pacing. */
  remediation?: ServerOptions['remediation'];
  /** startServer's change seams: how often a running scale is polled, its timeout, the node catalog. */
  changes?: ServerOptions['changes'];
  /** The `market` cluster's `offPeak:` window (config/off-peak.ts). @defaultValue none */
  offPeak?: Record<string, string | string[]>;
  /** `slack.channelLocales`: channel id → `{ lang, timeZone }`. */
  channelLocales?: Record<string, { lang?: string; timeZone?: string }>;
  /** `i18n.overridesDir` (absolute, or relative to the working directory). */
  overridesDir?: string;
  /** `slack.devTeamChannel`: where the incident message goes by default. */
  devTeamChannel?: string;
  /** The Web API client's retries (rate-limited calls are retried too). @defaultValue 0 */
  slackRetries?: number;
  /** `watch.maxHours`: a watch's time limit. @defaultValue 1 */
  watchMaxHours?: number;
  /** `incidents.idleHours`: no activity this long closes an incident. @defaultValue the schema's */
  incidentIdleHours?: number;
  /** The config's `monitoring:` section. @defaultValue `{ enabled: false }`: no sampling in tests */
  monitoring?: Record<string, unknown>;
  /** The `market` cluster without `aws:` (a self-hosted Redis). @defaultValue false */
  noAws?: boolean;
  /** The `market` cluster's `burst:` sources (log groups, rule filters, ECS services). */
  burst?: Record<string, unknown>;
}

export interface AwsStubs {
  cloudwatch: AwsStub<CloudWatchInput, CloudWatchOutput, CloudWatchClientResolvedConfig>;
  elasticache: AwsStub<ElastiCacheInput, ElastiCacheOutput, ElastiCacheClientResolvedConfig>;
  /** The next GetMetricData call rejects with this error (as the SDK does for a service error). */
  failNextGetMetricData(error: Error): void;
  /** Every GetMetricData input the bot sent, oldest first. */
  metricDataInputs(): GetMetricDataCommandInput[];
}

export interface ActionMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
}

export interface Button {
  action_id: string;
  value: string;
  text: string;
  block_id?: string;
}

export interface MedicHarness {
  server: RunningServer;
  config: MedicConfig;
  /** `http://127.0.0.1:PORT` of the bot's HTTP receiver. */
  baseUrl: string;
  signingSecret: string;
  fake: FakeSlackApi;
  aws: AwsStubs;
  /** The `market` target, its dataset's ground truth and the maxmemory that put it at `memoryPct`. */
  target: LocalRedis;
  targetClient: Redis;
  truth: DatasetGroundTruth;
  maxmemoryBytes: number;
  queue: LocalRedis;
  locked: LocalRedis;
  downPort: number;
  /** `/redis-status <text>`, signed; `responseId` names the response_url it carries. */
  slash(
    text: string,
    opts?: { channel?: string; user?: string; signed?: SignedPostOptions; command?: string },
  ): Promise<{ res: SignedPostResult; responseId: string; mark: number }>;
  /** Clicks a button on a message, signed like Slack interactivity. */
  click(
    button: Button,
    message: ActionMessage,
    opts: { channel: string; user?: string },
  ): Promise<{ res: SignedPostResult; responseId: string; mark: number }>;
  /** Who conversations.members lists for `channel` on the fake Slack (nobody, until set). */
  setChannelMembers(channel: string, users: string[]): void;
  /** The index the next recorded call will get: pass to {@link since} to ignore earlier calls. */
  mark(): number;
  /** True when `call` arrived at or after `mark`. */
  since(mark: number, call: RecordedCall): boolean;
  /**
   * Another bot process on the same config and queue Redis (a restart once `server` is stopped):
   * its workers pick up the queued jobs. Stopped with the harness.
   */
  startAnotherBot(): Promise<RunningServer>;
  stop(): Promise<void>;
}

let responseIds = 0;

export async function startMedicHarness(opts: MedicHarnessOptions = {}): Promise<MedicHarness> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    // Reverse order: the bot stops before the servers it talks to.
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
  };
  try {
    return await start(opts, cleanups, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function start(
  opts: MedicHarnessOptions,
  cleanups: (() => Promise<unknown>)[],
  cleanup: () => Promise<void>,
): Promise<MedicHarness> {
  const [target, queue, locked, downPort] = await Promise.all([
    startLocalRedis(),
    startLocalRedis({ maxmemoryPolicy: 'noeviction' }),
    startLocalRedis({ password: LOCKED_PASSWORD }),
    findFreePort(),
  ]);
  cleanups.push(
    () => target.stop(),
    () => queue.stop(),
    () => locked.stop(),
  );

  const targetClient = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  cleanups.push(() => targetClient.quit().catch(() => targetClient.disconnect()));
  const memoryPct = opts.memoryPct ?? 84.6;
  const truth = await loadDataset(targetClient, { keys: opts.keys ?? 5_000 });
  let maxmemoryBytes = await setMaxmemoryForTargetPct(targetClient, memoryPct);

  const fake = await startFakeSlackApi();
  cleanups.push(() => fake.close());

  const aws = stubAws();
  cleanups.push(async () => {
    aws.cloudwatch.restore();
    aws.elasticache.restore();
  });

  const yaml = `
queue:
  url: ${queue.url}
slack:
  channels:
    ${MARKET_CHANNEL}: market
${opts.devTeamChannel ? `  devTeamChannel: ${opts.devTeamChannel}\n` : ''}${opts.channelLocales ? indent(stringify({ channelLocales: opts.channelLocales }), 2) : ''}watch:
  targetPct: ${WATCH_TARGET_PCT}
  intervalMinutes: 1
  maxHours: ${opts.watchMaxHours ?? 1}
clusters:
  - name: market
    url: ${target.url}
${opts.noAws ? '' : `    aws:\n      region: us-east-1\n      replicationGroupId: ${REPLICATION_GROUP}\n`}${opts.burst ? indent(stringify({ burst: opts.burst }), 4) : ''}${opts.approvers ? indent(stringify({ approvers: { users: [], groups: [], ...opts.approvers } }), 4) : ''}${opts.offPeak ? indent(stringify({ offPeak: opts.offPeak }), 4) : ''}  - name: down
    url: redis://127.0.0.1:${downPort}
  - name: locked
    url: redis://127.0.0.1:${locked.port}
    password: ${WRONG_PASSWORD}
  - name: tlsplain
    url: rediss://127.0.0.1:${target.port}
`;
  const sections = {
    ...(opts.rules ? { rules: opts.rules } : {}),
    ...(opts.overridesDir ? { i18n: { overridesDir: opts.overridesDir } } : {}),
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    ...(opts.incidentIdleHours ? { incidents: { idleHours: opts.incidentIdleHours } } : {}),
    monitoring: opts.monitoring ?? { enabled: false },
  };
  const parsed = parseConfig(Object.keys(sections).length > 0 ? `${yaml}\n${stringify(sections)}` : yaml, {});
  if (!parsed.ok) throw new Error(`harness config is invalid: ${JSON.stringify(parsed.problems)}`);
  // Watch ticks a fraction of a second apart: shorter than a config file may ask for (≥ 1 min),
  // so set on the parsed config.
  const config = {
    ...parsed.config,
    watch: { ...parsed.config.watch, intervalMinutes: WATCH_INTERVAL_MINUTES },
  };
  maxmemoryBytes = await calibrateMaxmemory(config, targetClient, maxmemoryBytes, memoryPct);

  const signingSecret = `secret-${Math.random().toString(36).slice(2)}`;
  const serverOptions: ServerOptions = {
    config,
    logger: silentLogger(),
    // Strict: a missing translation throws instead of showing its key (config overrides still apply).
    strictI18n: true,
    connectTimeoutMs: 1_000,
    ...(opts.remediation ? { remediation: opts.remediation } : {}),
    ...(opts.changes ? { changes: opts.changes } : {}),
    slack: {
      botToken: 'xoxb-test',
      signingSecret,
      slackApiUrl: fake.url,
      botId: 'B1',
      botUserId: 'UBOT',
      port: 0,
      host: '127.0.0.1',
      retries: opts.slackRetries ?? 0,
    },
  };
  const server = await startServer(serverOptions);
  cleanups.push(() => server.stop());
  const baseUrl = `http://127.0.0.1:${server.port}`;

  const channelMembers = new Map<string, string[]>();
  const mark = () => fake.calls.length;
  const since = (m: number, call: RecordedCall) => fake.calls.indexOf(call) >= m;

  return {
    server,
    config,
    baseUrl,
    signingSecret,
    fake,
    aws,
    target,
    targetClient,
    truth,
    maxmemoryBytes,
    queue,
    locked,
    downPort,
    mark,
    since,
    setChannelMembers(channel, users) {
      channelMembers.set(channel, users);
      fake.setHandler('conversations.members', (call) => ({
        members: channelMembers.get(String(call.body.channel)) ?? [],
        response_metadata: { next_cursor: '' },
      }));
    },
    async slash(text, o = {}) {
      responseIds += 1;
      const responseId = `cmd-${responseIds}`;
      const m = mark();
      const res = await postSlashCommand(
        baseUrl,
        signingSecret,
        {
          command: o.command ?? '/redis-status',
          text,
          user_id: o.user ?? 'UONCALL',
          channel_id: o.channel ?? MARKET_CHANNEL,
          response_url: fake.responseUrl(responseId),
        },
        o.signed,
      );
      return { res, responseId, mark: m };
    },
    async click(button, message, o) {
      responseIds += 1;
      const responseId = `act-${responseIds}`;
      const m = mark();
      const res = await postBlockAction(baseUrl, signingSecret, {
        user: { id: o.user ?? 'UONCALL' },
        channel: { id: o.channel },
        message: {
          ts: message.ts,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          text: message.text ?? '',
          blocks: message.blocks ?? [],
        },
        actions: [
          {
            type: 'button',
            action_id: button.action_id,
            value: button.value,
            ...(button.block_id ? { block_id: button.block_id } : {}),
            text: { type: 'plain_text', text: button.text },
          },
        ],
        response_url: fake.responseUrl(responseId),
      });
      return { res, responseId, mark: m };
    },
    async startAnotherBot() {
      const another = await startServer(serverOptions);
      cleanups.push(() => another.stop());
      return another;
    },
    stop: cleanup,
  };
}

/**
 * With a few thousand keys, the bot's own connection (client buffers, INFO replies) is worth about
 * a percent of maxmemory: read memory the way the bot does and scale maxmemory so that the bot's
 * reading, not the loader's, lands on `pct`.
 */
async function calibrateMaxmemory(
  config: MedicConfig,
  client: Redis,
  maxmemoryBytes: number,
  pct: number,
): Promise<number> {
  const market = findCluster(config, 'market');
  if (!market) throw new Error('harness config has no market cluster');
  let calibrated = maxmemoryBytes;
  // The first INFO calls on a fresh server allocate a little too: a few rounds settle it.
  for (let round = 0; round < 4; round++) {
    const seen = (await checkStatus(market, { connect: { connectTimeoutMs: 1_000 } })).redis.memoryPct;
    if (seen === null) throw new Error('target has no maxmemory after setMaxmemoryForTargetPct');
    if (Math.abs(seen - pct) < 0.1) break;
    calibrated = Math.round((calibrated * seen) / pct);
    await client.config('SET', 'maxmemory', String(calibrated));
  }
  return calibrated;
}

/** A cluster-mode-disabled group after a failover (shape from the ElastiCache API reference). */
function marketGroup(): ReplicationGroup {
  const member = (n: string, role: 'primary' | 'replica', az: string) => ({
    CacheClusterId: `${REPLICATION_GROUP}-${n}`,
    CacheNodeId: '0001',
    ReadEndpoint: { Address: `${REPLICATION_GROUP}-${n}.abc123.0001.use1.cache.amazonaws.com`, Port: 6379 },
    PreferredAvailabilityZone: az,
    CurrentRole: role,
  });
  return {
    ReplicationGroupId: REPLICATION_GROUP,
    Description: 'market',
    Status: 'available',
    MemberClusters: [`${REPLICATION_GROUP}-001`, PRIMARY_CACHE_CLUSTER],
    NodeGroups: [
      {
        NodeGroupId: '0001',
        Status: 'available',
        PrimaryEndpoint: {
          Address: `master.${REPLICATION_GROUP}.abc123.use1.cache.amazonaws.com`,
          Port: 6379,
        },
        ReaderEndpoint: {
          Address: `replica.${REPLICATION_GROUP}.abc123.use1.cache.amazonaws.com`,
          Port: 6379,
        },
        NodeGroupMembers: [member('001', 'replica', 'us-east-1a'), member('002', 'primary', 'us-east-1b')],
      },
    ],
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    ClusterEnabled: false,
    CacheNodeType: 'cache.r7g.large',
    Engine: 'redis',
  };
}

/**
 * Every CloudWatchClient / ElastiCacheClient instance is stubbed (the bot makes its own). The memory
 * series is the runbook's curve shifted to end at the request's EndTime; the other metrics are flat.
 */
function stubAws(): AwsStubs {
  const cloudwatch = mockClient(CloudWatchClient);
  const elasticache = mockClient(ElastiCacheClient);
  const failures: Error[] = [];
  elasticache.on(DescribeReplicationGroupsCommand).resolves(describeOutput([marketGroup()]));
  cloudwatch
    .on(GetMetricDataCommand)
    .callsFake(async (input: GetMetricDataCommandInput): Promise<GetMetricDataCommandOutput> => {
      const failure = failures.shift();
      if (failure) throw failure;
      const end = input.EndTime ? new Date(input.EndTime) : new Date();
      const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
        const id = q.Id ?? '';
        const label = q.Label ?? q.MetricStat?.Metric?.MetricName ?? id;
        if (id === 'mem') return metricResult(id, label, runbookTrendEndingAt(end, { stepMinutes: 1 }));
        if (id === 'evictions') return metricResult(id, label, constantPoints(end, 88, 0));
        if (id === 'items') return metricResult(id, label, constantPoints(end, 88, 5_000));
        return metricResult(id, label, constantPoints(end, 88, 4.2));
      });
      return metricDataOutput(results);
    });
  return {
    cloudwatch,
    elasticache,
    failNextGetMetricData(error) {
      failures.push(error);
    },
    metricDataInputs() {
      return cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    },
  };
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reading what the bot posted

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The blocks of a recorded chat.postMessage / chat.update / response_url call. */
export function blocksOf(call: RecordedCall): Json[] {
  const blocks = call.body.blocks;
  return Array.isArray(blocks) ? blocks.filter(isRecord) : [];
}

/** Every button in the blocks' actions blocks. */
export function buttonsOf(blocks: readonly unknown[]): Button[] {
  const out: Button[] = [];
  for (const block of blocks) {
    if (!isRecord(block) || block.type !== 'actions' || !Array.isArray(block.elements)) continue;
    for (const el of block.elements) {
      if (!isRecord(el) || el.type !== 'button') continue;
      out.push({
        action_id: str(el.action_id),
        value: str(el.value),
        text: isRecord(el.text) ? str(el.text.text) : '',
        ...(typeof block.block_id === 'string' ? { block_id: block.block_id } : {}),
      });
    }
  }
  return out;
}

export function buttonOf(blocks: readonly unknown[], actionId: string): Button {
  const found = buttonsOf(blocks).find((b) => b.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return found;
}

/** The section fields, as `*Label*\nvalue` strings. */
export function fieldsOf(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    if (!isRecord(block) || !Array.isArray(block.fields)) continue;
    for (const f of block.fields) if (isRecord(f)) out.push(str(f.text));
  }
  return out;
}

/** Every text in the blocks (headers, sections, fields, context, button labels), one per line. */
export function textOf(blocks: readonly unknown[]): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      if (typeof v.text === 'string') out.push(v.text);
      for (const [k, child] of Object.entries(v)) if (k !== 'value' && typeof child === 'object') walk(child);
    }
  };
  walk(blocks);
  return out.join('\n');
}

/** The `ts` the fake answered a chat.postMessage with. */
export function tsOf(call: RecordedCall): string {
  const ts = isRecord(call.response) ? call.response.ts : undefined;
  if (typeof ts !== 'string') throw new Error(`${call.method} was answered without a ts`);
  return ts;
}

export function hasButton(call: RecordedCall, actionId: string): boolean {
  return buttonsOf(blocksOf(call)).some((b) => b.action_id === actionId);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `1,950` — how the report writes a count for an English reader. */
export function en(n: number): string {
  return n.toLocaleString('en-US');
}
