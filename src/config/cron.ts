/**
 * Cron expressions of the `monitoring` schedules: checked at load with the parser BullMQ's job
 * schedulers use (five fields, or six with seconds first), so an expression that passes here is
 * one the scheduler runs.
 */
import { CronExpressionParser } from 'cron-parser';

/**
 * How many values each field has (seconds first in six-field expressions). A step as large as its
 * field (`*\/61` minutes, `*\/25` hours) can fire only once a cycle: the parser accepts it and the
 * schedule quietly runs hourly or daily, so it is refused like any other typo.
 */
const FIELD_SIZES = [60, 60, 24, 31, 12, 7];

function stepsFit(fields: string[]): boolean {
  const sizes = FIELD_SIZES.slice(6 - fields.length);
  return fields.every((field, i) =>
    field.split(',').every((part) => {
      const step = part.split('/')[1];
      return step === undefined || Number(step) < (sizes[i] ?? Number.POSITIVE_INFINITY);
    }),
  );
}

/** True when `expr` parses as a cron expression (in `timeZone`, when given). */
export function isCronExpression(expr: string, timeZone?: string): boolean {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return false;
  if (!stepsFit(fields)) return false;
  try {
    CronExpressionParser.parse(expr, timeZone ? { tz: timeZone } : {});
    return true;
  } catch {
    return false;
  }
}

/** The smallest step of a schedule in ms: 1 s for six-field expressions, else 1 min. */
export function cronResolutionMs(expr: string): number {
  return expr.trim().split(/\s+/).length === 6 ? 1_000 : 60_000;
}

/**
 * The longest gap between two runs of a schedule, over its next 100 runs from a fixed start (so
 * the answer does not depend on when it is asked): what "a sample is late" is measured against.
 * A schedule with quiet hours gets its longest quiet gap, so it never looks late at night.
 */
export function cronIntervalMs(expr: string, timeZone?: string): number {
  const fallback = cronResolutionMs(expr);
  try {
    const runs = CronExpressionParser.parse(expr, {
      currentDate: new Date(Date.UTC(2024, 0, 1)),
      ...(timeZone ? { tz: timeZone } : {}),
    });
    let previous = runs.next().getTime();
    let longest = 0;
    for (let i = 0; i < 100; i++) {
      const at = runs.next().getTime();
      longest = Math.max(longest, at - previous);
      previous = at;
    }
    return longest > 0 ? longest : fallback;
  } catch {
    return fallback;
  }
}
