import { createI18n, type I18n, type Lang, toLang } from '../i18n/index.js';
import type { Translate } from '../i18n/types.js';

/** What every CLI command gets: the language, a plain (unescaped) `t`, and where to write. */
export interface CliContext {
  lang: Lang;
  t: Translate;
  i18n: I18n;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Where the CLI writes; tests pass their own to capture output in-process. */
export type CliOutput = Pick<CliContext, 'out' | 'err'>;

/** `--lang` wins over LC_ALL / LANG (`zh_CN.UTF-8` → zh). Read before commander, so help is localized too. */
export function detectLang(argv: readonly string[], env: Record<string, string | undefined>): Lang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (i >= 0) {
    const arg = argv[i];
    const value = arg?.includes('=') ? arg.split('=')[1] : argv[i + 1];
    if (value === 'zh' || value === 'en') return value;
  }
  return toLang(env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

export function createCliContext(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  output?: CliOutput,
): CliContext {
  const lang = detectLang(argv, env);
  const i18n = createI18n();
  return {
    lang,
    t: i18n.plain(lang),
    i18n,
    env,
    out: output?.out ?? ((text) => process.stdout.write(text)),
    err: output?.err ?? ((text) => process.stderr.write(text)),
  };
}
