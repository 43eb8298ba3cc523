/**
 * AWS failures met by a trend read are counted for /metrics by the note the adapter left (action and
 * kind), and only failures: "AWS not configured" or a primary fallback count nothing.
 */
import { describe, expect, it } from 'vitest';
import { countedTrend } from '../../src/monitoring/metrics/counted-trend.js';
import type { StatusTarget, TrendFetch } from '../../src/status/check-status.js';

const target = { name: 'c1' } as StatusTarget;
const window = { end: new Date(0), hours: 3 };

describe('countedTrend', () => {
  it('counts each failure note with its action and kind, and passes the result through', async () => {
    const result: TrendFetch = {
      ok: false,
      notes: [
        { key: 'notes.aws_throttled', values: { action: 'cloudwatch:GetMetricData' } },
        { key: 'notes.aws_access_denied', values: { action: 'elasticache:DescribeReplicationGroups' } },
        { key: 'notes.aws_not_configured' },
        { key: 'notes.aws_primary_fallback' },
      ],
    };
    const counted: string[] = [];
    const provider = countedTrend(
      async () => result,
      (action, kind) => counted.push(`${action} ${kind}`),
    );
    expect(await provider(target, window)).toBe(result);
    expect(counted).toEqual([
      'cloudwatch:GetMetricData throttled',
      'elasticache:DescribeReplicationGroups access_denied',
    ]);
  });
});
