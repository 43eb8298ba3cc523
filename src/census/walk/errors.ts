/**
 * How a census walk fails: a consumer's own error handed back as it is, losing the server mid-walk
 * as `census_interrupted` with the progress, anything else as the classified Redis error.
 */
import { ErrorCode, MedicError } from '../../errors.js';
import { classifyRedisError } from '../../redis/errors.js';

const CONNECTION_CODES: ReadonlySet<string> = new Set([ErrorCode.RedisUnreachable, ErrorCode.RedisTimeout]);

/** An error thrown by `onPage`: handed back as it is, not classified as a Redis error. */
// Internal: unwrapped to the consumer's own error before the walk returns; never reaches a person.
export class ConsumerFailure extends Error {
  constructor(readonly original: unknown) {
    super('onPage failed');
  }
}

// Internal: turned into a MedicError `census_interrupted` before the walk returns; never reaches a person.
export class InterruptedSignal extends Error {
  constructor(
    readonly node: string,
    readonly reason: 'connection_lost' | 'timeout' | 'restarted',
    readonly original?: unknown,
  ) {
    super(`census interrupted on ${node}: ${reason}`);
  }
}

/** A primary's walker as the error mapping sees it. */
export interface FailedWalker {
  readonly address: string;
  readonly failed: unknown;
}

/**
 * What the caller gets. Before the first page (INFO, DBSIZE, SCRIPT LOAD) a failure is the plain
 * classified error; once walking, losing the server is `census_interrupted` with the progress.
 */
export function walkError(
  err: unknown,
  walkers: readonly FailedWalker[],
  progress: { scanned: number; total: number },
  walking: boolean,
): unknown {
  if (err instanceof ConsumerFailure) return err.original;
  if (err instanceof RangeError) return err;
  if (!walking) {
    const node =
      err instanceof InterruptedSignal ? err.node : (walkers.find((w) => w.failed === err)?.address ?? '?');
    if (err instanceof InterruptedSignal) {
      return new MedicError(ErrorCode.RedisTimeout, { target: node }, `no answer from ${node}`, {
        cause: err,
      });
    }
    return classifyRedisError(err, node);
  }
  const scanned = progress.scanned;
  const total = progress.total;
  const interrupted = (node: string, reason: string, cause: unknown) =>
    new MedicError(
      ErrorCode.CensusInterrupted,
      { target: node, scanned, total, reason },
      `census interrupted on ${node} after ${scanned} keys: ${reason}`,
      { cause },
    );
  if (err instanceof InterruptedSignal) {
    return interrupted(err.node, err.reason, err.original ?? err);
  }
  const node = walkers.find((w) => w.failed === err)?.address ?? walkers[0]?.address ?? '?';
  const classified = classifyRedisError(err, node);
  if (CONNECTION_CODES.has(classified.code)) {
    return interrupted(
      node,
      classified.code === ErrorCode.RedisTimeout ? 'timeout' : 'connection_lost',
      classified,
    );
  }
  return classified;
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof InterruptedSignal) return true;
  const code = classifyRedisError(err, '').code;
  return CONNECTION_CODES.has(code);
}
