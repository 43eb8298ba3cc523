import type { AwsErrorKind, Note } from './types.js';

/** Every note key the AWS adapters emit, so the locale files can be checked against it. */
export const AWS_NOTE_KEYS = [
  'notes.aws_not_configured',
  'notes.aws_no_credentials',
  'notes.aws_bad_credentials',
  'notes.aws_access_denied',
  'notes.aws_throttled',
  'notes.aws_timeout',
  'notes.aws_cancelled',
  'notes.aws_unreachable',
  'notes.aws_replication_group_not_found',
  'notes.aws_error',
  'notes.aws_no_data',
  'notes.aws_metric_incomplete',
  'notes.aws_primary_fallback',
  'notes.aws_primary_guessed',
  'notes.aws_primary_role_unknown',
] as const;
export type AwsNoteKey = (typeof AWS_NOTE_KEYS)[number];

export type AwsAction =
  | 'cloudwatch:GetMetricData'
  | 'elasticache:DescribeReplicationGroups'
  // The burst hunt's evidence sources.
  | 'logs:StartQuery'
  | 'logs:GetQueryResults'
  | 'logs:StopQuery'
  | 'events:ListRules'
  | 'ecs:ListTasks'
  | 'ecs:DescribeTasks';

// Names differ by wire protocol: CloudWatch (JSON 1.0, query-compatible) surfaces the query code
// (`AccessDenied`, `Throttling`) when the x-amzn-query-error header is present and the JSON
// `__type` (`AccessDeniedException`, `ThrottlingException`) otherwise; ElastiCache (XML query)
// uses the query codes. Match both spellings.
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
]);
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'ProviderError']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NOT_FOUND = new Set(['ReplicationGroupNotFoundFault', 'CacheClusterNotFoundFault']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** The error's name (or system error code), never its message: messages can carry ARNs and account ids. */
export function awsErrorName(err: unknown): string {
  const name = field(err, 'name');
  const code = field(err, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  if (typeof code === 'string' && code !== '') return code;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  const name = awsErrorName(err);
  if (NO_CREDENTIALS.has(name)) return 'no_credentials';
  if (BAD_CREDENTIALS.has(name)) return 'bad_credentials';
  if (ACCESS_DENIED.has(name)) return 'access_denied';
  if (THROTTLED.has(name)) return 'throttled';
  if (TIMEOUT.has(name)) return 'timeout';
  if (name === 'AbortError') return 'cancelled';
  if (NETWORK_CODES.has(name)) return 'unreachable';
  if (NOT_FOUND.has(name)) return 'not_found';
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  if (status === 403) return 'access_denied';
  if (status === 429) return 'throttled';
  return 'other';
}

export interface AwsErrorContext {
  action: AwsAction;
  region: string;
  timeoutMs: number;
  replicationGroupId?: string;
}

export function awsErrorNote(err: unknown, ctx: AwsErrorContext): { kind: AwsErrorKind; note: Note } {
  const kind = classifyAwsError(err);
  const { action } = ctx;
  switch (kind) {
    case 'no_credentials':
      return { kind, note: { key: 'notes.aws_no_credentials' } };
    case 'bad_credentials':
      return { kind, note: { key: 'notes.aws_bad_credentials', values: { error: awsErrorName(err) } } };
    case 'access_denied':
      return { kind, note: { key: 'notes.aws_access_denied', values: { action } } };
    case 'throttled':
      return { kind, note: { key: 'notes.aws_throttled', values: { action } } };
    case 'timeout':
      return { kind, note: { key: 'notes.aws_timeout', values: { action, timeoutMs: ctx.timeoutMs } } };
    case 'cancelled':
      return { kind, note: { key: 'notes.aws_cancelled', values: { action } } };
    case 'unreachable':
      return {
        kind,
        note: {
          key: 'notes.aws_unreachable',
          values: { action, region: ctx.region, error: awsErrorName(err) },
        },
      };
    case 'not_found':
      if (ctx.replicationGroupId !== undefined) {
        return {
          kind,
          note: {
            key: 'notes.aws_replication_group_not_found',
            values: { replicationGroupId: ctx.replicationGroupId },
          },
        };
      }
      return { kind, note: { key: 'notes.aws_error', values: { action, error: awsErrorName(err) } } };
    default:
      return { kind, note: { key: 'notes.aws_error', values: { action, error: awsErrorName(err) } } };
  }
}

/** Kinds after which calling AWS again in the same request is pointless. */
export function isFatalForRequest(kind: AwsErrorKind): boolean {
  return (
    kind === 'no_credentials' || kind === 'bad_credentials' || kind === 'timeout' || kind === 'cancelled'
  );
}
