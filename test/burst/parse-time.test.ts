/**
 * Times given to the burst hunt: ISO with a zone as is; local times in the channel's zone (DST
 * included); a time of day later than now is yesterday; anything else refused with the text.
 */
import { describe, expect, it } from 'vitest';
import { parseTimeArg, parseWindowArgs } from '../../src/burst/parse-time.js';
import { ErrorCode, type MedicError } from '../../src/errors.js';
import { createI18n } from '../../src/i18n/index.js';
import { errorText } from '../../src/presenters/error-text.js';

const NOW = new Date('2026-02-12T14:30:00Z');

describe('burst time arguments', () => {
  it.each([
    ['2026-02-12T13:45:00Z', 'UTC', '2026-02-12T13:45:00.000Z'],
    ['2026-02-12T21:45+08:00', 'UTC', '2026-02-12T13:45:00.000Z'],
    ['2026-02-12T21:45', 'Asia/Shanghai', '2026-02-12T13:45:00.000Z'],
    ['21:45', 'Asia/Shanghai', '2026-02-12T13:45:00.000Z'],
    // 15:00 UTC is after 14:30 UTC: yesterday's.
    ['15:00', 'UTC', '2026-02-11T15:00:00.000Z'],
    // New York in summer is UTC−4, in winter UTC−5.
    ['2026-07-01T09:00', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['2026-01-05T09:00', 'America/New_York', '2026-01-05T14:00:00.000Z'],
    // Microseconds, as Python, Postgres and many log lines print them: read to the millisecond.
    ['2026-02-12T13:00:00.123456Z', 'UTC', '2026-02-12T13:00:00.123Z'],
    ['2026-02-12T21:00:00.123456+08:00', 'UTC', '2026-02-12T13:00:00.123Z'],
    ['2026-02-12T21:00:00.123456', 'Asia/Shanghai', '2026-02-12T13:00:00.123Z'],
  ])('%s in %s is %s', (text, zone, iso) => {
    expect(parseTimeArg(text, zone, NOW).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '25:00', '2026-02-30T10:00', '13:60', '<@U123>', '', '2026-02-12 13:45'])(
    '%j is refused with burst_bad_time',
    (text) => {
      expect(() => parseTimeArg(text, 'UTC', NOW)).toThrow(
        expect.objectContaining({ code: ErrorCode.BurstBadTime }) as unknown as MedicError,
      );
    },
  );

  it('checks the window: order, future, length', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as MedicError).code;
      }
      return 'ok';
    };
    expect(code(() => parseWindowArgs({ from: '14:00', to: '13:00' }, 'UTC', NOW))).toBe(
      ErrorCode.BurstWindowOrder,
    );
    expect(code(() => parseWindowArgs({ from: '2026-02-13T10:00:00Z' }, 'UTC', NOW))).toBe(
      ErrorCode.BurstWindowFuture,
    );
    expect(code(() => parseWindowArgs({ from: '2026-02-10T10:00:00Z' }, 'UTC', NOW))).toBe(
      ErrorCode.BurstWindowTooLong,
    );
    expect(parseWindowArgs({}, 'UTC', NOW)).toBeUndefined();
    const w = parseWindowArgs({ from: '13:45' }, 'UTC', NOW);
    expect([w?.from.toISOString(), w?.to.toISOString()]).toEqual([
      '2026-02-12T13:45:00.000Z',
      NOW.toISOString(),
    ]);
  });

  it('reads a time-of-day `to` on the day of `from`, whatever the hour now', () => {
    // 13:30 UTC: between the two times of day below.
    const at = new Date('2026-02-12T13:30:00Z');
    const w = parseWindowArgs({ from: '13:00', to: '13:50' }, 'UTC', at);
    // 13:50 has not come yet: the window runs from 13:00 today to now.
    expect([w?.from.toISOString(), w?.to.toISOString()]).toEqual([
      '2026-02-12T13:00:00.000Z',
      at.toISOString(),
    ]);
    // Reversed: refused, not read as yesterday 14:00 to today 13:00 (23 hours).
    let code: string | undefined;
    try {
      parseWindowArgs({ from: '14:00', to: '13:00' }, 'UTC', at);
    } catch (err) {
      code = (err as MedicError).code;
    }
    expect(code).toBe(ErrorCode.BurstWindowOrder);
    // A short window across midnight still reads as one.
    const night = parseWindowArgs({ from: '23:50', to: '00:10' }, 'UTC', at);
    expect([night?.from.toISOString(), night?.to.toISOString()]).toEqual([
      '2026-02-11T23:50:00.000Z',
      '2026-02-12T00:10:00.000Z',
    ]);
    // A local date for `from` and a time of day for `to`: the same day.
    const dated = parseWindowArgs({ from: '2026-02-12T13:00', to: '13:20' }, 'Asia/Shanghai', at);
    expect(dated?.to.toISOString()).toBe('2026-02-12T05:20:00.000Z');
  });

  it('a refused window names the times as typed, date included', () => {
    const t = createI18n({ strict: true }).plain('en');
    const text = (args: { from?: string; to?: string }) => {
      try {
        parseWindowArgs(args, 'UTC', NOW);
      } catch (err) {
        return errorText(err as MedicError, t, 'en');
      }
      return 'accepted';
    };
    // Shown as a clock time only ("00:00 UTC"), a start years ahead reads like tonight.
    expect(text({ from: '2030-01-01T00:00Z' })).toContain('2030-01-01T00:00Z');
    expect(text({ from: '2026-02-12T14:00:00Z', to: '2026-02-11T13:00:00Z' })).toContain(
      '2026-02-11T13:00:00Z',
    );
  });
});
