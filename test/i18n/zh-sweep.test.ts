/**
 * Issue 5, acceptance 4: every string a person reads in Slack or the terminal comes from the locale
 * files. Renders, in Chinese, the status, census, remediation and error surfaces with realistic
 * fixtures (the runbook's incident, the demo dataset's key patterns, the runbook's TTL rules), collects
 * every visible string (Block Kit text, fields, context, headers, buttons, top-level `text`, alt_text,
 * file titles; CLI output), strips what legitimately stays Latin, and fails on any run of two or
 * more English words, naming the surface and the string.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RespondFn, webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_TREND_END } from '../../src/analysis/runbook-trend.js';
import { analyzeTrend } from '../../src/analysis/trend.js';
import type { MetricSeries, Note, Thresholds, TrendPoint } from '../../src/analysis/types.js';
import { decideVerdict, VERDICT_REASON_KEYS, type VerdictInput } from '../../src/analysis/verdict.js';
import { AWS_NOTE_KEYS, awsErrorNote } from '../../src/aws/errors.js';
import { diffCensus } from '../../src/census/diff.js';
import { PatternTable } from '../../src/census/pattern-table.js';
import type { CensusResult, ScannedKey } from '../../src/census/types.js';
import { renderAuditTable } from '../../src/cli/commands/audit.js';
import { keysDiffCommand, showProgress } from '../../src/cli/commands/keys.js';
import {
  renderDryRun,
  renderPlan,
  renderRunResult,
  showDryRunProgress,
  showRunProgress,
} from '../../src/cli/commands/ttl.js';
import type { CliContext } from '../../src/cli/context.js';
import { describeCliError, UsageError } from '../../src/cli/errors.js';
import { renderCensusDiffTable } from '../../src/cli/render/census-diff-table.js';
import { renderCensusTable } from '../../src/cli/render/census-table.js';
import { renderStatusTable } from '../../src/cli/render/status-table.js';
import {
  ConfigInvalidError,
  type ConfigProblem,
  loadConfigFile,
  parseConfig,
} from '../../src/config/load.js';
import type { ClusterConfig, MedicConfig } from '../../src/config/types.js';
import { generateDataset } from '../../src/demo/dataset.js';
import { asMedicError, ErrorCode, fileReadReason, MedicError } from '../../src/errors.js';
import { formatDateTime, formatDuration, formatEta, formatInt, formatPct } from '../../src/i18n/format.js';
import { createI18n, LOCALES_DIR } from '../../src/i18n/index.js';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import type { Lang } from '../../src/i18n/types.js';
import type { ApprovalRequest } from '../../src/incidents/approval-store.js';
import { AUDIT_ACTIONS, type AuditEntry } from '../../src/incidents/audit-log.js';
import type { CensusJobData } from '../../src/jobs/census-job.js';
import type { TtlJobData, TtlRunSummary, TtlRunView } from '../../src/jobs/ttl-job.js';
import type { WatchEnd, WatchJobData } from '../../src/jobs/watch.js';
import { buildIncidentFacts } from '../../src/notify/incident-facts.js';
import { silentLogger } from '../../src/observability/logger.js';
import { buildCensusDiffView } from '../../src/presenters/census-diff-view.js';
import { buildCensusView } from '../../src/presenters/census-view.js';
import { errorText } from '../../src/presenters/error-text.js';
import { draftSummaryText, incidentMessage } from '../../src/presenters/incident-message.js';
import { docToMarkdown } from '../../src/presenters/message-doc.js';
import { buildStatusView } from '../../src/presenters/status-view.js';
import { classifyRedisError } from '../../src/redis/errors.js';
import { queueError } from '../../src/redis/queue-connection.js';
import { combineNodes, nodeSnapshotFromInfo, type RedisSnapshot } from '../../src/redis/snapshot.js';
import { RemediationError } from '../../src/remediation/errors.js';
import { parseRules } from '../../src/remediation/rules.js';
import type { ApplyResult, DryRun, EngineProgress, TtlRule } from '../../src/remediation/types.js';
import {
  censusProgressMessage,
  censusResultMessage,
  draftRuleMessage,
} from '../../src/slack/blocks/census.js';
import { clusterHelpMessage } from '../../src/slack/blocks/help.js';
import { docsToMessages } from '../../src/slack/blocks/message-doc-blocks.js';
import { notifyModal } from '../../src/slack/blocks/notify-modal.js';
import {
  approvalRequestMessage,
  auditListMessage,
  dryRunResultMessage,
  ruleListMessage,
  who,
} from '../../src/slack/blocks/remediation.js';
import { textMessage } from '../../src/slack/blocks/simple.js';
import { statusReportMessage } from '../../src/slack/blocks/status-report.js';
import { watchMessage } from '../../src/slack/blocks/watch.js';
import { slackCensusReporter } from '../../src/slack/census-reporter.js';
import type { SlackServices } from '../../src/slack/services.js';
import { postStatus, refreshStatus } from '../../src/slack/status-flow.js';
import { slackTtlRunReporter } from '../../src/slack/ttl-reporter.js';
import { slackWatchReporter } from '../../src/slack/watch-reporter.js';
import { checkStatus, memoryLevel, redisNotes } from '../../src/status/check-status.js';
import type { StatusReport, StatusTrend } from '../../src/status/types.js';
import * as notifyFixture from '../fixtures/incident.js';
import { glossaryProblems, readGlossary, zhStyleProblems } from '../support/zh-style.js';

const GLOSSARY = readGlossary();

// ---------------------------------------------------------------------------------------------
// The sweep

/**
 * What may stay Latin in Chinese text, next to another Latin word, and why. Kept short on purpose:
 * a single Latin word (Redis, TTL, SCAN, maxmemory, Key…) never trips the check, so only names that
 * Chinese sentences really put next to another Latin word are listed. Anything else that reads as two
 * English words is a string that did not come from the locale files (or was not translated).
 */
const LATIN_TERMS = [
  // Product and service names, as people search for them.
  'Redis Cluster',
  'CloudWatch',
  'ElastiCache',
  'AWS',
  // A Redis command spelled with a space.
  'MEMORY USAGE',
];
const LATIN_PATTERNS: readonly RegExp[] = [
  // Redis type names, the census table's "types" column (`hash, string`).
  /\b(?:string|hash|set|zset|list|stream|other)(?:, (?:string|hash|set|zset|list|stream|other))+\b/g,
  // CLI options with their metavariable (`--config FILE`), and subcommands (`ttl dry-run`).
  /--[a-z][a-z-]*(?:[ =][A-Z][A-Z_]*\b)?/g,
  /\b(?:redis-medic\s+)?(?:ttl\s+(?:dry-run|run)|keys\s+(?:diff|snapshots))\b/g,
];

/**
 * Values the product shows verbatim by design, registered by the fixtures below: cluster and node
 * names, key patterns and sample keys, rule names and the notes people wrote in their rules file,
 * ids, file paths, and raw server or runtime messages (a Redis error reply, a JS exception) that
 * carry the diagnosis and have no translation.
 */
const verbatim = new Set<string>();
function keep<T extends string>(...values: T[]): T {
  for (const v of values) if (v) verbatim.add(v);
  return values[0] as T;
}

const ENGLISH_RUN = /\b[A-Za-z]{3,}\b[\s,]+\b[A-Za-z]{3,}\b/;

/** A string with everything that may stay Latin removed (each removal leaves a space). */
function stripLatin(text: string): string {
  let s = text.replace(/```/g, '\n');
  const values = [...verbatim].flatMap((v) => [v, escapeMrkdwn(v)]).sort((a, b) => b.length - a.length);
  for (const v of values) s = s.split(v).join(' ');
  s = s.replace(/`[^`\n]*`/g, ' ');
  // Slack mentions, channel and group links; escaped entities.
  s = s.replace(/<[@#!][^<>\n]*>/g, ' ').replace(/&(?:lt|gt|amp);/g, ' ');
  // Emoji codes (`:mag:`), not the colons of a key name.
  s = s.replace(/(?<!\S):[a-z0-9_+-]+:(?!\S)/g, ' ');
  for (const re of LATIN_PATTERNS) s = s.replace(re, ' ');
  for (const term of LATIN_TERMS) s = s.replace(new RegExp(`\\b${escapeRegExp(term)}\\b`, 'g'), ' ');
  return s;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every run of English words left in `strings`, as `surface: "leftover" in "string"`. */
function englishIn(surface: string, strings: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of strings) {
    for (const line of text.split('\n')) {
      const m = ENGLISH_RUN.exec(stripLatin(line));
      if (m) out.push(`${surface}: "${m[0]}" in "${line}"`);
    }
  }
  return out;
}

/** Fields of Block Kit / Web API payloads that people read. `value`, ids, URLs and styles are not. */
const VISIBLE_FIELDS = new Set([
  'text',
  'alt_text',
  'title',
  'label',
  'placeholder',
  'fallback',
  'pretext',
  'initial_value',
  'initial_comment',
]);

/** Every visible string of a Slack payload (a message, an update, an ephemeral reply, an upload). */
function slackStrings(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, visible: boolean) => {
    if (typeof v === 'string') {
      if (visible) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, visible);
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'value' || k === 'file') continue;
        walk(child, VISIBLE_FIELDS.has(k) || (visible && typeof child === 'object'));
      }
    }
  };
  walk(payload, false);
  return out;
}

/** The texts of `plain_text` objects (buttons, headers, labels): Slack shows no mrkdwn in them. */
function plainTextStrings(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const o = v as Record<string, unknown>;
      if (o.type === 'plain_text' && typeof o.text === 'string') out.push(o.text);
      for (const child of Object.values(o)) walk(child);
    }
  };
  walk(payload);
  return out;
}

/** Collects what one area renders; `expectNoEnglish` fails with every leftover at once. */
class Sweep {
  readonly leftovers: string[] = [];
  readonly seen: string[] = [];
  /** What the zh style rules and the glossary say about the rendered strings. */
  readonly styleProblems: string[] = [];
  slack(surface: string, payload: unknown): void {
    const strings = slackStrings(payload);
    expect(strings.length, `${surface} rendered nothing visible`).toBeGreaterThan(0);
    this.add(surface, strings);
    const plain = plainTextStrings(payload);
    this.checkStyle(surface, plain, false);
    this.checkStyle(
      surface,
      strings.filter((s) => !plain.includes(s)),
      true,
    );
  }
  text(surface: string, ...strings: string[]): void {
    expect(strings.join('').trim(), `${surface} rendered nothing`).not.toBe('');
    this.add(surface, strings);
    this.checkStyle(surface, strings, false);
  }
  private checkStyle(surface: string, strings: string[], mrkdwn: boolean): void {
    const values = [...verbatim].flatMap((v) => [v, escapeMrkdwn(v)]).sort((a, b) => b.length - a.length);
    // Key patterns (`coupon:*`) in Slack text always sit in a code span: a `*` outside one is a marker.
    const patterns = mrkdwn ? [...verbatim].filter((v) => /^[\w-]+:.*\*$/.test(v)).map(escapeMrkdwn) : [];
    for (const s of strings) {
      const outsideCode = s.replace(/```[\s\S]*?```|`[^`\n]*`/g, ' ');
      for (const p of patterns.filter((p) => outsideCode.includes(p)))
        this.styleProblems.push(`${surface}: pattern-outside-code: "${p}" in "${s}"`);
      for (const p of zhStyleProblems(s, { mrkdwn, verbatim: values }))
        this.styleProblems.push(`${surface}: ${p}`);
      for (const p of glossaryProblems(s, GLOSSARY)) this.styleProblems.push(`${surface}: ${p}`);
    }
  }
  /** Chinese only: the style rules (locales/zh/STYLE.md) and the glossary hold for every string. */
  expectZhStyle(): void {
    expect([...new Set(this.styleProblems)]).toEqual([]);
  }
  private add(surface: string, strings: string[]): void {
    this.seen.push(...strings);
    this.leftovers.push(...englishIn(surface, strings));
    // A value the code forgot to pass would show as "{{name}}" (a missing key throws: strict i18n).
    for (const s of strings) if (s.includes('{{')) this.leftovers.push(`${surface}: unrendered in "${s}"`);
  }
  expectNoEnglish(): void {
    expect(this.leftovers).toEqual([]);
  }
}

// ---------------------------------------------------------------------------------------------
// Language, Slack and terminal stand-ins

const i18n = createI18n({ strict: true });

interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

/** A WebClient that records chat.postMessage / chat.update / files.uploadV2 (optionally refusing posts). */
function fakeSlack(opts: { refusePost?: string } = {}) {
  const calls: SlackCall[] = [];
  const record = (method: string) => async (args: Record<string, unknown>) => {
    calls.push({ method, args });
    if (opts.refusePost && method === 'chat.postMessage') {
      throw Object.assign(new Error(`An API error occurred: ${opts.refusePost}`), {
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: opts.refusePost },
      });
    }
    return { ok: true, ts: `1770905280.${String(calls.length).padStart(6, '0')}` };
  };
  const client = {
    chat: { postMessage: record('chat.postMessage'), update: record('chat.update') },
    files: { uploadV2: record('files.uploadV2') },
  } as unknown as webApi.WebClient;
  return { client, calls };
}

/** What the CLI writes before a progress line redraws itself. */
const ERASE_LINE = `\r${String.fromCharCode(27)}[K`;

function cli(lang: Lang = 'zh'): { ctx: CliContext; output: () => string } {
  const chunks: string[] = [];
  const ctx: CliContext = {
    lang,
    t: i18n.plain(lang),
    i18n,
    env: {},
    out: (text) => chunks.push(text),
    err: (text) => chunks.push(text),
  };
  // Progress lines redraw with \r and an erase sequence: keep what a person sees.
  const output = () => chunks.join('').split(ERASE_LINE).join('\n');
  return { ctx, output };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------
// Fixtures: the runbook's cluster and incident

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const CLUSTER = keep('luckyus-isales-market');
const PRIMARY = keep('luckyus-isales-market-001');
const NODE_ADDRESS = keep(
  'luckyus-isales-market-001.luckyus-isales-market.xk2v9d.use1.cache.amazonaws.com:6379',
);
const REPLICA_ADDRESS = keep('10.0.3.18:6379');
const REPLICATION_GROUP = keep('luckyus-isales-market');
const THRESHOLDS: Thresholds = { warning: 60, critical: 70, emergency: 85 };
const MAXMEMORY = 1.62 * GiB;
const TAKEN_AT = RUNBOOK_TREND_END;
const REQUESTER = keep('U07REQ1ST');
const APPROVER = keep('U07APPR0V');
const CHANNEL = keep('C0MARKET');
const INCIDENT = keep('inc-20260212-1428-7f3a');
const THREAD = keep('1770905280.000100');

interface InfoFigures {
  usedPct: number;
  keys: number;
  expires: number;
  max?: number;
  policy?: string;
  evicted?: number;
  role?: 'master' | 'slave';
  clusterEnabled?: boolean;
  fragmentation?: number;
}

/** INFO as ElastiCache's Redis 7.1 answers it, with the runbook's figures by default. */
function info(f: InfoFigures): string {
  const max = f.max ?? MAXMEMORY;
  const used = Math.round(((max || MAXMEMORY) * f.usedPct) / 100);
  return [
    '# Server',
    'redis_version:7.1.0',
    'uptime_in_seconds:8640000',
    '# Clients',
    'connected_clients:412',
    '# Memory',
    `used_memory:${used}`,
    `used_memory_peak:${Math.round(used * 1.05)}`,
    `used_memory_rss:${Math.round(used * (f.fragmentation ?? 1.08))}`,
    `total_system_memory:${3.09 * GiB}`,
    `maxmemory:${max}`,
    `maxmemory_policy:${f.policy ?? 'volatile-lfu'}`,
    `mem_fragmentation_ratio:${f.fragmentation ?? 1.08}`,
    '# Stats',
    'instantaneous_ops_per_sec:18432',
    `evicted_keys:${f.evicted ?? 0}`,
    'expired_keys:5123456',
    '# Replication',
    `role:${f.role ?? 'master'}`,
    '# Cluster',
    `cluster_enabled:${f.clusterEnabled ? 1 : 0}`,
    '# Keyspace',
    `db0:keys=${f.keys},expires=${f.expires},avg_ttl=2874421`,
  ].join('\n');
}

/** The runbook's keyspace at a given memory percentage: 6.66 M keys, 2.62 M of them without TTL. */
function snapshot(usedPct: number, extra: Partial<InfoFigures> = {}): RedisSnapshot {
  const node = nodeSnapshotFromInfo(
    NODE_ADDRESS,
    info({ usedPct, keys: 6_658_630, expires: 4_034_921, ...extra }),
  );
  return combineNodes('standalone', [node], TAKEN_AT);
}

const minutesBefore = (end: Date, minutes: number) => new Date(end.getTime() - minutes * 60_000);

/** A CloudWatch-like 60 s series from `from` to `to` percent over `minutes`, ending at TAKEN_AT. */
function linear(from: number, to: number, minutes = 60): TrendPoint[] {
  return Array.from({ length: minutes + 1 }, (_, i) => ({
    at: minutesBefore(TAKEN_AT, minutes - i),
    value: minutes === 0 ? from : Math.round((from + ((to - from) * i) / minutes) * 10) / 10,
  }));
}

/** The runbook §1.2 curve (13:00–14:28 UTC): the burst at 14:00, the peak 89.4 % at 14:16. */
function runbookSeries(): TrendPoint[] {
  return [
    ['13:00', 61.3],
    ['13:16', 61.1],
    ['13:32', 61.2],
    ['13:48', 61.2],
    ['13:52', 61.5],
    ['13:56', 61.5],
    ['14:00', 71.0],
    ['14:04', 81.4],
    ['14:08', 87.5],
    ['14:12', 87.3],
    ['14:16', 89.4],
    ['14:20', 87.7],
    ['14:24', 86.8],
    ['14:28', 85.5],
  ].map(([time, value]) => ({ at: new Date(`2026-02-12T${time}:00Z`), value: value as number }));
}

function series(memoryPct: TrendPoint[], evictions: TrendPoint[] = []): MetricSeries {
  return { memoryPct, evictions, currItems: [], engineCpuPct: [] };
}

function trendOf(points: TrendPoint[], source: StatusTrend['source'] = 'cloudwatch'): StatusTrend {
  const analysis = analyzeTrend(points);
  return { source, node: PRIMARY, series: series(points), ...(analysis ? { analysis } : {}) };
}

/** A status report the way checkStatus assembles one: snapshot, level, verdict, notes. */
function report(
  redis: RedisSnapshot,
  input: { trend?: StatusTrend; evictionsInWindow?: number; notes?: Note[] } = {},
): StatusReport {
  const verdictInput: VerdictInput = {
    memoryPct: redis.memoryPct,
    maxmemoryPolicy: redis.maxmemoryPolicy,
    thresholds: THRESHOLDS,
    ...(input.trend?.analysis ? { trend: input.trend.analysis } : {}),
    ...(input.evictionsInWindow !== undefined ? { evictionsInWindow: input.evictionsInWindow } : {}),
  };
  return {
    cluster: CLUSTER,
    takenAt: TAKEN_AT,
    redis,
    thresholds: THRESHOLDS,
    level: memoryLevel(redis.memoryPct, THRESHOLDS),
    ...(input.trend ? { trend: input.trend } : {}),
    verdict: decideVerdict(verdictInput),
    notes: [...redisNotes(redis), ...(input.notes ?? [])],
  };
}

/** One report per verdict reason the core can give, each the situation that produces it. */
function verdictReports(): StatusReport[] {
  return [
    // maxmemory 0: no percentage, no Watch button.
    report(snapshot(84.6, { max: 0 })),
    report(snapshot(72.4, { evicted: 18_204 }), {
      trend: trendOf(linear(71.8, 72.4)),
      evictionsInWindow: 1_532,
    }),
    report(snapshot(91.2), { trend: trendOf(linear(86.0, 91.2)) }),
    report(snapshot(88.1), { trend: trendOf(linear(93.0, 88.1)) }),
    report(snapshot(78.0), { trend: trendOf(linear(70.0, 78.0)) }),
    // The runbook's incident: burst at 14:00, recovering.
    report(snapshot(85.5), { trend: trendOf(runbookSeries()) }),
    report(snapshot(58.0), { trend: trendOf(linear(50.0, 58.0)) }),
    report(snapshot(35.0), { trend: trendOf(linear(31.4, 35.0)) }),
    report(snapshot(50.0), { trend: trendOf(linear(55.0, 50.0)) }),
    report(snapshot(45.0), { trend: trendOf(linear(45.0, 45.0)) }),
    // No trend (no AWS): the live reading only.
    report(snapshot(84.6), { notes: [{ key: 'notes.aws_not_configured' }] }),
    // A trend of one datapoint (no slope yet), and the demo's replay.
    report(snapshot(84.6), { trend: trendOf(linear(84.6, 84.6, 0)) }),
    report(snapshot(85.5), {
      trend: trendOf(runbookSeries(), 'replay'),
      notes: [{ key: 'notes.trend_replayed' }],
    }),
  ];
}

/** Every note: the Redis traps from real INFO, the TLS switch, and each AWS failure as the adapters word it. */
function notesReport(): StatusReport {
  const a = nodeSnapshotFromInfo(
    '10.0.3.17:6379',
    info({ usedPct: 91.0, keys: 3_300_000, expires: 2_000_000, evicted: 421, fragmentation: 2.1 }),
  );
  const b = nodeSnapshotFromInfo(
    REPLICA_ADDRESS,
    info({
      usedPct: 62.0,
      keys: 3_358_630,
      expires: 2_034_921,
      role: 'slave',
      policy: 'noeviction',
      clusterEnabled: true,
    }),
  );
  const cluster = combineNodes('cluster', [a, b], TAKEN_AT);
  const standalone = combineNodes('standalone', [b], TAKEN_AT);
  const noLimit = combineNodes(
    'standalone',
    [nodeSnapshotFromInfo('10.0.3.19:6379', info({ usedPct: 0, max: 0, keys: 10, expires: 0 }))],
    TAKEN_AT,
  );
  const ctx = { region: 'us-east-1', timeoutMs: 5_000, replicationGroupId: REPLICATION_GROUP };
  const aws = (name: string, action: 'cloudwatch:GetMetricData' | 'elasticache:DescribeReplicationGroups') =>
    awsErrorNote(Object.assign(new Error('x'), { name }), { ...ctx, action }).note;
  const notes: Note[] = [
    ...redisNotes(cluster),
    ...redisNotes(standalone),
    ...redisNotes(noLimit),
    { key: 'notes.tls_insecure' },
    { key: 'notes.trend_replayed' },
    { key: 'notes.aws_not_configured' },
    { key: 'notes.trend_history' },
    { key: 'notes.trend_history_fallback' },
    { key: 'notes.history_too_short', values: { count: 2 } },
    { key: 'notes.history_unavailable' },
    aws('CredentialsProviderError', 'cloudwatch:GetMetricData'),
    aws('ExpiredTokenException', 'cloudwatch:GetMetricData'),
    aws('AccessDeniedException', 'cloudwatch:GetMetricData'),
    aws('ThrottlingException', 'elasticache:DescribeReplicationGroups'),
    aws('TimeoutError', 'cloudwatch:GetMetricData'),
    aws('AbortError', 'cloudwatch:GetMetricData'),
    awsErrorNote(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), {
      ...ctx,
      action: 'cloudwatch:GetMetricData',
    }).note,
    aws('ReplicationGroupNotFoundFault', 'elasticache:DescribeReplicationGroups'),
    aws('InternalFailure', 'cloudwatch:GetMetricData'),
    { key: 'notes.aws_no_data', values: { cacheClusterId: PRIMARY } },
    {
      key: 'notes.aws_metric_incomplete',
      values: { metric: 'DatabaseMemoryUsagePercentage', status: 'PartialData' },
    },
    { key: 'notes.aws_primary_guessed', values: { cacheClusterId: PRIMARY, source: 'convention' } },
    { key: 'notes.aws_primary_fallback', values: { cacheClusterId: PRIMARY, source: 'config' } },
    {
      key: 'notes.aws_primary_role_unknown',
      values: { replicationGroupId: REPLICATION_GROUP, cacheClusterId: PRIMARY },
    },
  ];
  return {
    cluster: CLUSTER,
    takenAt: TAKEN_AT,
    redis: cluster,
    thresholds: THRESHOLDS,
    level: memoryLevel(cluster.memoryPct, THRESHOLDS),
    trend: trendOf(runbookSeries()),
    verdict: decideVerdict({ memoryPct: cluster.memoryPct, thresholds: THRESHOLDS, evictionsInWindow: 421 }),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// Fixtures: censuses of the demo dataset (the runbook's key patterns)

function census(keys: ScannedKey[], over: Partial<CensusResult> = {}): CensusResult {
  const table = new PatternTable();
  for (const key of keys) table.add(key);
  const figures = table.result();
  for (const p of figures.patterns) keep(p.pattern, ...p.largest.map((l) => l.key));
  return {
    cluster: CLUSTER,
    startedAt: '2026-02-12T14:35:00.000Z',
    finishedAt: '2026-02-12T14:36:12.000Z',
    scannedKeys: figures.totalKeys,
    dbsize: figures.totalKeys,
    sampled: false,
    fraction: 1,
    totalKeys: figures.totalKeys,
    totalKeysWithoutTtl: figures.totalKeysWithoutTtl,
    totalBytes: figures.totalBytes,
    bytesEstimated: false,
    patterns: figures.patterns,
    overflowFolded: figures.overflowFolded,
    durationMs: 72_000,
    keysPerSec: 2_780,
    vanished: 0,
    throttlePauses: 0,
    ...over,
  };
}

function datasetKeys(keys = 20_000, skip: (key: string) => boolean = () => false): ScannedKey[] {
  return [...generateDataset({ keys })]
    .filter((r) => !skip(r.key))
    .map((r) => ({
      name: Buffer.from(r.key),
      type: r.type,
      pttlMs: r.ttlMs ?? -1,
      bytes: 180 + (r.key.length % 7) * 40,
    }));
}

/** More families than the Slack table shows (15), so "top 15 of N" is said too. */
function moreFamilies(): ScannedKey[] {
  const families = [
    'order:detail',
    'order:status',
    'user:session',
    'user:profile',
    'shop:stock',
    'shop:price',
    'push:token',
    'sms:code',
    'cart:items',
    'risk:score',
    'feed:timeline',
    'search:hot',
  ];
  return families.flatMap((f, n) =>
    Array.from({ length: n === 1 ? 600 : 40 + n }, (_, i) => ({
      name: Buffer.from(`${f}:${100_000 + i}`),
      // Some families mix types (a hash per order, a string for its cache): "hash, string".
      type: n % 3 === 0 || (n === 1 && i % 2 === 0) ? ('hash' as const) : ('string' as const),
      pttlMs: n % 2 === 0 ? -1 : 3_600_000 * (n + 1),
      bytes: 120 + n * 10,
    })),
  );
}

/** Before the burst (no campaign push keys, a pattern that later goes away) and after it. */
function censusPair(): { before: CensusResult; after: CensusResult } {
  const gone = Array.from({ length: 50 }, (_, i) => ({
    name: Buffer.from(`tmp:import:batch:${i}`),
    type: 'string' as const,
    pttlMs: 60_000,
    bytes: 90,
  }));
  const before = census([...datasetKeys(20_000, (k) => k.startsWith('marketing:campaign:push:')), ...gone], {
    startedAt: '2026-02-12T13:00:00.000Z',
    finishedAt: '2026-02-12T13:01:05.000Z',
  });
  const after = census([...datasetKeys(), ...moreFamilies()]);
  return { before, after };
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the runbook's TTL rules, their dry-runs, approvals, runs and audit

const RUNBOOK_RULES = `
rules:
  - name: coupon-unread
    match: "MARKETING:COUPON:UNREAD:*"
    action: set-missing
    ttl: 60d
    jitter: 10%
    risk: low
    note: read-heavy, regenerated on coupon events
    expected: 1200000
  - {name: user-group-label, match: "contact:userGroupLabel:set:*", action: set-missing, ttl: 30d, risk: medium}
  - {name: exchange-price, match: "exchange:coupon:high:commodity:price:*", action: set-missing, ttl: 7d, risk: high}
  - {name: last-activity, match: "contact:last:activity:*", action: cap, ttl: 90d, include-missing: true}
`;

function runbookRules(): TtlRule[] {
  const parsed = parseRules(RUNBOOK_RULES, { clusters: [CLUSTER], lang: 'zh' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  for (const r of parsed.rules) keep(r.name, r.match, r.note ?? '');
  return parsed.rules.map((r) => ({ ...r, cluster: CLUSTER }));
}

function dryRunOf(rule: TtlRule, over: Partial<DryRun> = {}): DryRun {
  const id = keep(`${rule.name}-20260212T143800Z-4k2p`);
  const prefix = rule.match.replace(/\*$/, '');
  const samples = Array.from({ length: 10 }, (_, i) => keep(`${prefix}${30_418_220 + i * 7_919}`));
  return {
    id,
    rule,
    cluster: CLUSTER,
    at: '2026-02-12T14:38:00.000Z',
    matched: 1_482_113,
    keysWithoutTtl: 1_203_877,
    keysAboveCap: rule.action === 'cap' ? 311_204 : 0,
    toChange: rule.action === 'cap' ? 1_515_081 : 1_203_877,
    ttlSpread: {
      none: 1_203_877,
      lt1h: 0,
      lt1d: 12_004,
      lt7d: 40_113,
      lt30d: 90_120,
      lt90d: 0,
      ge90d: 135_999,
    },
    bytesToFree: 612 * MiB,
    samples,
    estimatedDurationSec: 1_860,
    durationMs: 95_000,
    walked: 6_658_630,
    complete: true,
    ...over,
  };
}

function jobData(rule: TtlRule, over: Partial<TtlJobData> = {}): TtlJobData {
  return {
    runId: keep(`run-${rule.name}-7f3a`),
    cluster: CLUSTER,
    rule,
    dryRunId: keep(`${rule.name}-20260212T143800Z-4k2p`),
    requestedBy: REQUESTER,
    approvedBy: APPROVER,
    incidentId: INCIDENT,
    channel: CHANNEL,
    threadTs: THREAD,
    lang: 'zh',
    progressTs: '1770905400.000200',
    expected: { matched: 1_482_113, toChange: 1_203_877 },
    checkpoint: {
      nodes: [{ address: NODE_ADDRESS, db: 0, cursor: '1073741824', done: false, dbsize: 6_658_630 }],
      counters: { scanned: 700_000, changed: 560_000, skipped: 140_000, vanished: 12, errors: 0 },
    },
    ...over,
  };
}

function runView(state: TtlRunView['state'], over: Partial<TtlRunView> = {}): TtlRunView {
  return {
    state,
    counters: { scanned: 700_000, changed: 560_000, skipped: 140_000, vanished: 12, errors: 3 },
    fraction: 0.47,
    total: 6_658_630,
    keysPerSec: 9_800,
    etaSec: 370,
    ...over,
  };
}

function summary(outcome: TtlRunSummary['outcome'], over: Partial<TtlRunSummary> = {}): TtlRunSummary {
  return {
    outcome,
    counters: { scanned: 1_482_113, changed: 1_203_877, skipped: 278_236, vanished: 41, errors: 0 },
    resumes: 0,
    durationMs: 31 * 60_000,
    pausedMs: 0,
    memoryBefore: 1.37 * GiB,
    memoryAfter: 1.36 * GiB,
    remainingWithoutTtl: 0,
    ...over,
  };
}

function approvalRequest(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: keep('req-20260212-1440-9c1d'),
    dryRunId: keep('coupon-unread-20260212T143800Z-4k2p'),
    cluster: CLUSTER,
    rule: 'coupon-unread',
    requester: REQUESTER,
    createdAt: '2026-02-12T14:40:00.000Z',
    expiresAt: '2026-02-12T15:40:00.000Z',
    state: 'pending',
    incidentId: INCIDENT,
    channel: CHANNEL,
    threadTs: THREAD,
    messageTs: '1770905400.000300',
    toChange: 1_203_877,
    matched: 1_482_113,
    ...over,
  };
}

function auditEntries(): AuditEntry[] {
  const reasons = [
    'not_approver',
    'self_approval',
    'expired',
    'stale_dry_run',
    'recount_mismatch',
    'already_decided',
    'unknown_request',
    'recount_failed',
  ];
  return AUDIT_ACTIONS.map((action, i) => ({
    id: `1770905${i}000-0`,
    at: new Date(TAKEN_AT.getTime() + i * 60_000).toISOString(),
    actor: i % 3 === 2 ? keep('cli:wang.lei') : i % 2 ? APPROVER : REQUESTER,
    action,
    cluster: CLUSTER,
    rule: 'coupon-unread',
    counts: {
      matched: 1_482_113,
      toChange: 1_203_877,
      recounted: 1_201_950,
      changed: 1_203_877,
      skipped: 278_236,
      errors: 0,
    },
    ...(action === 'refused' ? { reason: reasons[i % reasons.length] } : {}),
    ...(action === 'run_failed' ? { reason: 'redis_timeout' } : {}),
    incidentId: INCIDENT,
  }));
}

// ---------------------------------------------------------------------------------------------
// Fixtures: errors, as the code that raises them builds them

const TARGET = keep('luckyus-isales-market.xk2v9d.ng.0001.use1.cache.amazonaws.com:6379');
/** Raw diagnostics passed through verbatim (a Redis reply, a JS exception): no translation exists. */
const REDIS_REPLY = keep("OOM command not allowed when used memory > 'maxmemory'.");
const JS_EXCEPTION = keep("Cannot read properties of undefined (reading 'cursor')");

function sysError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Every error the product raises, through the same classifiers and constructors the code uses. */
function medicErrors(): MedicError[] {
  const missing = join(tmpdir(), 'redis-medic-sweep-missing', 'config.yml');
  keep(missing);
  let unreadable: MedicError | undefined;
  try {
    loadConfigFile(missing, {}, 'zh');
  } catch (err) {
    unreadable = err as MedicError;
  }
  const { before, after } = censusPair();
  const diffError = (a: CensusResult, b: CensusResult) => {
    try {
      diffCensus(a, b);
    } catch (err) {
      return err as MedicError;
    }
    throw new Error('diffCensus accepted censuses it cannot compare');
  };
  keep('luckyus-isales-market-staging', 'MARKETING:*');
  const tls = (reason: string) => new MedicError(ErrorCode.RedisTls, { target: TARGET, reason });
  const interrupted = (reason: string) =>
    new MedicError(ErrorCode.CensusInterrupted, {
      target: TARGET,
      scanned: 2_413_002,
      total: 6_658_630,
      reason,
    });
  const fileError = (code: string) =>
    new MedicError(ErrorCode.ConfigUnreadable, {
      path: missing,
      reason: fileReadReason(sysError(code, code)),
    });
  return [
    unreadable as MedicError,
    fileError('EACCES'),
    fileError('EISDIR'),
    fileError('EIO'),
    configInvalid(),
    new ConfigInvalidError(keep('/srv/redis-medic/rules.yml'), configProblems(), 'rules'),
    new MedicError(ErrorCode.UnknownCluster, { name: keep('luckyus-isales-mkt') }),
    new MedicError(ErrorCode.MemoryGuardTimeout, {
      target: TARGET,
      usedPct: 95.2,
      limitPct: 95,
      minutes: 10,
    }),
    classifyRedisError(sysError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.3.17:6379'), TARGET),
    classifyRedisError(sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND market.invalid'), TARGET),
    classifyRedisError(sysError('ECONNRESET', 'read ECONNRESET'), TARGET),
    classifyRedisError(sysError('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.3.17:6379'), TARGET),
    classifyRedisError(new Error('None of startup nodes is available'), TARGET),
    new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'bad_url' }, 'bad redis url'),
    new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'db_in_query' }, 'db in query'),
    new MedicError(ErrorCode.ClusterDb, { db: 3 }),
    new MedicError(ErrorCode.NoSuchDb, { target: TARGET, db: 16 }),
    new MedicError(ErrorCode.QueueIsTarget, {
      target: TARGET,
      queue: keep('redis-medic-queue.corp.example:6380'),
      runId: keep('6f0c2a1e9b7d4c3a8e5f1b2d0c9a8e7f6d5c4b3a'),
    }),
    new MedicError(ErrorCode.TtlRunInProgress, {
      cluster: keep('luckyus-isales-market'),
      owner: keep('cli-8d1f0c2a-3b4e-4f5a-9c6d-7e8f9a0b1c2d'),
      actor: keep('cli:ops'),
      startedAt: '2026-02-12 14:16 UTC',
    }),
    classifyRedisError(sysError('ETIMEDOUT', 'connect ETIMEDOUT'), TARGET),
    classifyRedisError(new Error('WRONGPASS invalid username-password pair or user is disabled.'), TARGET),
    classifyRedisError(new Error('NOAUTH Authentication required.'), TARGET),
    classifyRedisError(new Error("NOPERM User medic has no permissions to run the 'info' command"), TARGET),
    classifyRedisError(sysError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), TARGET),
    classifyRedisError(
      new Error('Client network socket disconnected before secure TLS connection was established'),
      TARGET,
    ),
    classifyRedisError(
      sysError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      TARGET,
    ),
    classifyRedisError(
      sysError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      TARGET,
    ),
    classifyRedisError(sysError('CERT_HAS_EXPIRED', 'certificate has expired'), TARGET),
    classifyRedisError(
      sysError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert certificate required'),
      TARGET,
    ),
    classifyRedisError(
      sysError('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate'),
      TARGET,
    ),
    classifyRedisError(sysError('ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'key values mismatch'), TARGET),
    classifyRedisError(sysError('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'decryption failed'), TARGET),
    tls('closed_after_handshake'),
    tls('handshake_timeout'),
    tls('tls_port'),
    classifyRedisError(new Error(REDIS_REPLY), TARGET),
    classifyRedisError(new Error('Protocol error, got "H" as reply type byte. Please report this.'), TARGET),
    classifyRedisError(new Error('ERR This instance has cluster support disabled'), TARGET),
    queueError(
      classifyRedisError(sysError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.3.30:6379'), '10.0.3.30:6379'),
      'redis://medic:pw@10.0.3.30:6379/0',
    ),
    queueError(
      classifyRedisError(new Error('Protocol error, got "H" as reply type byte.'), '10.0.3.30:6379'),
      keep('redis://10.0.3.30:6379/0'),
    ),
    interrupted('connection_lost'),
    interrupted('timeout'),
    interrupted('restarted'),
    diffError(before, { ...after, cluster: 'luckyus-isales-market-staging' }),
    diffError(before, { ...after, match: 'MARKETING:*' }),
    asMedicError(new TypeError(JS_EXCEPTION)),
    // Unexpected ends the code names: a walk stopped by shutdown, the TTL engine returning early.
    new MedicError(ErrorCode.Unexpected, { reason: 'walk_stopped' }, 'dry-run incomplete'),
    new MedicError(ErrorCode.Unexpected, { reason: 'engine_stopped' }, 'engine stopped early'),
    new MedicError(ErrorCode.Unexpected, { reason: 'run_lease_lost' }),
    // Capacity advice: AWS and the node catalog.
    new MedicError(ErrorCode.AwsAccessDenied, {
      action: 'elasticache:ListAllowedNodeTypeModifications',
      region: 'us-east-1',
    }),
    new MedicError(ErrorCode.AwsThrottled, { action: 'elasticache:DescribeCacheParameters' }),
    new MedicError(ErrorCode.AwsNoCredentials, { action: 'elasticache:DescribeReplicationGroups' }),
    new MedicError(ErrorCode.AwsReplicationGroupNotFound, {
      replicationGroupId: keep('luckyus-isales-market'),
      region: 'us-east-1',
    }),
    new MedicError(ErrorCode.AwsCallFailed, {
      action: 'elasticache:DescribeCacheClusters',
      region: 'us-east-1',
      error: 'InternalFailure',
    }),
    new MedicError(ErrorCode.AwsNotConfigured, { cluster: keep('luckyus-isales-market') }),
    new MedicError(ErrorCode.UnknownNodeType, {
      nodeType: 'cache.x9.mega',
      region: 'us-east-1',
      engine: 'redis',
    }),
    new MedicError(ErrorCode.NodeCatalogInvalid, {
      path: keep('/etc/redis-medic/nodes.json'),
      reason: 'not_json',
      field: '—',
    }),
    new MedicError(ErrorCode.NodeCatalogInvalid, {
      path: keep('/etc/redis-medic/nodes.json'),
      reason: 'bad_value',
      field: keep('nodeTypes.cache.m7g.large.memoryGiB'),
    }),
  ];
}

/** Type mistakes (zod's own messages, in Chinese), a bad URL, a missing variable. */
const BROKEN_CONFIG = `
queue:
  url: redis://10.0.3.30:6379/0
slack:
  apiUrl: ftp://slack-gov.com/api
clusters:
  - name: luckyus-isales-market
    url: http://market.example.com
    password: \${MARKET_REDIS_PASSWORD}
    mode: cluster-v2
`;

/** Well-typed, but wrong: one of every check of our own across clusters, thresholds and TLS. */
const INCONSISTENT_CONFIG = `
queue:
  url: redis://10.0.3.30:6379/0
slack:
  channels:
    C0MARKET: luckyus-isales-mkt
thresholds: {warning: 80, critical: 70, emergency: 85}
clusters:
  - name: luckyus-isales-market
    url: redis://10.0.3.30:6379/0
    aws: {region: us-east-1}
    thresholds: {critical: 95}
  - name: luckyus-isales-market
    url: redis://10.0.3.17:6379
    tls: {cert: client.crt, servername: 10.0.3.17}
`;

/** Rules each wrong on its own, then rules wrong together. */
const BAD_RULES = `
rules:
  - {name: all-keys, match: "*", action: set-missing, ttl: 0}
  - {name: keep-4000d, match: "order:*", action: cap, ttl: 4000d}
  - {name: bad-units, match: "order:*", action: cap, ttl: P1D, jitter: 1/10}
  - {name: wide-jitter, match: "order:*", action: cap, ttl: 30d, jitter: 90%}
  - {name: plain-jitter, match: "order:*", action: cap, ttl: 30d, jitter: 10}
  - {name: open-class, match: "order:[*", action: set-missing, ttl: 1d}
`;

/** Values in range for their type but refused: a port, a DB path, a watch interval. */
const BAD_VALUES_CONFIG = `
queue:
  url: redis://10.0.3.30:99999/0
watch:
  intervalMinutes: 0.001
clusters:
  - name: luckyus-isales-market
    url: redis://10.0.3.17:6379/aaaa
  - name: luckyus-isales-mkt2
    url: redis://app:pa/ss@10.0.3.18:6379
`;
const BAD_RULE_SET = `
rules:
  - {name: coupon-unread, match: "MARKETING:COUPON:UNREAD:*", action: set-missing, ttl: 60d}
  - {name: coupon-unread, match: "redis-medic:*", action: cap, ttl: 30d, cluster: luckyus-isales-mkt2}
`;

// What people typed in the broken files above, shown back to them as it is.
keep('open-class', 'order:[*', '99999', 'aaaa', '0.001');
keep('cluster-v2', 'P1D', '1/10', '4000d', '90%', 'all-keys', 'keep-4000d', 'bad-units', 'wide-jitter');
keep('plain-jitter', '10%', '0.1');
keep('ftp://slack-gov.com/api', 'redis-medic:*', 'order:*', 'MARKET_REDIS_PASSWORD', 'luckyus-isales-mkt2');

const TLS_CONFIG = `
queue: {url: redis://10.0.3.30:6379/0}
clusters:
  - name: luckyus-isales-market
    url: rediss://10.0.3.17:6379
    tls: {ca: ca.pem, cert: client.crt, key: client.key}
`;

function configProblems(): ConfigProblem[] {
  const broken = parseConfig(BROKEN_CONFIG, {}, 'zh');
  const inconsistent = parseConfig(INCONSISTENT_CONFIG, {}, 'zh');
  const badRules = parseRules(BAD_RULES, { clusters: [CLUSTER], lang: 'zh' });
  const badRuleSet = parseRules(BAD_RULE_SET, { clusters: [CLUSTER], lang: 'zh' });
  const files: Record<string, string> = {
    'client.crt': 'not a certificate',
    'client.key': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
  };
  const tls = parseConfig(TLS_CONFIG, {}, 'zh', {
    baseDir: '/etc/redis-medic',
    readFile: (path) => {
      const body = files[path.split('/').pop() ?? ''];
      if (body === undefined) throw sysError('ENOENT', `ENOENT: no such file or directory, open '${path}'`);
      return Buffer.from(body);
    },
  });
  const syntax = parseConfig('clusters:\n  - name: a\n    url: [redis://x\n', {}, 'zh');
  const rules = parseRules('rules: 3\n', { lang: 'zh' });
  const noList = parseRules('clusters: []\n', { lang: 'zh' });
  const emptyList = parseRules('rules: []\n', { lang: 'zh' });
  const badValues = parseConfig(BAD_VALUES_CONFIG, {}, 'zh');
  keep('/etc/redis-medic/ca.pem', '/etc/redis-medic/client.crt', '/etc/redis-medic/client.key');
  const problems = [
    broken,
    inconsistent,
    badRules,
    badRuleSet,
    tls,
    syntax,
    rules,
    noList,
    emptyList,
    badValues,
  ].flatMap((r) => (r.ok ? [] : r.problems));
  // Problems the TLS files would need real PKI for, worded with the values the code passes.
  problems.push(
    { path: 'clusters[0].tls', key: 'config:tls_key_mismatch' },
    {
      path: 'clusters[0].tls',
      key: 'config:tls_invalid',
      values: { reason: keep('PEM routines::no start line') },
    },
  );
  // OpenSSL's own diagnostic, verbatim.
  for (const p of problems) if (p.key === 'config:tls_invalid') keep(String(p.values?.reason ?? ''));
  return problems;
}

function configInvalid(): ConfigInvalidError {
  return new ConfigInvalidError(keep('/etc/redis-medic/config.yml'), configProblems());
}

/** The refusals of the remediation core (unknown rule, old Redis…), as they are thrown. */
function remediationErrors(): RemediationError[] {
  return [
    new RemediationError(ErrorCode.UnknownRule, {
      name: keep('coupon-unred'),
      known: 'coupon-unread, user-group-label, exchange-price, last-activity',
    }),
    new RemediationError(ErrorCode.RuleForOtherCluster, {
      name: 'coupon-unread',
      cluster: CLUSTER,
      target: keep('luckyus-isales-order'),
    }),
    new RemediationError(ErrorCode.NoRulesForTarget, { target: 'luckyus-isales-order' }),
    new RemediationError(ErrorCode.OptionsNeed7, { target: TARGET, version: '6.2.14' }),
    new RemediationError(ErrorCode.NoSafeStrategy, { target: TARGET, version: '6.2.14' }),
    new RemediationError(ErrorCode.ReplicaTarget, { target: TARGET, primary: keep('10.0.3.31:6379') }),
    new RemediationError(ErrorCode.GlobRangeUnknown, { match: keep('coupon:[a-é]*'), target: TARGET }),
    new RemediationError(ErrorCode.KeysNotMatched, { count: 3, match: keep('coupon:*') }),
  ];
}

/** The CLI's own usage errors, as its commands raise them. */
function usageErrors(): MedicError[] {
  return [
    new UsageError(ErrorCode.ConfigRequired),
    new UsageError(ErrorCode.ClusterRequired),
    new UsageError(ErrorCode.RedisOrCluster),
    new UsageError(ErrorCode.BadRedisUrl),
    new UsageError(ErrorCode.RedisUrlDbQuery),
    new UsageError(ErrorCode.ClusterNotInConfig, { name: keep('luckyus-isales-markte'), known: CLUSTER }),
    new UsageError(ErrorCode.EnvMissing, { names: keep('SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET') }),
    new UsageError(ErrorCode.NeedTwoSnapshots, {
      cluster: CLUSTER,
      available: keep('snap-20260212T143612Z'),
    }),
    new UsageError(ErrorCode.UnknownSnapshot, {
      id: keep('nope'),
      cluster: CLUSTER,
      available: keep('20260212T143612Z'),
    }),
    new UsageError(ErrorCode.RunNeedsYes),
    new UsageError(ErrorCode.RedisUrlPort, { port: keep('99999') }),
    new UsageError(ErrorCode.RedisUrlUserinfo),
    new UsageError(ErrorCode.RedisUrlDb, { path: keep('aaaa') }),
    new UsageError(ErrorCode.DeadlinePast, { value: keep('2020-01-01') }),
    new UsageError(ErrorCode.GlobUnclosed, { match: keep('cart:[*') }),
    new MedicError(ErrorCode.SlackTokenRefused, {
      method: keep('auth.test'),
      host: keep('slack.com'),
      error: keep('invalid_auth'),
    }),
    new MedicError(ErrorCode.SlackUnreachable, {
      method: 'auth.test',
      host: 'slack.com',
      detail: keep('getaddrinfo ENOTFOUND slack.com'),
    }),
    new UsageError(ErrorCode.RunNeedsConfig),
    new UsageError(ErrorCode.RulesRequired),
    new UsageError(ErrorCode.ProxyUrl, { variable: 'HTTPS_PROXY' }),
    new UsageError(ErrorCode.SlackApiUrl, { value: keep('ftp://slack-gov.com/api') }),
    new UsageError(ErrorCode.BadDeadline, { value: keep('next friday') }),
    new UsageError(ErrorCode.IncidentOrCluster),
    new UsageError(ErrorCode.UnknownIncident, { id: keep('inc-20260212-1436') }),
    new UsageError(ErrorCode.OutRequired),
    new UsageError(ErrorCode.ExportWriteFailed, { dir: keep('/srv/monitoring'), errno: keep('EACCES') }),
    new UsageError(ErrorCode.BurstBadTime, { quoted: `“${keep('yesterday')}”` }),
    new UsageError(ErrorCode.BurstWindowOrder, {
      quotedFrom: `“${keep('14:00')}”`,
      quotedTo: `“${keep('13:00')}”`,
    }),
    new UsageError(ErrorCode.BurstWindowFuture, { quotedFrom: `“${keep('2030-01-01T00:00Z')}”` }),
    new UsageError(ErrorCode.BurstWindowTooLong, { hours: 24 }),
    new UsageError(ErrorCode.BurstBadTimeZone, { zone: keep('Mars/Olympus') }),
    new MedicError(ErrorCode.PlanDrift, {
      rule: keep('coupon-unread'),
      recounted: 2400,
      toChange: 1200,
      tolerance: 5,
    }),
  ];
}

// A Redis command, named as Redis spells it in both languages.
keep('SCAN MATCH');
// What a queue Redis error shows of its URL: the credentials masked.
keep('redis://***@10.0.3.30:6379/0');

const ALL_RULE_NAMES = 'coupon-unread, user-group-label, exchange-price, last-activity';
keep(ALL_RULE_NAMES, 'user-group-label', 'exchange-price', 'last-activity', 'coupon-unread');

// ---------------------------------------------------------------------------------------------
// Rendering each surface the way the product does

async function sweepStatus(lang: Lang, sweep: Sweep): Promise<void> {
  const t = i18n.slack(lang);
  const plain = i18n.plain(lang);
  const reports = [...verdictReports(), notesReport()];
  for (const [i, r] of reports.entries()) {
    const view = buildStatusView(r, { t, lang, esc: escapeMrkdwn });
    sweep.slack(
      `status #${i} (${r.verdict.reason.key}) Slack`,
      statusReportMessage(view, t, { cluster: CLUSTER, incident: INCIDENT, watchTargetPct: 75 }),
    );
    sweep.text(`status #${i} CLI`, renderStatusTable(buildStatusView(r, { t: plain, lang }), plain));
  }

  // The watch: started, readings, a failed reading, every ending (the thread line and the message).
  const { client, calls } = fakeSlack();
  const reporter = slackWatchReporter(client, i18n);
  const data: WatchJobData = {
    incidentId: INCIDENT,
    watchId: 'w-7f3a',
    cluster: CLUSTER,
    channel: CHANNEL,
    threadTs: THREAD,
    requestedBy: REQUESTER,
    lang,
    targetPct: 75,
    intervalMs: 300_000,
    deadlineAt: TAKEN_AT.getTime() + 6 * 3_600_000,
    tick: 3,
    failures: 0,
    watchMessageTs: '1770905300.000400',
  };
  const reading = report(snapshot(82.1), { trend: trendOf(runbookSeries()) });
  await reporter.reading(data, reading);
  await reporter.reading({ ...data, previous: { at: TAKEN_AT.getTime() - 300_000, pct: 84.6 } }, reading);
  // A cluster without CloudWatch: the reading adds the slope of the bot's own samples.
  await reporter.reading(
    { ...data, previous: { at: TAKEN_AT.getTime() - 300_000, pct: 84.6 } },
    report(snapshot(82.1), { trend: trendOf(runbookSeries(), 'history') }),
  );
  await reporter.reading(data, report(snapshot(84.6, { max: 0 })));
  await reporter.failed(data, classifyRedisError(sysError('ETIMEDOUT', 'connect ETIMEDOUT'), TARGET));
  for (const end of ['reached', 'timeout', 'failing', 'no_limit'] as WatchEnd[]) {
    await reporter.finished(
      data,
      end,
      end === 'failing' ? undefined : report(snapshot(end === 'reached' ? 74.2 : 81.0)),
    );
  }
  for (const call of calls) sweep.slack(`watch ${call.method}`, call.args);
  const intro = t('slack:watch.started', {
    cluster: CLUSTER,
    target: formatPct(75, lang, 0),
    interval: formatDuration(5, t),
    max: formatDuration(6 * 60, t),
    user: REQUESTER,
  });
  sweep.slack('watch started', watchMessage(t, { cluster: CLUSTER, incident: INCIDENT, intro }));
  sweep.slack(
    'watch cancelled',
    watchMessage(t, {
      cluster: CLUSTER,
      incident: INCIDENT,
      intro,
      ended: t('slack:watch.cancelled', { user: APPROVER }),
    }),
  );
  // The ephemeral help for an unknown cluster and for garbage arguments.
  for (const command of ['status', 'keys', 'ttl', 'audit'] as const) {
    sweep.slack(
      `help ${command}`,
      clusterHelpMessage(t, {
        command,
        problemKey: 'slack:help.unknown_cluster',
        problemValues: { name: 'luckyus-isales-mkt' },
        clusters: [CLUSTER, 'luckyus-isales-order'],
        channelDefault: CLUSTER,
      }),
    );
  }
}

async function sweepCensus(lang: Lang, sweep: Sweep): Promise<void> {
  const t = i18n.slack(lang);
  const plain = i18n.plain(lang);
  const { before, after } = censusPair();
  const sampled: CensusResult = {
    ...after,
    sampled: true,
    fraction: 0.1,
    errorBound: 0.012,
    bytesEstimated: true,
    overflowFolded: 37,
    vanished: 12,
    match: 'MARKETING:*',
  };

  // Slack: progress (with and without an ETA), the result (with and without a previous census), the
  // draft-rule answer, the end of a cancelled or failed census.
  const { client, calls } = fakeSlack();
  const reporter = slackCensusReporter(client, i18n, silentLogger());
  const data: CensusJobData = {
    cluster: CLUSTER,
    incidentId: INCIDENT,
    channel: CHANNEL,
    threadTs: THREAD,
    progressTs: '1770905300.000500',
    requestedBy: REQUESTER,
    lang,
  };
  await reporter.progress(data, {
    scanned: 2_413_002,
    total: 6_658_630,
    keysPerSec: 2_780,
    etaSec: 1_527,
    pauses: 0,
  });
  await reporter.progress(data, { scanned: 0, total: 6_658_630, keysPerSec: 0, etaSec: null, pauses: 2 });
  await reporter.finished(data, after, 'snap-1', before);
  await reporter.finished(data, sampled, 'snap-2');
  await reporter.cancelled(data, 2_413_002, APPROVER);
  await reporter.failed(
    data,
    new MedicError(ErrorCode.CensusInterrupted, {
      target: TARGET,
      scanned: 2_413_002,
      total: 6_658_630,
      reason: 'restarted',
    }),
  );
  for (const call of calls) sweep.slack(`census ${call.method}`, call.args);
  sweep.slack(
    'census progress (queued)',
    censusProgressMessage(t, {
      cluster: CLUSTER,
      text: t('census:slack.queued', { cluster: CLUSTER, user: REQUESTER }),
      running: true,
    }),
  );
  const topNoTtl = after.patterns.find((p) => p.keysWithoutTtl > 0);
  if (!topNoTtl) throw new Error('the dataset has no pattern without TTL');
  sweep.slack(
    'census draft rule',
    draftRuleMessage(t, i18n.plain(lang), {
      cluster: CLUSTER,
      pattern: topNoTtl.pattern,
      keysWithoutTtl: topNoTtl.keysWithoutTtl,
      ttl: '30d',
    }),
  );
  sweep.slack(
    'census result (no grew)',
    censusResultMessage(buildCensusView(after, { t, lang, esc: escapeMrkdwn }), after, t),
  );

  // CLI: the table (full and sampled, with every note), the diff, the progress line.
  sweep.text(
    'census CLI table',
    renderCensusTable(buildCensusView(after, { t: plain, lang, top: 20 }), plain),
  );
  sweep.text(
    'census CLI table (sampled)',
    renderCensusTable(buildCensusView(sampled, { t: plain, lang, top: 5 }), plain),
  );
  const diff = diffCensus(before, after);
  sweep.text('census CLI diff', renderCensusDiffTable(buildCensusDiffView(diff, { t: plain, lang }), plain));
  const { ctx, output } = cli(lang);
  showProgress({ scanned: 2_413_002, total: 6_658_630, keysPerSec: 2_780, etaSec: 1_527, pauses: 0 }, ctx);
  showProgress({ scanned: 0, total: 6_658_630, keysPerSec: 0, etaSec: null, pauses: 0 }, ctx);
  ctx.out(`${plain('census:saved', { id: 'snap-20260212T143612Z' })}\n`);
  ctx.out(
    `${plain('common:paren', { value: plain('census:snapshot_line', { keys: formatInt(after.totalKeys, lang), withoutTtl: formatInt(after.totalKeysWithoutTtl, lang) }), note: plain('census:sampled_short') })}\n`,
  );
  sweep.text('census CLI progress', output());
}

async function sweepRemediation(lang: Lang, sweep: Sweep): Promise<void> {
  const t = i18n.slack(lang);
  const plain = i18n.plain(lang);
  const [coupon, userGroup, exchange, lastActivity] = runbookRules() as [TtlRule, TtlRule, TtlRule, TtlRule];
  const capOnly: TtlRule = { ...lastActivity, includeMissing: false, risk: 'unknown' };
  const dryRuns = [
    dryRunOf(coupon, { dbs: [0, 3] }),
    dryRunOf(userGroup, { toChange: 0, samples: [], keysWithoutTtl: 0 }),
    dryRunOf(exchange),
    dryRunOf(lastActivity),
    dryRunOf(capOnly, { complete: false }),
  ];

  // Slack: the dry-run result, the approval request (open, then each way it closes), rule list, audit.
  for (const d of dryRuns) {
    sweep.slack(
      `dry-run ${d.rule.name}`,
      dryRunResultMessage(t, lang, d, { user: REQUESTER, maxAgeMinutes: 30 }),
    );
  }
  sweep.slack(
    'dry-run started',
    textMessage(t('approval:dry_run.started', { rule: coupon.name, cluster: CLUSTER, user: who(REQUESTER) })),
  );
  sweep.slack(
    'dry-run progress',
    textMessage(
      t('approval:dry_run.progress', {
        rule: coupon.name,
        cluster: CLUSTER,
        bar: '████░░░░░░',
        pct: 41,
        scanned: formatInt(2_713_004, lang),
        total: formatInt(6_658_630, lang),
        eta: formatEta(180, t),
      }),
    ),
  );
  const request = approvalRequest();
  sweep.slack(
    'approval request (open)',
    approvalRequestMessage(t, lang, {
      request,
      dryRun: dryRuns[0],
      status: { kind: 'open', approvers: { users: [APPROVER], groups: ['S07SRE'] } },
    }),
  );
  const at = formatDateTime(new Date('2026-02-12T14:44:00Z'), lang);
  const closed = [
    t('approval:decision.recounting', { user: who(APPROVER) }),
    t('approval:decision.approved', {
      user: who(APPROVER),
      at,
      recounted: formatInt(1_201_950, lang),
      toChange: formatInt(1_203_877, lang),
    }),
    t('approval:decision.rejected', { user: who(APPROVER), at }),
    t('approval:decision.withdrawn', { user: who(REQUESTER), at }),
    t('approval:decision.failed', { code: 'redis_unreachable' }),
    t('approval:decision.expired', { at }),
    t('approval:decision.stale', { minutes: 30, cluster: CLUSTER, rule: coupon.name }),
    t('approval:decision.recount_mismatch', {
      recounted: formatInt(1_402_950, lang),
      toChange: formatInt(1_203_877, lang),
      tolerance: 5,
    }),
  ];
  for (const line of closed) {
    sweep.slack(
      'approval request (closed)',
      approvalRequestMessage(t, lang, { request, dryRun: undefined, status: { kind: 'closed', line } }),
    );
  }
  sweep.slack('rule list', ruleListMessage(t, { cluster: CLUSTER, rules: runbookRules() }));
  sweep.slack(
    'rule list (none)',
    ruleListMessage(t, {
      cluster: 'luckyus-isales-order',
      rules: [],
      problem: t('approval:rules.unknown', { rule: 'coupon-unred', cluster: CLUSTER }),
    }),
  );
  sweep.slack('audit list', auditListMessage(t, lang, { entries: auditEntries(), cluster: CLUSTER }));
  sweep.slack('audit list (all)', auditListMessage(t, lang, { entries: auditEntries().slice(0, 1) }));
  sweep.slack('audit list (empty)', auditListMessage(t, lang, { entries: [], cluster: CLUSTER }));
  sweep.slack('audit list (empty, all)', auditListMessage(t, lang, { entries: [] }));

  // Slack: a TTL run from start to each end (progress in every state, summary, final line).
  const views: TtlRunView[] = [
    runView('running'),
    runView('running', { etaSec: null }),
    runView('running', { guard: 'latency' }),
    runView('running', { guard: 'memory' }),
    runView('paused', { by: REQUESTER }),
    runView('verifying', { fraction: 1 }),
  ];
  for (const rule of [coupon, lastActivity, capOnly]) {
    for (const view of views) {
      const { client, calls } = fakeSlack();
      const reporter = slackTtlRunReporter(client, i18n, { minIntervalMs: 0 });
      const data = jobData(rule);
      await reporter.start(data);
      reporter.progress(data, view);
      await flush();
      await flush();
      for (const call of calls) sweep.slack(`ttl run ${rule.name} ${view.state} ${call.method}`, call.args);
    }
  }
  const ends: [TtlRule, TtlRunSummary][] = [
    [coupon, summary('done')],
    [coupon, summary('done', { resumes: 2, pausedMs: 7 * 60_000, remainingWithoutTtl: 1_204 })],
    [lastActivity, summary('done', { resumes: 1 })],
    [capOnly, summary('done', { remainingWithoutTtl: 40_113 })],
    [coupon, summary('cancelled', { by: APPROVER, remainingWithoutTtl: undefined, memoryAfter: undefined })],
    [coupon, summary('cancelled', { by: 'pause_expired', remainingWithoutTtl: undefined })],
    [
      coupon,
      summary('failed', {
        error: classifyRedisError(sysError('ECONNRESET', 'read ECONNRESET'), TARGET),
        remainingWithoutTtl: undefined,
      }),
    ],
    [lastActivity, summary('failed', { error: remediationErrors()[4], remainingWithoutTtl: undefined })],
  ];
  for (const [rule, end] of ends) {
    const { client, calls } = fakeSlack();
    const reporter = slackTtlRunReporter(client, i18n, { minIntervalMs: 0 });
    await reporter.finished(jobData(rule), end);
    for (const call of calls) sweep.slack(`ttl run ${rule.name} ${end.outcome} ${call.method}`, call.args);
  }

  // CLI: dry-run output and plan, progress lines, each run result, the audit table.
  const { ctx, output } = cli(lang);
  for (const d of dryRuns) ctx.out(renderDryRun(d, ctx));
  ctx.out(renderPlan(dryRuns, ctx));
  ctx.err(`${plain('remediation:cli.saved', { count: dryRuns.length })}\n`);
  ctx.err(`${plain('remediation:cli.saved', { count: 1 })}\n`);
  showDryRunProgress(
    coupon,
    { scanned: 412_000, total: 6_658_630, keysPerSec: 9_800, etaSec: 640, pauses: 0 },
    ctx,
  );
  showDryRunProgress(coupon, { scanned: 0, total: 6_658_630, keysPerSec: 0, etaSec: null, pauses: 0 }, ctx);
  const progress: EngineProgress = {
    counters: { scanned: 700_000, changed: 560_000, skipped: 140_000, vanished: 12, errors: 0 },
    total: 6_658_630,
    keysPerSec: 9_800,
    etaSec: 370,
    paused: false,
    fraction: 0.47,
    pauses: 0,
  };
  showRunProgress(dryRuns[0] as DryRun, progress, ctx);
  showRunProgress(dryRuns[0] as DryRun, { ...progress, paused: true, pausedBy: 'latency' }, ctx);
  showRunProgress(dryRuns[0] as DryRun, { ...progress, paused: true, pausedBy: 'memory', etaSec: null }, ctx);
  const result = (complete: boolean): ApplyResult => ({
    rule: coupon,
    counters: { scanned: 1_482_113, changed: 1_203_877, skipped: 278_236, vanished: 41, errors: 0 },
    complete,
    ...(complete ? {} : { stoppedBy: 'cancel' as const }),
    durationMs: 1_843_200,
    strategy: 'options',
    checkpoint: { nodes: [], counters: { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 } },
    pauses: 0,
    pausedMs: 0,
  });
  ctx.out(renderRunResult(dryRuns[0] as DryRun, result(true), 0, ctx));
  ctx.out(renderRunResult(dryRuns[0] as DryRun, result(false), undefined, ctx));
  ctx.out(renderAuditTable(auditEntries(), plain, lang));
  ctx.out(renderAuditTable([], plain, lang));
  sweep.text('ttl CLI', output());
}

async function sweepErrors(lang: Lang, sweep: Sweep): Promise<void> {
  const t = i18n.slack(lang);
  const plain = i18n.plain(lang);
  const errors = medicErrors();
  for (const err of errors) {
    sweep.text(`error ${err.code} (Slack)`, errorText(err, t, lang));
    const { lines } = describeCliError(err, plain, lang);
    sweep.text(`error ${err.code} (CLI)`, ...lines);
  }
  // What the CLI says for everything else: its own usage errors, core refusals, a non-Medic failure.
  const usage = [...usageErrors(), ...remediationErrors()];
  for (const err of [...usage, new Error(`connect ${JS_EXCEPTION}`)]) {
    sweep.text(`CLI error ${err.message}`, ...describeCliError(err, plain, lang).lines);
  }
  // `keys diff` without --cluster: the usage error as the command raises it.
  const diffError = await keysDiffCommand({ config: '/etc/redis-medic/config.yml' }, cli(lang).ctx).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(diffError).toBeInstanceOf(UsageError);
  sweep.text('keys diff without --cluster', ...describeCliError(diffError, plain, lang).lines);

  // Slack: a status that cannot read Redis (a real refused connection), in the channel and on
  // Refresh; a post the channel refuses; and the job failures (census, watch, TTL run).
  const cluster: ClusterConfig = {
    name: CLUSTER,
    url: 'redis://127.0.0.1:1',
    mode: 'standalone',
    thresholds: THRESHOLDS,
    approvers: { users: [APPROVER], groups: [] },
  };
  keep('127.0.0.1:1');
  for (const refusePost of [undefined, 'not_in_channel', 'is_archived']) {
    const { client, calls } = fakeSlack(refusePost ? { refusePost } : {});
    const replies: unknown[] = [];
    const services = {
      config: { trend: { windowHours: 3 }, watch: { targetPct: 75 } } as MedicConfig,
      i18n,
      logger: silentLogger(),
      status: { connect: { connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 } },
      incidents: { findOpen: async () => undefined },
    } as unknown as SlackServices;
    const req = {
      client,
      cluster,
      channel: CHANNEL,
      user: REQUESTER,
      lang,
      respond: (async (reply: unknown) => {
        replies.push(reply);
      }) as unknown as RespondFn,
    };
    await postStatus(services, req);
    await refreshStatus(services, { ...req, messageTs: '1770905280.000100', incidentId: INCIDENT });
    for (const call of calls) sweep.slack(`status failure ${call.method}`, call.args);
    for (const reply of replies) sweep.slack(`status failure reply (${refusePost ?? 'posted'})`, reply);
  }
  const { client, calls } = fakeSlack();
  const census = slackCensusReporter(client, i18n, silentLogger());
  const watch = slackWatchReporter(client, i18n);
  const censusData: CensusJobData = {
    cluster: CLUSTER,
    incidentId: INCIDENT,
    channel: CHANNEL,
    threadTs: THREAD,
    progressTs: '1770905300.000500',
    requestedBy: REQUESTER,
    lang,
  };
  for (const err of errors) {
    await census.failed(censusData, err);
    await watch.failed(
      {
        incidentId: INCIDENT,
        watchId: 'w-7f3a',
        cluster: CLUSTER,
        channel: CHANNEL,
        threadTs: THREAD,
        requestedBy: REQUESTER,
        lang,
        targetPct: 75,
        intervalMs: 300_000,
        deadlineAt: 0,
        tick: 1,
        failures: 1,
      },
      err,
    );
    sweep.text(
      `dry-run failed ${err.code}`,
      t('approval:dry_run.failed', {
        rule: 'coupon-unread',
        cluster: CLUSTER,
        reason: errorText(err, t, lang),
      }),
    );
  }
  for (const err of [...errors, ...remediationErrors()]) {
    const ttl = slackTtlRunReporter(client, i18n, { minIntervalMs: 0 });
    await ttl.finished(
      jobData(runbookRules()[0] as TtlRule),
      summary('failed', { error: err, remainingWithoutTtl: undefined }),
    );
  }
  for (const call of calls) sweep.slack(`job failure ${call.method}`, call.args);
  // The real check: a status against a port nobody listens on.
  await expect(checkStatus(cluster, { connect: { connectTimeoutMs: 2_000 } })).rejects.toMatchObject({
    code: ErrorCode.RedisUnreachable,
  });
}

/** The incident message (Slack messages, the modal, Markdown) from the runbook's incident. */
async function sweepNotify(lang: Lang, sweep: Sweep): Promise<void> {
  const f = notifyFixture;
  keep(f.CLUSTER, f.incident.id, ...Object.values(f.patterns).map((p) => p.pattern));
  for (const r of f.rules) keep(r.name, r.match, r.note ?? '');
  const facts = buildIncidentFacts({
    cluster: f.CLUSTER,
    incident: f.incident,
    timeline: f.timeline,
    census: f.census,
    rules: f.rules,
  });
  const edits = { author: f.REQUESTER, owner: f.APPROVER, deadline: '2026-02-20', targetPct: 75 };
  const doc = incidentMessage(facts, lang, i18n, edits, { flavor: 'slack' });
  for (const m of docsToMessages([doc], () => i18n.slack(lang))) sweep.slack('incident message', m);
  sweep.text(
    'incident message (Markdown)',
    docToMarkdown(incidentMessage(facts, lang, i18n, edits, { flavor: 'markdown' })),
  );
  const t = i18n.slack(lang);
  sweep.slack(
    'notify modal',
    notifyModal(t, {
      meta: { cluster: f.CLUSTER, origin: CHANNEL, lang },
      // The summaries are the person's own text once edited: here the drafts in the reader's language.
      drafts: { en: draftSummaryText(facts, lang, i18n), zh: draftSummaryText(facts, lang, i18n) },
      previews: [doc],
    }),
  );
}

// ---------------------------------------------------------------------------------------------

describe('nothing English reaches a Chinese reader', () => {
  it('status: every verdict and note, trend or not, Slack and CLI, watch messages', async () => {
    const sweep = new Sweep();
    await sweepStatus('zh', sweep);
    sweep.expectNoEnglish();
    sweep.expectZhStyle();
  });

  it('census: progress, result, draft rule, diff; Slack and CLI', async () => {
    const sweep = new Sweep();
    await sweepCensus('zh', sweep);
    sweep.expectNoEnglish();
    sweep.expectZhStyle();
  });

  it('remediation: dry-run, approval, TTL run, audit; Slack and CLI', async () => {
    const sweep = new Sweep();
    await sweepRemediation('zh', sweep);
    sweep.expectNoEnglish();
    sweep.expectZhStyle();
  });

  it('errors: every error code, config problem and failure path', async () => {
    const sweep = new Sweep();
    await sweepErrors('zh', sweep);
    sweep.expectNoEnglish();
    sweep.expectZhStyle();
  });
  it('incident message: Slack messages, the form and Markdown', async () => {
    const sweep = new Sweep();
    await sweepNotify('zh', sweep);
    sweep.expectNoEnglish();
    sweep.expectZhStyle();
  });
});

describe('the sweep covers what it claims', () => {
  it('every verdict reason, status note, error code and error reason is rendered', () => {
    const verdicts = new Set(verdictReports().map((r) => r.verdict.reason.key));
    expect([...verdicts].sort()).toEqual([...VERDICT_REASON_KEYS].sort());
    const notes = new Set([...verdictReports(), notesReport()].flatMap((r) => r.notes.map((n) => n.key)));
    const statusNotes = Object.keys(readLocale('status').notes as object).map((k) => `notes.${k}`);
    expect([...notes].sort()).toEqual([...statusNotes].sort());
    for (const key of AWS_NOTE_KEYS) expect(notes).toContain(key);
    const errors = medicErrors();
    const swept = [...errors, ...usageErrors(), ...remediationErrors()];
    expect(new Set(swept.map((e) => e.code))).toEqual(new Set(Object.values(ErrorCode)));
    const problemKeys = new Set(configProblems().map((p) => p.key));
    for (const key of CONFIG_CHECK_KEYS) expect(problemKeys, 'config problems rendered').toContain(key);
    const reasons = new Set(errors.map((e) => e.values.reason).filter((r) => typeof r === 'string'));
    for (const reason of Object.keys(readLocale('errors').reason as object))
      expect(reasons).toContain(reason);
  });

  it('flags English: the same renders in English fail the sweep', async () => {
    for (const area of [sweepStatus, sweepCensus, sweepRemediation, sweepErrors, sweepNotify]) {
      const sweep = new Sweep();
      await area('en', sweep);
      expect(sweep.leftovers.length, area.name).toBeGreaterThan(10);
    }
  });
});

/** The problems config and rules validation words itself (besides zod's own type messages). */
const CONFIG_CHECK_KEYS = [
  ...[
    'url_scheme',
    'url_port',
    'url_db_path',
    'watch_interval_min',
    'duplicate_cluster',
    'aws_needs_ids',
    'thresholds_order',
    'queue_is_target',
    'unknown_cluster_ref',
    'env_missing',
    'yaml_syntax',
    'api_url',
    'tls_needs_rediss',
    'tls_cert_and_key',
    'tls_servername_ip',
    'tls_file_unreadable',
    'tls_file_not_pem',
    'tls_key_mismatch',
    'tls_invalid',
  ].map((k) => `config:${k}`),
  ...Object.keys((readLocale('remediation').rule ?? {}) as object).map((k) => `remediation:rule.${k}`),
];

function readLocale(ns: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${LOCALES_DIR}/en/${ns}.json`, 'utf8')) as Record<string, unknown>;
}
