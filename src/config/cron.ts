/**
 * Cron expressions of the `monitoring` schedules: checked at load with the parser BullMQ's job
 * schedulers use (five fields, or six with seconds first), so an expression that passes here is
 * one the scheduler runs.
 */
import { CronExpressionParser } from 'cron-parser';

/** True when `expr` parses as a cron expression (in `timeZone`, when given). */
export function isCronExpression(expr: string, timeZone?: string): boolean {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return false;
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
