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
