/**
 * The rule a plan job carries as its `TtlRunRequest.rule`: it names the plan in the control record,
 * the timeline and the progress message, and its glob is the plan's SCAN filter (scan-filter.ts).
 * The job never applies it: the plan's applier applies the plan's own rules.
 */

import type { RiskLevel, TtlRule } from '../types.js';
import { RISK_ORDER_LIST } from './risk.js';
import { unionFilter } from './scan-filter.js';

export function planRunRule(planId: string, rules: readonly TtlRule[]): TtlRule {
  const risk = rules.reduce<RiskLevel>(
    (worst, r) => (RISK_ORDER_LIST.indexOf(r.risk) > RISK_ORDER_LIST.indexOf(worst) ? r.risk : worst),
    'low',
  );
  return {
    name: planId.slice(0, 100),
    match: unionFilter(rules.map((r) => r.match)),
    action: 'set-missing',
    ttlSec: Math.max(...rules.map((r) => r.ttlSec)),
    jitter: 0,
    includeMissing: false,
    allowBroad: false,
    risk,
  };
}
