/**
 * The `rules:` section (of the main config, or of a rules file on its own): TTL remediation rules.
 * Pure: durations, jitter, and the glob checks that refuse a rule which could reach far more keys
 * than intended (no literal prefix) or the bot's own keys on the queue Redis.
 *
 * Problems are zod custom issues carrying a `remediation:rule.*` i18n key, so they come out
 * path-named (`rules[2].ttl: …`) exactly like the rest of the config's problems.
 */
import { z } from 'zod';
import { globHasUnclosedClass, globMayMatchPrefix, literalPrefix } from '../keyspace/glob.js';

export const TTL_ACTIONS = ['set-missing', 'cap'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'unknown'] as const;

/** A TTL above this (ten 365-day years) is refused: almost certainly a unit mistake. */
export const MAX_TTL_SEC = 10 * 365 * 86_400;
/** Jitter spreads TTLs over [ttl·(1−j), ttl] (j a fraction: 0.1 = 10 %); more than half would make the stated TTL meaningless. */
export const MAX_JITTER = 0.5;
export const DEFAULT_JITTER = 0.1;
/** What BullMQ puts in front of its keys when no prefix is given. */
export const BULLMQ_DEFAULT_PREFIX = 'bull';
export const DEFAULT_QUEUE_PREFIX = 'redis-medic';

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `60d`, `12h`, `90m`, `30s`, `1.5d` or plain seconds (a number, or a string of digits) → whole
 * seconds. Undefined when the text is not a duration; a zero or negative value is returned as is
 * (the caller refuses it with its own message).
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value) : undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([smhdSMHD]?)\s*$/.exec(value);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()] as number;
  return Math.round(Number(m[1]) * unit);
}

/**
 * Jitter as written → a fraction of the TTL. `10%` (or `10 %`) is a percent; a plain number (or a
 * string of one) below 1 is already a fraction (`0.1` = 10 %), matching the documented range
 * [ttl·(1−j), ttl]. A plain number of 1 or more could mean either (`10`: 10 % or 1000 %?) and is
 * refused, as is anything that is not a number: undefined in both cases (`jitterProblem` says which).
 */
export function parseJitter(value: string | number): number | undefined {
  const read = readJitter(value);
  return read.kind === 'ok' ? read.fraction : undefined;
}

type JitterRead = { kind: 'ok'; fraction: number } | { kind: 'ambiguous'; number: number } | { kind: 'bad' };

function readJitter(value: string | number): JitterRead {
  let plain: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { kind: 'bad' };
    plain = value;
  } else {
    const pct = /^\s*(-?\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (pct) return { kind: 'ok', fraction: Number(pct[1]) / 100 };
    const num = /^\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
    if (!num) return { kind: 'bad' };
    plain = Number(num[1]);
  }
  return plain >= 1 ? { kind: 'ambiguous', number: plain } : { kind: 'ok', fraction: plain };
}

/** The i18n problem of a jitter value (with its values), or undefined when it is usable. */
export function jitterProblem(
  value: string | number,
): { key: string; values: Record<string, string | number> } | undefined {
  const read = readJitter(value);
  const shown = String(value);
  if (read.kind === 'bad') return { key: 'remediation:rule.bad_jitter', values: { value: shown } };
  if (read.kind === 'ambiguous') {
    // Both readings spelled out, so the fix is a copy-paste: `10%`, or `0.1` as a fraction.
    return {
      key: 'remediation:rule.jitter_ambiguous',
      values: { value: shown, percent: `${read.number}%`, fraction: String(read.number / 100) },
    };
  }
  if (read.fraction < 0 || read.fraction > MAX_JITTER)
    return { key: 'remediation:rule.jitter_range', values: { value: shown, max: MAX_JITTER * 100 } };
  return undefined;
}

/** Key prefixes (with their `:`) of what the bot itself stores, that no rule may reach. */
export function protectedPrefixes(queuePrefix: string = DEFAULT_QUEUE_PREFIX): string[] {
  return [...new Set([`${queuePrefix}:`, `${BULLMQ_DEFAULT_PREFIX}:`])];
}

// ---------------------------------------------------------------------------------------------
// Schema

const ruleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
const clusterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
const durationInput = z.union([z.number(), z.string()]);

/** One rule as written in YAML (kebab-case keys, as in the issue and the draft-rule button). */
export const rawTtlRuleSchema = z
  .object({
    name: ruleName,
    cluster: clusterName.optional(),
    match: z.string().min(1).max(1024),
    action: z.enum(TTL_ACTIONS),
    ttl: durationInput,
    jitter: durationInput.optional(),
    'include-missing': z.boolean().default(false),
    'allow-broad': z.boolean().default(false),
    risk: z.enum(RISK_LEVELS).default('unknown'),
    note: z.string().max(500).optional(),
    expected: z.number().int().gte(0).optional(),
  })
  .strict();

export type RawTtlRule = z.infer<typeof rawTtlRuleSchema>;

/** A validated rule with every default applied (same shape as remediation's `TtlRule`). */
export interface TtlRuleConfig {
  name: string;
  cluster?: string;
  match: string;
  action: (typeof TTL_ACTIONS)[number];
  ttlSec: number;
  jitter: number;
  includeMissing: boolean;
  allowBroad: boolean;
  risk: (typeof RISK_LEVELS)[number];
  note?: string;
  expected?: number;
}

type Issue = (path: (string | number)[], key: string, values?: Record<string, string | number>) => void;

/** Checks of one rule on its own (ttl, jitter, literal prefix). Paths are relative to the rule. */
export function checkRule(rule: RawTtlRule, issue: Issue): void {
  const ttl = parseDuration(rule.ttl);
  if (ttl === undefined) issue(['ttl'], 'remediation:rule.bad_duration', { value: String(rule.ttl) });
  else if (ttl <= 0) issue(['ttl'], 'remediation:rule.ttl_not_positive', { value: String(rule.ttl) });
  else if (ttl > MAX_TTL_SEC) issue(['ttl'], 'remediation:rule.ttl_too_long', { value: String(rule.ttl) });
  if (rule.jitter !== undefined) {
    const problem = jitterProblem(rule.jitter);
    if (problem) issue(['jitter'], problem.key, problem.values);
  }
  if (globHasUnclosedClass(rule.match)) {
    issue(['match'], 'remediation:rule.unclosed_class', { match: rule.match });
  } else if (!rule['allow-broad'] && literalPrefix(rule.match) === '') {
    issue(['match'], 'remediation:rule.no_literal_prefix', { match: rule.match });
  }
}

/**
 * Checks across a list of rules: duplicate names, clusters the config doesn't know (when the list
 * of clusters is known), and patterns that could reach the bot's own keys. Paths are relative to
 * the list.
 */
export function checkRuleSet(
  rules: readonly (RawTtlRule | undefined)[],
  ctx: { clusters?: readonly string[]; queuePrefix?: string },
  issue: Issue,
): void {
  const seen = new Map<string, number>();
  const protectedList = protectedPrefixes(ctx.queuePrefix);
  rules.forEach((rule, i) => {
    // A rule whose shape is wrong (reported on its own) has no name or pattern to compare.
    if (rule === undefined) return;
    const first = seen.get(rule.name);
    if (first !== undefined)
      issue([i, 'name'], 'remediation:rule.duplicate_name', { name: rule.name, first });
    else seen.set(rule.name, i);
    if (rule.cluster !== undefined && ctx.clusters && !ctx.clusters.includes(rule.cluster)) {
      issue([i, 'cluster'], 'remediation:rule.unknown_cluster', {
        name: rule.cluster,
        known: ctx.clusters.join(', '),
      });
    }
    if (!rule['allow-broad']) {
      const hit = protectedList.find((p) => globMayMatchPrefix(rule.match, p));
      if (hit)
        issue([i, 'match'], 'remediation:rule.matches_bot_keys', { match: rule.match, prefix: `${hit}*` });
    }
  });
}

/**
 * The items of a rules list that have a rule's shape (a refused value such as `ttl: soon` included),
 * by position; the others are undefined. What the checks across rules can still compare.
 */
export function ruleShapes(items: readonly unknown[]): (RawTtlRule | undefined)[] {
  return items.map((item) => {
    const shape = rawTtlRuleSchema.safeParse(item);
    return shape.success ? shape.data : undefined;
  });
}

export const ttlRuleSchema = rawTtlRuleSchema.superRefine((rule, ctx) =>
  checkRule(rule, (path, key, values = {}) =>
    ctx.addIssue({ code: 'custom', path, message: key, params: { i18n: key, ...values } }),
  ),
);

/** Raw (validated) rule → the rule the engine runs. */
export function toRuleConfig(raw: RawTtlRule): TtlRuleConfig {
  return {
    name: raw.name,
    ...(raw.cluster !== undefined ? { cluster: raw.cluster } : {}),
    match: raw.match,
    action: raw.action,
    ttlSec: parseDuration(raw.ttl) as number,
    jitter: raw.jitter === undefined ? DEFAULT_JITTER : (parseJitter(raw.jitter) as number),
    includeMissing: raw['include-missing'],
    allowBroad: raw['allow-broad'],
    risk: raw.risk,
    ...(raw.note !== undefined ? { note: raw.note } : {}),
    ...(raw.expected !== undefined ? { expected: raw.expected } : {}),
  };
}
