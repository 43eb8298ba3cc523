/**
 * When a deadline (YYYY-MM-DD) is already past: before the earliest date that is still "today"
 * somewhere (UTC−12), so it is past for everyone, whatever time zone the person giving it sits in.
 * The Slack form and `notify --deadline` refuse the same dates.
 */
export function isDeadlinePast(date: string, now: number = Date.now()): boolean {
  return date < earliestToday(now);
}

/** The earliest date that is still "today" somewhere on Earth, as YYYY-MM-DD. */
export function earliestToday(now: number = Date.now()): string {
  return new Date(now - 12 * 3_600_000).toISOString().slice(0, 10);
}
