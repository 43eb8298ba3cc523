/**
 * Off-peak windows: the config section is checked at load (each bad field a problem naming its
 * path, worded in both languages), and the window arithmetic is checked against instants worked out
 * by hand (Asia/Shanghai has no DST: UTC+8; America/New_York switches on 2026-03-08 and 2026-11-01).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { windowPosition } from '../../src/remediation/plan/off-peak.js';

const config = (offPeak: string) => `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
    offPeak: ${offPeak}
`;

describe('offPeak in the config', () => {
  it('is read with its defaults (every day, UTC)', () => {
    const r = parseConfig(config('{ from: "22:00", to: "06:00" }'), {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.clusters[0]?.offPeak).toEqual({
      days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      from: '22:00',
      to: '06:00',
      timeZone: 'UTC',
    });
  });

  it.each([
    ['{ from: "25:00", to: "06:00" }', 'clusters[0].offPeak.from', 'config:off_peak_time'],
    ['{ from: "22:00", to: "6am" }', 'clusters[0].offPeak.to', 'config:off_peak_time'],
    ['{ from: "22:00", to: "22:00" }', 'clusters[0].offPeak.to', 'config:off_peak_empty'],
    [
      '{ from: "22:00", to: "06:00", timeZone: "Mars/Olympus" }',
      'clusters[0].offPeak.timeZone',
      'config:time_zone',
    ],
  ])('%s is a config error naming its path, in both languages', (yaml, path, key) => {
    for (const lang of ['en', 'zh'] as const) {
      const r = parseConfig(config(yaml), {}, lang);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems).toEqual([expect.objectContaining({ path, key })]);
      const t = createI18n({ strict: true }).plain(lang);
      const line = t(key, r.problems[0]?.values ?? {});
      expect(line).not.toContain(key);
    }
  });

  it('planOrder is runbook or config; anything else is a config error naming its path', () => {
    const text = (order: string) =>
      config('{ from: "22:00", to: "06:00" }').replace('    offPeak', `    planOrder: ${order}\n    offPeak`);
    const ok = parseConfig(text('config'), {});
    expect(ok.ok && ok.config.clusters[0]?.planOrder).toBe('config');
    const bad = parseConfig(text('smallest'), {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.path)).toEqual(['clusters[0].planOrder']);
  });

  it('an unknown day is a config error naming its path', () => {
    const r = parseConfig(config('{ days: [mon, funday], from: "01:00", to: "05:00" }'), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(['clusters[0].offPeak.days[1]']);
  });
});

describe('windowPosition', () => {
  const shanghai = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[],
    from: '22:00',
    to: '06:00',
    timeZone: 'Asia/Shanghai',
  };

  it('inside a window that crosses midnight, also on the morning after its last day', () => {
    // Tue 2026-12-08 23:30 Shanghai = 15:30 UTC.
    expect(windowPosition(shanghai, Date.UTC(2026, 11, 8, 15, 30)).inWindow).toBe(true);
    // Sat 2026-12-12 05:59 Shanghai (Friday's window) = Fri 21:59 UTC.
    expect(windowPosition(shanghai, Date.UTC(2026, 11, 11, 21, 59)).inWindow).toBe(true);
  });

  it('outside: the next start is that evening, or Monday evening after the weekend', () => {
    // Tue 2026-12-08 14:00 Shanghai = 06:00 UTC → 22:00 Shanghai = 14:00 UTC.
    const tue = windowPosition(shanghai, Date.UTC(2026, 11, 8, 6, 0));
    expect(tue).toEqual({ inWindow: false, nextStart: new Date(Date.UTC(2026, 11, 8, 14, 0)) });
    // Sat 2026-12-12 06:00 Shanghai (Friday's window just ended) → Mon 2026-12-14 22:00 = 14:00 UTC.
    const sat = windowPosition(shanghai, Date.UTC(2026, 11, 11, 22, 0));
    expect(sat).toEqual({ inWindow: false, nextStart: new Date(Date.UTC(2026, 11, 14, 14, 0)) });
  });

  it('follows daylight saving time in the window zone', () => {
    const ny = { days: ['sun' as const], from: '02:30', to: '04:00', timeZone: 'America/New_York' };
    // Sat 2026-10-31 12:00 EDT (16:00 UTC) → Sun 2026-11-01 02:30 EST (after the switch) = 07:30 UTC.
    expect(windowPosition(ny, Date.UTC(2026, 9, 31, 16, 0)).nextStart).toEqual(
      new Date(Date.UTC(2026, 10, 1, 7, 30)),
    );
    const evening = { days: ['mon' as const], from: '22:00', to: '23:00', timeZone: 'America/New_York' };
    // Sun 2026-03-08 12:00 EDT → Mon 2026-03-09 22:00 EDT = Tue 02:00 UTC.
    expect(windowPosition(evening, Date.UTC(2026, 2, 8, 16, 0)).nextStart).toEqual(
      new Date(Date.UTC(2026, 2, 10, 2, 0)),
    );
  });
});
