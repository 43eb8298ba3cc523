import type { Lang } from './types.js';

const intlLocale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-US');

/** 2,623,709 */
export function formatInt(n: number, lang: Lang): string {
  return new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 0 }).format(n);
}

/** 84.6% — one decimal, the precision the runbook uses. */
export function formatPct(n: number, lang: Lang, digits = 1): string {
  return `${new Intl.NumberFormat(intlLocale(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)}%`;
}

/** Binary units like redis-cli's `used_memory_human` (1.96G → "1.96 GiB"). */
export function formatBytes(bytes: number, lang: Lang): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const num = new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: digits }).format(value);
  return `${num} ${units[unit]}`;
}

/** 14:16 in the given time zone (UTC unless a channel says otherwise). */
export function formatTime(date: Date, lang: Lang, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(intlLocale(lang), {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  }).format(date);
}

/** 2026-02-12 14:16 UTC: ISO-like in every language, the form incident timelines use. */
export function formatDateTime(date: Date, _lang: Lang, timeZone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  }).format(date);
  const zone = timeZone === 'UTC' ? 'UTC' : timeZone;
  return `${parts.replace(',', '')} ${zone}`;
}

/** 1 h 5 min / 1小时5分钟 — coarse, for ETAs and watch limits. */
export function formatMinutes(totalMinutes: number, lang: Lang): string {
  if (totalMinutes > 0 && totalMinutes < 1) {
    const sec = Math.max(1, Math.round(totalMinutes * 60));
    return lang === 'zh' ? `${sec}秒` : `${sec} s`;
  }
  const m = Math.max(0, Math.round(totalMinutes));
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (lang === 'zh') return h > 0 ? `${h}小时${rest > 0 ? `${rest}分钟` : ''}` : `${rest}分钟`;
  return h > 0 ? `${h} h${rest > 0 ? ` ${rest} min` : ''}` : `${rest} min`;
}
