/**
 * Which of our languages a locale tag means, in the spellings people and systems use: `--lang`
 * (`zh`, `zh-CN`, `zh-Hans`), LANG / LC_ALL (`zh_CN.UTF-8`, `zh_CN.GB18030@euro`), Slack's user
 * locale (`zh-CN`, `zh-TW`). Traditional Chinese has no texts of its own yet: it gets Simplified
 * Chinese, and `fallback` says so, for the caller to tell the reader.
 */
import type { Lang } from './types.js';

export interface NegotiatedLang {
  lang: Lang;
  /** Set when the tag asked for a language we only approximate. */
  fallback?: 'zh_hant';
}

const TRADITIONAL = /^zh-(?:hant|tw|hk|mo)(?:-|$)/;

/** The language `tag` asks for, or undefined when it names none we have (`fr`, `C`, `POSIX`). */
export function negotiateLang(tag: string | undefined | null): NegotiatedLang | undefined {
  // Encoding and modifier (`.UTF-8`, `@euro`) say nothing about the language; `_` is POSIX's `-`.
  const t = (tag ?? '')
    .trim()
    .replace(/[.@].*$/, '')
    .replace(/_/g, '-')
    .toLowerCase();
  const primary = t.split('-')[0];
  if (primary === 'en') return { lang: 'en' };
  if (primary !== 'zh') return undefined;
  return TRADITIONAL.test(t) ? { lang: 'zh', fallback: 'zh_hant' } : { lang: 'zh' };
}
