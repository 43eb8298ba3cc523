/**
 * A cluster's off-peak window (`clusters[].offPeak`): the days and the wall-clock span in a time
 * zone when approved TTL plans run. `from`/`to` are `HH:MM`; `to` at or before `from` crosses
 * midnight (22:00–06:00 runs into the next day, which then need not be listed); `days` are the days
 * a window starts on (default every day). Checked at load: a bad time, an empty span or an unknown
 * zone is a config error naming its path.
 */
import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OffPeakWindow {
  days: Weekday[];
  from: string;
  to: string;
  timeZone: string;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

const hhmm = z.string().superRefine((value, ctx) => {
  if (!HHMM.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'config:off_peak_time',
      params: { i18n: 'config:off_peak_time', value },
    });
  }
});

const zone = z.string().superRefine((value, ctx) => {
  let ok = value.trim() !== '';
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    ok = false;
  }
  if (!ok) {
    ctx.addIssue({
      code: 'custom',
      message: 'config:time_zone',
      params: { i18n: 'config:time_zone', zone: value },
    });
  }
});

export const offPeakSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .default([...WEEKDAYS]),
    from: hhmm,
    to: hhmm,
    timeZone: zone.default('UTC'),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.from === value.to) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'config:off_peak_empty',
        params: { i18n: 'config:off_peak_empty', value: value.to },
      });
    }
  });
