/**
 * A refusal of the remediation core (unknown rule, no safe strategy, a pattern the target cannot
 * settle): a MedicError whose code says why. A refusal never changes on retry.
 */
import { type ErrorCode, MedicError } from '../errors.js';

export class RemediationError extends MedicError {
  /** Tells a refusal from other MedicErrors where the type matters (a refusal is never retried). */
  readonly refusal = true;

  constructor(
    code: ErrorCode,
    values: Record<string, string | number> = {},
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(code, values, message, options);
    this.name = 'RemediationError';
  }
}

export function isRemediationError(err: unknown): err is RemediationError {
  return err instanceof RemediationError;
}
