/**
 * EventBridge rules for the burst hunt: every rule of the bus (ListRules, paged), kept when its
 * name contains one of the configured filters, with its schedule and state, as the runbook's
 * `contains(Name, …)` query does.
 */
import { type EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { bounded } from './deadline.js';
import { retryThrottled } from './throttle-retry.js';

/** Page guard: 100 pages × 100 rules is far past EventBridge's default quota per bus. */
const MAX_PAGES = 100;

export interface ListedRule {
  name: string;
  state: string;
  scheduleExpression?: string;
}

export async function listMatchingRules(
  events: EventBridgeClient,
  opts: { nameFilters: string[]; eventBusName?: string; signal?: AbortSignal },
): Promise<ListedRule[]> {
  const filters = opts.nameFilters.map((f) => f.toLowerCase());
  const out: ListedRule[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await retryThrottled(
      () =>
        bounded(
          (abortSignal) =>
            events.send(
              new ListRulesCommand({
                ...(opts.eventBusName ? { EventBusName: opts.eventBusName } : {}),
                ...(nextToken ? { NextToken: nextToken } : {}),
                Limit: 100,
              }),
              { abortSignal },
            ),
          opts.signal,
        ),
      opts.signal ? { signal: opts.signal } : {},
    );
    for (const rule of res.Rules ?? []) {
      const name = rule.Name ?? '';
      if (filters.length > 0 && !filters.some((f) => name.toLowerCase().includes(f))) continue;
      out.push({
        name,
        state: rule.State ?? 'UNKNOWN',
        ...(rule.ScheduleExpression ? { scheduleExpression: rule.ScheduleExpression } : {}),
      });
    }
    nextToken = res.NextToken;
    if (!nextToken) break;
  }
  return out;
}
