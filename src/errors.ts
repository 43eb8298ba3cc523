/**
 * Errors every layer can raise. Callers branch on `code`; people read the localized text that
 * front ends build from `errors:<code>` and `values` (never from `message`, which is for logs).
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  ConfigUnreadable: 'config_unreadable',
  UnknownCluster: 'unknown_cluster',
  RedisUnreachable: 'redis_unreachable',
  RedisTimeout: 'redis_timeout',
  RedisAuth: 'redis_auth',
  RedisTls: 'redis_tls',
  RedisCommand: 'redis_command',
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
  /** A bug or an error nothing else classifies: worded as "unexpected error", never blamed on Redis. */
  Unexpected: 'unexpected',
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

/** Redis errors that mean "the target is not reachable as configured" (CLI exit code 2). */
export const TARGET_ERROR_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.RedisUnreachable,
  ErrorCode.RedisTimeout,
  ErrorCode.RedisAuth,
  ErrorCode.RedisTls,
  ErrorCode.RedisPermission,
  ErrorCode.CensusInterrupted,
]);

export function isMedicError(err: unknown): err is MedicError {
  return err instanceof MedicError;
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
