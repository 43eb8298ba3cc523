/**
 * The times a person gives the burst hunt: ISO 8601 with a zone (`2026-02-12T13:45:00Z`), or a
 * local date and time / a time of day (`2026-02-12T13:45`, `13:45`) in the channel's time zone. A
 * time of day later than now means yesterday. Anything else is refused, naming the text.
 */
import { ErrorCode, MedicError } from '../errors.js';

/** The longest window a hunt looks at: Logs Insights cost and the memory series both grow with it. */
export const MAX_WINDOW_MS = 24 * 3_600_000;

// Fractions up to nanoseconds (Python, Postgres and many log lines print microseconds), read to the ms.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T_](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/i;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

function zoneParts(
  at: Date,
  timeZone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** Milliseconds the zone is ahead of UTC at `at`. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const p = zoneParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The instant a wall-clock time names in a zone (the later offset wins across a DST change). */
function wallToInstant(w: Wall, timeZone: string): Date | undefined {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) {
    return undefined;
  }
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // 31 February rolls over in Date.UTC: refuse instead.
  if (new Date(guess).getUTCDate() !== w.day) return undefined;
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  const second = guess - zoneOffsetMs(new Date(first), timeZone);
  return new Date(second);
}

/** The text is quoted here, not in the sentence: a quoted value is shown verbatim, never read as a date. */
function badTime(text: string): MedicError {
  return new MedicError(ErrorCode.BurstBadTime, { quoted: `“${text.slice(0, 64)}”` });
}

/** A time as typed (or, when not given, the instant used), quoted so it is shown verbatim, date and all. */
function typed(text: string | undefined, instead: Date): string {
  return `“${(text ?? instead.toISOString()).slice(0, 64)}”`;
}

/** One time argument; throws `burst_bad_time` naming the text. */
export function parseTimeArg(text: string, timeZone: string, now: Date): Date {
  const value = text.trim();
  if (ISO_WITH_ZONE.test(value)) {
    // Date.parse is only specified for millisecond fractions: the rest of the digits are cut.
    const at = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
    if (Number.isFinite(at)) return new Date(at);
    throw badTime(text);
  }
  const local = LOCAL_DATE_TIME.exec(value);
  if (local) {
    const [, y, mo, d, h, mi, s, fraction] = local;
    const at = wallToInstant(
      {
        year: Number(y),
        month: Number(mo),
        day: Number(d),
        hour: Number(h),
        minute: Number(mi),
        second: Number(s ?? 0),
      },
      timeZone,
    );
    if (at) return new Date(at.getTime() + Number((fraction ?? '').slice(0, 3).padEnd(3, '0')));
    throw badTime(text);
  }
  const time = TIME_OF_DAY.exec(value);
  if (time) {
    const [, h, mi, s] = time;
    const today = zoneParts(now, timeZone);
    const wall = { ...today, hour: Number(h), minute: Number(mi), second: Number(s ?? 0) };
    const at = wallToInstant(wall, timeZone);
    if (!at) throw badTime(text);
    return at.getTime() > now.getTime() ? new Date(at.getTime() - 86_400_000) : at;
  }
  throw badTime(text);
}

/** A window given as two times of day crosses midnight only when it stays this short. */
const MAX_MIDNIGHT_CROSSING_MS = 12 * 3_600_000;

/**
 * A time-of-day `to` on the calendar day (in the zone) of `from`: "13:00 to 13:50" is one day's
 * window even while 13:50 has not come yet, and "14:00 to 13:00" is reversed, not 23 hours. It
 * moves to the next day only for a short window across midnight ("23:50 to 00:10").
 */
function timeOfDayAfter(text: string, from: Date, timeZone: string): Date | undefined {
  const time = TIME_OF_DAY.exec(text.trim());
  if (!time) return undefined;
  const [, h, mi, s] = time;
  const day = zoneParts(from, timeZone);
  const at = wallToInstant({ ...day, hour: Number(h), minute: Number(mi), second: Number(s ?? 0) }, timeZone);
  if (!at) throw badTime(text);
  if (at.getTime() > from.getTime()) return at;
  const next = zoneParts(new Date(from.getTime() + 86_400_000), timeZone);
  const later = wallToInstant(
    { ...next, hour: Number(h), minute: Number(mi), second: Number(s ?? 0) },
    timeZone,
  );
  return later && later.getTime() - from.getTime() <= MAX_MIDNIGHT_CROSSING_MS ? later : at;
}

/**
 * `from` and `to` as given (either may be missing: `to` defaults to now, `from` to one hour before
 * `to`; a time-of-day `to` is on the day of `from`), checked: from before to, not in the future, at most {@link MAX_WINDOW_MS} long.
 */
export function parseWindowArgs(
  args: { from?: string | undefined; to?: string | undefined },
  timeZone: string,
  now: Date,
): { from: Date; to: Date } | undefined {
  if (args.from === undefined && args.to === undefined) return undefined;
  const fromGiven = args.from !== undefined ? parseTimeArg(args.from, timeZone, now) : undefined;
  const to =
    args.to === undefined
      ? now
      : ((fromGiven && timeOfDayAfter(args.to, fromGiven, timeZone)) ?? parseTimeArg(args.to, timeZone, now));
  const from = fromGiven ?? new Date(to.getTime() - 3_600_000);
  if (from.getTime() > now.getTime())
    throw new MedicError(ErrorCode.BurstWindowFuture, { quotedFrom: typed(args.from, from) });
  if (from.getTime() >= to.getTime()) {
    throw new MedicError(ErrorCode.BurstWindowOrder, {
      quotedFrom: typed(args.from, from),
      quotedTo: typed(args.to, to),
    });
  }
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS) {
    throw new MedicError(ErrorCode.BurstWindowTooLong, { hours: MAX_WINDOW_MS / 3_600_000 });
  }
  return { from, to: to.getTime() > now.getTime() ? now : to };
}
