import { createI18n, type I18n, type Lang } from '../i18n/index.js';
import { type NegotiatedLang, negotiateLang } from '../i18n/negotiate.js';
import type { Translate } from '../i18n/types.js';

/** What every CLI command gets: the language, a plain (unescaped) `t`, and where to write. */
export interface CliContext {
  lang: Lang;
  /** Set when the asked-for language is only approximated (zh-TW → Simplified Chinese). */
  langFallback?: NegotiatedLang['fallback'];
  t: Translate;
  i18n: I18n;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Where the CLI writes; tests pass their own to capture output in-process. */
export type CliOutput = Pick<CliContext, 'out' | 'err'>;

/**
 * `--lang` wins over LC_ALL / LANG (`zh-CN`, `zh_CN.UTF-8` → zh). Read before commander, so help is
 * localized too; an unsupported `--lang` leaves the environment's language, in which commander's
 * parser (`options.ts`) then refuses it.
 */
export function detectLang(argv: readonly string[], env: Record<string, string | undefined>): NegotiatedLang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (i >= 0) {
    const arg = argv[i];
    const value = arg?.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
    const asked = negotiateLang(value);
    if (asked) return asked;
  }
  return negotiateLang(env.LC_ALL || env.LC_MESSAGES || env.LANG) ?? { lang: 'en' };
}

export function createCliContext(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  output?: CliOutput,
): CliContext {
  const { lang, fallback } = detectLang(argv, env);
  const i18n = createI18n();
  return {
    lang,
    ...(fallback ? { langFallback: fallback } : {}),
    t: i18n.plain(lang),
    i18n,
    env,
    out: output?.out ?? ((text) => process.stdout.write(text)),
    err: output?.err ?? ((text) => process.stderr.write(text)),
  };
}
