/**
 * The one error model. Every error the product raises is a MedicError (or a subclass): callers
 * branch on `code`; people read the localized sentence `errors:<code>` built from raw `values`
 * (never from `message`, which is for logs); the CLI exits with `ERROR_EXIT[code]`.
 */
import { randomUUID } from 'node:crypto';

export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  /** A `--rules` file with problems (the config's own `rules:` are `config_invalid`). */
  RulesFileInvalid: 'rules_file_invalid',
  ConfigUnreadable: 'config_unreadable',
  UnknownCluster: 'unknown_cluster',
  RedisUnreachable: 'redis_unreachable',
  /** The bot's own queue Redis (`queue.url`) cannot be connected to; `values.queue` is its URL without credentials. */
  QueueUnreachable: 'queue_unreachable',
  RedisTimeout: 'redis_timeout',
  RedisAuth: 'redis_auth',
  RedisTls: 'redis_tls',
  RedisCommand: 'redis_command',
  /** Something answers on the target's port, but not in the Redis protocol (an HTTP server, say). */
  NotRedis: 'not_redis',
  /** Cluster mode was asked for, but the server has cluster support disabled (a standalone Redis). */
  NotACluster: 'not_a_cluster',
  /** A key census stopped mid-walk: connection lost, server restarted, or a call timed out. */
  CensusInterrupted: 'census_interrupted',
  RedisPermission: 'redis_permission',
  CensusDiffClusterMismatch: 'census_diff_cluster_mismatch',
  CensusDiffMatchMismatch: 'census_diff_match_mismatch',
  /** A cluster target's URL names a DB other than 0 (a Redis Cluster has only DB 0). */
  ClusterDb: 'cluster_db',
  /** A standalone target's URL names a DB the server cannot SELECT (out of range, or not allowed by ACL). */
  NoSuchDb: 'no_such_db',
  /** The target is the server the bot's own queue Redis lives on: never remediated. */
  QueueIsTarget: 'queue_is_target',
  /** A TTL run's memory guard waited longer than its timeout for memory to fall; the checkpoint is kept. */
  MemoryGuardTimeout: 'memory_guard_timeout',
  /** A scheduled plan's start-time re-count of `values.rule` drifted from its dry-run: nothing was written. */
  PlanDrift: 'plan_drift',
  /** A failure the code can name (`values.reason` or `values.detail`) but nobody should meet: worded as "unexpected error". */
  Unexpected: 'unexpected',
  /** A thrown value that is not a MedicError (a bug): one line with the `ref` its log entry carries. */
  Internal: 'internal',
  /** A proxy variable (`HTTPS_PROXY`…) is not an http(s) URL; `values.variable` names it (never the value). */
  ProxyUrl: 'proxy_url',
  /** SLACK_API_URL is set but is not an http(s) URL. */
  SlackApiUrl: 'slack_api_url',
  /** Slack refused the bot token (`values.method` failed with `values.error`, e.g. invalid_auth). */
  SlackTokenRefused: 'slack_token_refused',
  /** The Slack Web API could not be reached (`values.method` at `values.host`, `values.detail` says why). */
  SlackUnreachable: 'slack_unreachable',
  // Refusals of the remediation core: the rule, the pattern or the target cannot be handled safely.
  UnknownRule: 'unknown_rule',
  RuleForOtherCluster: 'rule_for_other_cluster',
  NoRulesForTarget: 'no_rules_for_target',
  OptionsNeed7: 'options_need_7',
  ReplicaTarget: 'replica_target',
  GlobRangeUnknown: 'glob_range_unknown',
  KeysNotMatched: 'keys_not_matched',
  NoSafeStrategy: 'no_safe_strategy',
  // Bad command-line arguments.
  RedisOrCluster: 'redis_or_cluster',
  BadRedisUrl: 'bad_redis_url',
  RedisUrlDbQuery: 'redis_url_db_query',
  /** `--redis` has a port outside 1–65535; `values.port` as written. */
  RedisUrlPort: 'redis_url_port',
  RedisUrlUserinfo: 'redis_url_userinfo',
  /** `--redis` has a path that is not a DB number; `values.path` as written. */
  RedisUrlDb: 'redis_url_db',
  ConfigRequired: 'config_required',
  /** A `--cluster NAME` the config does not list; `values.known` lists the ones it does. */
  ClusterNotInConfig: 'cluster_not_in_config',
  EnvMissing: 'env_missing',
  ClusterRequired: 'cluster_required',
  NeedTwoSnapshots: 'need_two_snapshots',
  /** `keys diff --from/--to ID` names no stored census of the cluster; `values.available` lists those that are. */
  UnknownSnapshot: 'unknown_snapshot',
  RunNeedsYes: 'run_needs_yes',
  RulesRequired: 'rules_required',
  RunNeedsConfig: 'run_needs_config',
  /**
   * Another TTL run holds the cluster's run lease (one run per cluster at a time): `values.owner`
   * is its run id, `values.actor` who started it, `values.startedAt` when (UTC date and time).
   */
  TtlRunInProgress: 'ttl_run_in_progress',
  BadDeadline: 'bad_deadline',
  /** A `--match` glob opens a `[` class that no `]` closes. */
  GlobUnclosed: 'glob_unclosed',
  /** `--deadline` is a real date, but already past everywhere on Earth. */
  DeadlinePast: 'deadline_past',
  IncidentOrCluster: 'incident_or_cluster',
  UnknownIncident: 'unknown_incident',
  OutRequired: 'out_required',
  /** `monitoring export` could not create the folder or write a file; `values.errno` is the errno code. */
  ExportWriteFailed: 'export_write_failed',
  /** A burst hunt time that is neither ISO 8601 nor a local date/time; `values.quoted`: the text as written, in quotes. */
  BurstBadTime: 'burst_bad_time',
  BurstWindowOrder: 'burst_window_order',
  BurstWindowFuture: 'burst_window_future',
  BurstWindowTooLong: 'burst_window_too_long',
  /** `--time-zone` is not an IANA time zone; `values.zone` as written. */
  BurstBadTimeZone: 'burst_bad_time_zone',
  // Capacity and eviction-policy advice: what AWS or the node catalog could not give.
  /** An AWS call was denied: `values.action` is the IAM action to grant. */
  AwsAccessDenied: 'aws_access_denied',
  /** AWS kept throttling `values.action` after the retries. */
  AwsThrottled: 'aws_throttled',
  AwsNoCredentials: 'aws_no_credentials',
  AwsReplicationGroupNotFound: 'aws_replication_group_not_found',
  /** Any other AWS failure: `values.action` and the error's name (`values.error`), never its message. */
  AwsCallFailed: 'aws_call_failed',
  /** The cluster has no `aws:` block (or names no replication group), so ElastiCache cannot be asked. */
  AwsNotConfigured: 'aws_not_configured',
  /** A node type the node catalog does not list (`values.nodeType`): no price, no memory, no advice. */
  UnknownNodeType: 'unknown_node_type',
  /** The node catalog file (or its override) is not valid: `values.path`, `values.reason` (`errors:reason.*`), `values.field`. */
  NodeCatalogInvalid: 'node_catalog_invalid',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class MedicError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly values: Record<string, string | number> = {},
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? code, options);
    this.name = 'MedicError';
  }
}

export const EXIT_OK = 0;
/** Bad usage or configuration, a refusal, or an unexpected error. */
export const EXIT_USAGE = 1;
/** The target is not reachable as configured. */
export const EXIT_UNREACHABLE = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_USAGE | typeof EXIT_UNREACHABLE;

/** The CLI exit code of every error code (a `Record`, so a new code without one does not compile). */
export const ERROR_EXIT: Readonly<Record<ErrorCode, ExitCode>> = {
  config_invalid: EXIT_USAGE,
  rules_file_invalid: EXIT_USAGE,
  config_unreadable: EXIT_USAGE,
  unknown_cluster: EXIT_USAGE,
  redis_unreachable: EXIT_UNREACHABLE,
  queue_unreachable: EXIT_UNREACHABLE,
  redis_timeout: EXIT_UNREACHABLE,
  redis_auth: EXIT_UNREACHABLE,
  redis_tls: EXIT_UNREACHABLE,
  redis_command: EXIT_USAGE,
  not_redis: EXIT_UNREACHABLE,
  not_a_cluster: EXIT_USAGE,
  census_interrupted: EXIT_UNREACHABLE,
  redis_permission: EXIT_UNREACHABLE,
  census_diff_cluster_mismatch: EXIT_USAGE,
  census_diff_match_mismatch: EXIT_USAGE,
  cluster_db: EXIT_USAGE,
  no_such_db: EXIT_USAGE,
  queue_is_target: EXIT_USAGE,
  memory_guard_timeout: EXIT_USAGE,
  plan_drift: EXIT_USAGE,
  unexpected: EXIT_USAGE,
  internal: EXIT_USAGE,
  proxy_url: EXIT_USAGE,
  slack_api_url: EXIT_USAGE,
  slack_token_refused: EXIT_USAGE,
  slack_unreachable: EXIT_UNREACHABLE,
  unknown_rule: EXIT_USAGE,
  rule_for_other_cluster: EXIT_USAGE,
  no_rules_for_target: EXIT_USAGE,
  options_need_7: EXIT_USAGE,
  replica_target: EXIT_USAGE,
  glob_range_unknown: EXIT_USAGE,
  keys_not_matched: EXIT_USAGE,
  no_safe_strategy: EXIT_USAGE,
  redis_or_cluster: EXIT_USAGE,
  bad_redis_url: EXIT_USAGE,
  redis_url_db_query: EXIT_USAGE,
  redis_url_port: EXIT_USAGE,
  redis_url_userinfo: EXIT_USAGE,
  redis_url_db: EXIT_USAGE,
  config_required: EXIT_USAGE,
  cluster_not_in_config: EXIT_USAGE,
  env_missing: EXIT_USAGE,
  cluster_required: EXIT_USAGE,
  need_two_snapshots: EXIT_USAGE,
  unknown_snapshot: EXIT_USAGE,
  run_needs_yes: EXIT_USAGE,
  rules_required: EXIT_USAGE,
  run_needs_config: EXIT_USAGE,
  ttl_run_in_progress: EXIT_USAGE,
  bad_deadline: EXIT_USAGE,
  glob_unclosed: EXIT_USAGE,
  deadline_past: EXIT_USAGE,
  incident_or_cluster: EXIT_USAGE,
  unknown_incident: EXIT_USAGE,
  out_required: EXIT_USAGE,
  export_write_failed: EXIT_USAGE,
  burst_bad_time: EXIT_USAGE,
  burst_window_order: EXIT_USAGE,
  burst_window_future: EXIT_USAGE,
  burst_window_too_long: EXIT_USAGE,
  burst_bad_time_zone: EXIT_USAGE,
  aws_access_denied: EXIT_USAGE,
  aws_throttled: EXIT_USAGE,
  aws_no_credentials: EXIT_USAGE,
  aws_replication_group_not_found: EXIT_USAGE,
  aws_call_failed: EXIT_USAGE,
  aws_not_configured: EXIT_USAGE,
  unknown_node_type: EXIT_USAGE,
  node_catalog_invalid: EXIT_USAGE,
};

export function isMedicError(err: unknown): err is MedicError {
  return err instanceof MedicError;
}

/** Where an unknown error's stack goes (a pino logger fits). */
export interface ErrorLog {
  error(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Any thrown value as a MedicError. One that is not already (a bug) becomes `internal` with a
 * correlation id `ref`: the stack goes to `log` under that id, people see one line naming it.
 */
export function asMedicError(err: unknown, log?: ErrorLog): MedicError {
  if (isMedicError(err)) return err;
  const ref = randomUUID().slice(0, 8);
  const message = errorMessage(err);
  log?.error(
    {
      ref,
      err: redactLine(message),
      stack: err instanceof Error && err.stack ? redact(err.stack) : undefined,
    },
    'unexpected error',
  );
  return new MedicError(ErrorCode.Internal, { ref, detail: redactLine(message) }, message, { cause: err });
}

/** Strips `user:password@` from anything that looks like a URL. */
export function redact(text: string): string {
  return text.replace(/(rediss?:\/\/)[^@\s/]*@/gi, '$1***@');
}

/** The first line, no credentials, at most 200 characters: what a person may see of an unknown error. */
function redactLine(message: string): string {
  const line = redact(message.split('\n')[0] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Why a file could not be read, as an `errors:reason.*` key (the errno code belongs in the log message). */
export function fileReadReason(
  err: unknown,
): 'file_not_found' | 'file_permission' | 'file_is_directory' | 'file_io' {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'file_not_found';
  if (code === 'EACCES' || code === 'EPERM') return 'file_permission';
  if (code === 'EISDIR') return 'file_is_directory';
  return 'file_io';
}

/** An error's message (or the thrown value as text), for logs and wrapped errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
