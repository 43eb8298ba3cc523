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
]);

export function isMedicError(err: unknown): err is MedicError {
  return err instanceof MedicError;
}
