import { z } from 'zod';
import { formatPath } from '../config/interpolate.js';
import { ConfigInvalidError, type ConfigProblem, readConfigText, readYaml } from '../config/load.js';
import {
  checkRuleSet,
  DEFAULT_QUEUE_PREFIX,
  type RawTtlRule,
  ruleShapes,
  type TtlRuleConfig,
  toRuleConfig,
  ttlRuleSchema,
} from '../config/rule-schema.js';
import type { MedicConfig } from '../config/types.js';
import { ErrorCode } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import { RemediationError } from './errors.js';
import type { DryRun, RiskLevel, TtlRule } from './types.js';

export {
  DEFAULT_JITTER,
  MAX_JITTER,
  MAX_TTL_SEC,
  parseDuration,
  parseJitter,
  protectedPrefixes,
} from '../config/rule-schema.js';

// The config's rule shape and the remediation rule are the same thing (the config layer may not
// import the core): this line fails to compile the day they drift apart.
const _sameShape: [TtlRule, TtlRuleConfig] = [{} as TtlRuleConfig, {} as TtlRule];
void _sameShape;

export interface RulesContext {
  /** Cluster names the config knows; a rule naming another is refused. Unknown: not checked. */
  clusters?: readonly string[];
  /** The bot's key prefix on the queue Redis (`queue.prefix`). @defaultValue 'redis-medic' */
  queuePrefix?: string;
  /** Language of zod's own messages (type errors). @defaultValue 'en' */
  lang?: Lang;
}

export type RulesResult = { ok: true; rules: TtlRule[] } | { ok: false; problems: ConfigProblem[] };

/** The context a loaded config gives: its clusters and queue prefix. */
export function rulesContext(config: MedicConfig | undefined, lang: Lang = 'en'): RulesContext {
  return config
    ? { clusters: config.clusters.map((c) => c.name), queuePrefix: config.queue.prefix, lang }
    : { queuePrefix: DEFAULT_QUEUE_PREFIX, lang };
}

/**
 * A rules document (YAML with a top-level `rules:` list; other top-level keys are ignored, so the
 * main config file is a valid rules file) → validated rules, or every problem with its path.
 */
export function parseRules(text: string, ctx: RulesContext = {}): RulesResult {
  const yaml = readYaml(text);
  if (!yaml.ok) return yaml;
  const data = yaml.data;
  if (!data || typeof data !== 'object' || !('rules' in data)) {
    return { ok: false, problems: [{ path: 'rules', key: 'remediation:rule.no_rules_list' }] };
  }
  z.config(ctx.lang === 'zh' ? z.locales.zhCN() : z.locales.en());
  const list = rulesListSchema.safeParse(data);
  const problems: ConfigProblem[] = [];
  if (!list.success) {
    for (const issue of list.error.issues) problems.push(toProblem(issue.path, issue));
    return { ok: false, problems };
  }
  if (list.data.rules.length === 0) {
    return { ok: false, problems: [{ path: 'rules', key: 'remediation:rule.empty_rules_list' }] };
  }
  // Every problem in one report: each rule on its own, then the checks across rules (duplicate
  // names, unknown clusters, the bot's keys) over every rule whose shape is right, even when one of
  // its values is refused.
  list.data.rules.forEach((item, i) => {
    const parsed = ttlRuleSchema.safeParse(item);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) problems.push(toProblem(['rules', i, ...issue.path], issue));
  });
  const rules = ruleShapes(list.data.rules);
  checkRuleSet(
    rules,
    {
      ...(ctx.clusters ? { clusters: ctx.clusters } : {}),
      queuePrefix: ctx.queuePrefix ?? DEFAULT_QUEUE_PREFIX,
    },
    (path, key, values = {}) => problems.push({ path: formatPath(['rules', ...path]), key, values }),
  );
  const valid = rules.filter((r): r is RawTtlRule => r !== undefined);
  if (problems.length > 0 || valid.length !== rules.length) return { ok: false, problems };
  return { ok: true, rules: valid.map(toRuleConfig) };
}

/** The top level of a rules file: a `rules:` list, each item checked on its own above. */
const rulesListSchema = z.object({ rules: z.array(z.unknown()) });

function toProblem(path: readonly PropertyKey[], issue: z.core.$ZodIssue): ConfigProblem {
  const at = formatPath(path);
  if (issue.code === 'custom' && issue.params && typeof issue.params.i18n === 'string') {
    const { i18n, ...values } = issue.params as Record<string, string | number>;
    return { path: at, key: String(i18n), values };
  }
  return { path: at, text: issue.message };
}

/**
 * Reads and validates a rules file. Unreadable → `MedicError(config_unreadable)`; invalid →
 * `ConfigInvalidError` (every problem, path-named), which the CLI prints like a bad config.
 */
export function loadRulesFile(path: string, ctx: RulesContext = {}): TtlRule[] {
  const text = readConfigText(path);
  const result = parseRules(text, ctx);
  if (!result.ok) throw new ConfigInvalidError(path, result.problems, 'rules');
  return result.rules;
}

/**
 * The rules that apply to `cluster` (theirs, and those that name no cluster), or the one named
 * `name`. A named rule that doesn't exist, or belongs to another cluster, is a `RemediationError`;
 * so is an empty selection.
 */
export function selectRules(rules: readonly TtlRule[], cluster: string, name?: string): TtlRule[] {
  if (name !== undefined) {
    const rule = rules.find((r) => r.name === name);
    if (!rule) {
      throw new RemediationError(ErrorCode.UnknownRule, {
        name,
        known: rules.map((r) => r.name).join(', ') || '—',
      });
    }
    if (rule.cluster !== undefined && rule.cluster !== cluster) {
      throw new RemediationError(ErrorCode.RuleForOtherCluster, {
        name,
        cluster: rule.cluster,
        target: cluster,
      });
    }
    return [rule];
  }
  const selected = rules.filter((r) => r.cluster === undefined || r.cluster === cluster);
  if (selected.length === 0) throw new RemediationError(ErrorCode.NoRulesForTarget, { target: cluster });
  return selected;
}

const RISK_ORDER: Readonly<Record<RiskLevel, number>> = { low: 0, medium: 1, unknown: 2, high: 3 };

/**
 * Execution order, smallest impact first, as the runbook does: lower risk first (low, medium,
 * unknown, high), then fewer keys to change, then fewer bytes, then by name. The runbook's four
 * rules come out in its own order: exchange-price (473), coupon-unread (147 K), last-activity
 * (374 K, low: it only shortens TTLs), user-group-label (177 K, medium).
 */
export function planRules<T extends Pick<DryRun, 'rule' | 'toChange' | 'bytesToFree'>>(
  dryRuns: readonly T[],
): T[] {
  return [...dryRuns].sort(
    (a, b) =>
      RISK_ORDER[a.rule.risk] - RISK_ORDER[b.rule.risk] ||
      a.toChange - b.toChange ||
      a.bytesToFree - b.bytesToFree ||
      (a.rule.name < b.rule.name ? -1 : a.rule.name > b.rule.name ? 1 : 0),
  );
}

/** Whether a matching key with this PTTL (ms; -1 = no TTL) gets a new TTL under the rule. */
export function changesKey(
  rule: Pick<TtlRule, 'action' | 'ttlSec' | 'includeMissing'>,
  pttlMs: number,
): boolean {
  if (pttlMs === -1) return rule.action === 'set-missing' || rule.includeMissing;
  if (pttlMs < 0) return false;
  return rule.action === 'cap' && pttlMs > rule.ttlSec * 1000;
}

/** The jittered TTL range in ms: [ttl·(1−jitter), ttl], never above the stated TTL, at least 1 ms. */
export function ttlRangeMs(rule: Pick<TtlRule, 'ttlSec' | 'jitter'>): { minMs: number; maxMs: number } {
  const maxMs = rule.ttlSec * 1000;
  const minMs = Math.max(1, Math.ceil(maxMs * (1 - rule.jitter)));
  return { minMs, maxMs };
}
