/** A plan run's per-rule lines (progress message and summary): each rule's counters from the job's checkpoint. */
import { formatInt } from '../i18n/format.js';
import { escapeMrkdwn } from '../i18n/mrkdwn.js';
import type { Translate } from '../i18n/types.js';
import type { TtlJobData } from '../jobs/ttl-job.js';
import { planRuleCounters } from '../remediation/plan/applier.js';

export function planRuleLines(t: Translate, data: TtlJobData): string[] {
  const plan = data.plan;
  if (!plan) return [];
  const counters = planRuleCounters(data.checkpoint, plan.rules.length);
  return plan.rules.map((rule, i) =>
    t('approval:plan.progress_rule', {
      index: i + 1,
      rule: escapeMrkdwn(rule.name),
      changed: formatInt(counters[i]?.changed ?? 0, data.lang),
      skipped: formatInt(counters[i]?.skipped ?? 0, data.lang),
      expected: formatInt(plan.expected[i]?.toChange ?? 0, data.lang),
    }),
  );
}
