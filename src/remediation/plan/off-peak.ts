/**
 * Where "now" stands against a cluster's off-peak window (config/off-peak.ts): inside it, or when
 * the next window starts. Wall-clock times are read in the window's time zone (Intl), so daylight
 * saving shifts move the window with the clock as people expect.
 */
import { type OffPeakWindow, WEEKDAYS } from '../../config/off-peak.js';

export interface WindowPosition {
  inWindow: boolean;
  /** The next window's start (now, when inside one). */
  nextStart: Date;
}

interface Wall {
  y: number;
  m: number;
  d: number;
  weekday: number;
  minutes: number;
}

const FMT = new Map<string, Intl.DateTimeFormat>();

function wallOf(t: number, timeZone: string): Wall {
  let fmt = FMT.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    FMT.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const weekday = WEEKDAYS.indexOf(
    String(parts.weekday).toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number],
  );
  return {
    y: Number(parts.year),
    m: Number(parts.month),
    d: Number(parts.day),
    weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The instant a wall-clock time (y-m-d, minutes) has in `timeZone` (the later one in a DST overlap). */
function instantOf(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, Math.floor(minutes / 60), minutes % 60);
  let t = asUtc;
  for (let i = 0; i < 3; i++) {
    const w = wallOf(t, timeZone);
    const wallAsUtc = Date.UTC(w.y, w.m - 1, w.d, Math.floor(w.minutes / 60), w.minutes % 60);
    t += asUtc - wallAsUtc;
  }
  return t;
}

export function windowPosition(window: OffPeakWindow, now: number): WindowPosition {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const crosses = to <= from;
  const days = new Set(window.days.map((d) => WEEKDAYS.indexOf(d)));
  const w = wallOf(now, window.timeZone);
  const today = days.has(w.weekday);
  const yesterday = days.has((w.weekday + 6) % 7);
  const inToday = today && w.minutes >= from && (crosses || w.minutes < to);
  const inYesterdays = crosses && yesterday && w.minutes < to;
  if (inToday || inYesterdays) return { inWindow: true, nextStart: new Date(now) };
  for (let k = 0; k <= 7; k++) {
    // Noon of day k (wall clock), then that day's `from`: robust across DST changes.
    const noon = wallOf(instantOf(w.y, w.m, w.d, 12 * 60, window.timeZone) + k * 86_400_000, window.timeZone);
    if (!days.has(noon.weekday)) continue;
    const start = instantOf(noon.y, noon.m, noon.d, from, window.timeZone);
    if (start > now) return { inWindow: false, nextStart: new Date(start) };
  }
  throw new RangeError('off-peak window has no start within a week');
}
