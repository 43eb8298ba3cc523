/**
 * A remediation step refused or failed for a reason people should read: `key` is an i18n key under
 * `remediation:` with raw `values`, localized by the front end (CLI, Slack) with the reader's `t`.
 */
export class RemediationError extends Error {
  constructor(
    readonly key: string,
    readonly values: Record<string, string | number> = {},
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? key, options);
    this.name = 'RemediationError';
  }
}

export function isRemediationError(err: unknown): err is RemediationError {
  return err instanceof RemediationError;
}
