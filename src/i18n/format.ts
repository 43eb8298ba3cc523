import type { Lang, Translate } from './types.js';

const intlLocale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-US');

// Building an Intl formatter costs far more than formatting with it (a chart formats ~100 times):
// one formatter per locale, options and zone, made once and reused.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** Zones come from the config, so the cache stays small. */
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, format);
  }
  return format;
}

/** 2,623,709 */
export function formatInt(n: number, lang: Lang): string {
  return numberFormat(intlLocale(lang), { maximumFractionDigits: 0 }).format(n);
}

/** 84.6% — one decimal, the precision the runbook uses. */
export function formatPct(n: number, lang: Lang, digits = 1): string {
  return `${numberFormat(intlLocale(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)}%`;
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
  const num = numberFormat(intlLocale(lang), { maximumFractionDigits: digits }).format(value);
  return `${num} ${units[unit]}`;
}

const listFormats = new Map<Lang, Intl.ListFormat>();

/** `a, b, c` / `a、b、c`: a list in the reader's language (never joined with ", " in code). */
export function formatList(items: readonly string[], lang: Lang): string {
  let format = listFormats.get(lang);
  if (!format) {
    format = new Intl.ListFormat(intlLocale(lang), { type: 'conjunction', style: 'narrow' });
    listFormats.set(lang, format);
  }
  return format.format(items);
}

/**
 * {@link formatList} where only the reader's `t` is at hand: the locale's `common:intl_locale`
 * names the Intl locale (English when a stand-in `t` answers something that is not one).
 */
export function formatListT(items: readonly string[], t: Translate): string {
  const locale = t('common:intl_locale', {});
  return formatList(items, locale.startsWith('zh') ? 'zh' : 'en');
}

/** Feb 20, 2026 / 2026 年 2 月 20 日: a calendar date for people (Chinese puts spaces around digits). */
export function formatDate(date: Date, lang: Lang, timeZone = 'UTC'): string {
  if (lang === 'zh') {
    const parts = dateFormat('en-CA', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone })
      .formatToParts(date)
      .reduce<Record<string, string>>((acc, p) => Object.assign(acc, { [p.type]: p.value }), {});
    return `${parts.year} 年 ${Number(parts.month)} 月 ${Number(parts.day)} 日`;
  }
  return dateFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone }).format(date);
}

/**
 * A library's Chinese sentence in our style: zod's messages put spaces between Chinese words
 * (`期望 数组，实际接收 数字`), which Chinese does not.
 */
export function closeHanSpaces(text: string): string {
  return text.replace(/(?<=\p{Script=Han}) (?=\p{Script=Han})/gu, '');
}

/** 14:16 in the given time zone (UTC unless a channel says otherwise). */
export function formatTime(date: Date, lang: Lang, timeZone = 'UTC'): string {
  return dateFormat(intlLocale(lang), {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
}

/** 14:16 UTC: a time with its zone, for sentences read by people in other time zones. */
export function formatClock(date: Date, lang: Lang, timeZone = 'UTC'): string {
  return `${formatTime(date, lang, timeZone)} ${timeZone}`;
}

/** 2026-02-12 14:16 UTC: ISO-like in every language, the form incident timelines use. */
export function formatDateTime(date: Date, _lang: Lang, timeZone = 'UTC'): string {
  const parts = dateFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
  const zone = timeZone === 'UTC' ? 'UTC' : timeZone;
  return `${parts.replace(',', '')} ${zone}`;
}

/** 1 h 5 min / 1 小时 5 分钟: coarse, for ETAs and watch limits. Units come from `common:duration`. */
export function formatDuration(totalMinutes: number, t: Translate): string {
  if (totalMinutes > 0 && totalMinutes < 1) {
    return t('common:duration.seconds', { count: Math.max(1, Math.round(totalMinutes * 60)) });
  }
  const m = Math.max(0, Math.round(totalMinutes));
  const hours = Math.floor(m / 60);
  const minutes = m % 60;
  if (hours === 0) return t('common:duration.minutes', { count: minutes });
  if (minutes === 0) return t('common:duration.hours', { count: hours });
  return t('common:duration.hours_minutes', { hours, minutes });
}

/** Time left on a walk (progress lines): `25 min` / `25 分钟`, or `—` while there is no rate yet. */
export function formatEta(etaSec: number | null, t: Translate): string {
  if (etaSec === null) return '—';
  // Nothing left: "0 s", since "0 min" reads as coarse beside a walk that takes seconds.
  if (etaSec <= 0) return t('common:duration.seconds', { count: 0 });
  return formatDuration(etaSec / 60, t);
}

/**
 * A measured TTL (a remaining TTL, a TTL read back from Redis): to the second while seconds matter
 * (`45 s`, `29 min 48 s`), coarser beyond an hour (`5 h 12 min`, `300 d`). Units from `common:duration`.
 */
export function formatTtlMeasured(sec: number, t: Translate): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return t('common:duration.seconds', { count: s });
  if (s < 3_600) {
    const minutes = Math.floor(s / 60);
    const seconds = s % 60;
    return seconds === 0
      ? t('common:duration.minutes', { count: minutes })
      : t('common:duration.minutes_seconds', { minutes, seconds });
  }
  if (s < 86_400) return formatDuration(s / 60, t);
  return t('common:duration.days', { count: Math.round(s / 86_400) });
}

/** A rule's TTL in words, in its largest whole unit: `60 days` / `60 天`, `12 hours`, `90 minutes`. */
export function formatTtlWords(sec: number, t: Translate): string {
  if (sec % 86_400 === 0) return t('remediation:unit.days', { count: sec / 86_400 });
  if (sec % 3_600 === 0) return t('remediation:unit.hours', { count: sec / 3_600 });
  if (sec % 60 === 0) return t('remediation:unit.minutes', { count: sec / 60 });
  return t('remediation:unit.seconds', { count: sec });
}

/** `60d`, `12h`, `90m`, `45s`: the rules file's own notation (YAML drafts); people read {@link formatTtlWords}. */
export function formatTtl(sec: number): string {
  if (sec % 86_400 === 0) return `${sec / 86_400}d`;
  if (sec % 3_600 === 0) return `${sec / 3_600}h`;
  if (sec % 60 === 0) return `${sec / 60}m`;
  return `${sec}s`;
}
