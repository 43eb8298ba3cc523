/**
 * When an EventBridge schedule would have fired inside a window: AWS `cron(m h dom mon dow year)`
 * (UTC, `?` for "any", day-of-week 1–7 = SUN–SAT, an optional year) and `rate(N unit)`. A rate's
 * phase depends on when the rule was created, which ListRules does not say: its firings are spaced
 * right but may be shifted by up to one period, and are marked approximate.
 */
import { CronExpressionParser } from 'cron-parser';

/** At most this many firings are listed per rule (a `rate(1 minute)` over a day is 1440). */
const MAX_FIRINGS = 500;

export interface Firings {
  firings: Date[];
  approximate: boolean;
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;
const CRON = /^cron\((.*)\)$/i;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** AWS day-of-week 1–7 (SUN–SAT) → cron-parser's 0–6; names, `?`, `*`, `L` and steps kept. */
function shiftDayOfWeek(field: string): string {
  if (field === '?' || field === '*') return '*';
  const num = (s: string) => (/^\d+$/.test(s) ? String(Number(s) - 1) : s);
  return field
    .split(',')
    .map((part) => {
      const [base = '', step] = part.split('/');
      const nth = base.split('#');
      if (nth.length === 2) return `${num(nth[0] ?? '')}#${nth[1]}`;
      const last = /^(\d+)L$/.exec(base);
      const mapped = last ? `${num(last[1] ?? '')}L` : base.split('-').map(num).join('-');
      return step !== undefined ? `${mapped}/${step}` : mapped;
    })
    .join(',');
}

/** True when `year` is selected by an AWS year field (`*`, `2026`, `2025-2027`, `2026,2027`, `2026/2`). */
export function yearMatches(field: string, year: number): boolean {
  if (field === '*' || field === '?') return true;
  return field.split(',').some((part) => {
    const [range = '', stepText] = part.split('/');
    const step = stepText !== undefined ? Number(stepText) : 1;
    const [lowText = '', highText] = range.split('-');
    const low = range === '*' ? 1970 : Number(lowText);
    const high =
      highText !== undefined ? Number(highText) : stepText !== undefined || range === '*' ? 2199 : low;
    if (![low, high, step].every(Number.isFinite) || step <= 0) return false;
    return year >= low && year <= high && (year - low) % step === 0;
  });
}

/**
 * The firings of one schedule expression in [from, to]; undefined when it is not one we can read
 * (the report then lists the rule as unreadable instead of guessing).
 */
export function firingsInWindow(expression: string, from: Date, to: Date): Firings | undefined {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) {
    const unit = (rate[2] ?? '').toLowerCase().replace(/s$/, '');
    const period = Number(rate[1]) * (UNIT_MS[unit] ?? 0);
    if (!(period > 0)) return undefined;
    // Phase unknown: aligned to the period from the epoch, the way a person would guess it.
    const firings: Date[] = [];
    for (
      let t = Math.ceil(from.getTime() / period) * period;
      t <= to.getTime() && firings.length < MAX_FIRINGS;
      t += period
    ) {
      firings.push(new Date(t));
    }
    return { firings, approximate: true };
  }
  const cron = CRON.exec(text);
  if (!cron) return undefined;
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minute, hour, dom, month, dow, year = '*'] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // AWS needs `?` in one of the two day fields; cron-parser reads a `*` there the same way.
  const standard = [minute, hour, dom === '?' ? '*' : dom, month, shiftDayOfWeek(dow)].join(' ');
  try {
    const it = CronExpressionParser.parse(standard, {
      tz: 'UTC',
      currentDate: new Date(from.getTime() - 1),
      endDate: to,
    });
    const firings: Date[] = [];
    while (it.hasNext() && firings.length < MAX_FIRINGS) {
      const at = it.next().toDate();
      if (at.getTime() > to.getTime()) break;
      if (yearMatches(year, at.getUTCFullYear())) firings.push(at);
    }
    return { firings, approximate: false };
  } catch {
    return undefined;
  }
}
