/**
 * Counts the AWS failures a trend read met (for `/metrics`): the AWS adapters turn each failure into
 * a note with a stable key and the action it was (`cloudwatch:GetMetricData`…), so the trend
 * provider's result is the one place they all pass.
 */
import type { TrendProvider } from '../../status/check-status.js';

/** Note keys that mean an AWS call failed (not "AWS not configured", "no data yet" or a fallback). */
const FAILURE_KINDS: Record<string, string> = {
  'notes.aws_no_credentials': 'no_credentials',
  'notes.aws_bad_credentials': 'bad_credentials',
  'notes.aws_access_denied': 'access_denied',
  'notes.aws_throttled': 'throttled',
  'notes.aws_timeout': 'timeout',
  'notes.aws_unreachable': 'unreachable',
  'notes.aws_replication_group_not_found': 'replication_group_not_found',
  'notes.aws_error': 'error',
};

export function countedTrend(
  provider: TrendProvider,
  awsError: (action: string, kind: string) => void,
): TrendProvider {
  return async (target, window) => {
    const result = await provider(target, window);
    for (const note of result.notes) {
      const kind = FAILURE_KINDS[note.key];
      if (!kind) continue;
      const action = note.values?.action;
      awsError(typeof action === 'string' ? action : 'aws', kind);
    }
    return result;
  };
}
