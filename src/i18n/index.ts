import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource } from 'i18next';
import { escapeMrkdwn, spaceMarkersFromCjk } from './mrkdwn.js';
import { negotiateLang } from './negotiate.js';
import { mergeLocaleResources } from './overrides.js';
import { LANGS, type Lang, type Translate } from './types.js';

export type { Lang, Translate } from './types.js';

/** locales/ sits two levels above this file both in src/i18n and in dist/i18n. */
export const LOCALES_DIR = fileURLToPath(new URL('../../locales', import.meta.url));

export function readLocaleResources(dir = LOCALES_DIR): Resource {
  const resources: Resource = {};
  for (const lang of LANGS) {
    const bundle: Record<string, Record<string, unknown>> = {};
    for (const file of readdirSync(`${dir}/${lang}`).filter((f) => f.endsWith('.json'))) {
      bundle[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(`${dir}/${lang}/${file}`, 'utf8'));
    }
    resources[lang] = bundle;
  }
  return resources;
}

export interface I18n {
  /** Text for Slack: interpolated values are mrkdwn-escaped (`{{- value}}` opts out for mentions we build). */
  slack(lang: Lang): Translate;
  /** Text for a terminal or JSON: no escaping. */
  plain(lang: Lang): Translate;
}

export interface I18nOptions {
  /** Throw on a missing key instead of showing it (tests; no silent fallback). */
  strict?: boolean;
  resources?: Resource;
  /** A team's own wording (config `i18n.overridesDir`, already checked), deep-merged over `resources`. */
  overrides?: Resource;
}

/**
 * One i18next instance for the process; each request gets a fixed `t` for its language, never a
 * shared `changeLanguage`, so concurrent requests cannot swap each other's language.
 */
export function createI18n(options: I18nOptions = {}): I18n {
  const resources = mergeLocaleResources(options.resources ?? readLocaleResources(), options.overrides);
  const namespaces = Object.keys(resources.en ?? {});
  const instance: i18n = i18next.createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: options.strict ? false : 'en',
    supportedLngs: [...LANGS],
    ns: namespaces,
    defaultNS: 'status',
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: true, escape: escapeMrkdwn },
    // A value the code forgot to pass would show as "{{action}}": in strict mode that fails.
    // (i18next reads this handler from the top level of the options, not from `interpolation`.)
    ...(options.strict
      ? {
          missingInterpolationHandler: (text: string, match: RegExpExecArray | string) => {
            const name = typeof match === 'string' ? match : match[0];
            throw new Error(`missing interpolation value ${name} in "${text}"`);
          },
        }
      : {}),
    saveMissing: Boolean(options.strict),
    missingKeyHandler: options.strict
      ? (lngs, ns, key) => {
          throw new Error(`missing i18n key ${ns}:${key} for ${lngs.join(',')}`);
        }
      : false,
  });
  const fixed = (lang: Lang, escaped: boolean): Translate => {
    // i18next's key-typed overloads don't fit dynamic keys; our parity test is the key check.
    const t = instance.getFixedT(lang) as unknown as (
      key: string,
      options: Record<string, unknown>,
    ) => string;
    // Slack text: bold markers beside Chinese get a zero-width space so clients render them.
    return escaped
      ? (key, values) => spaceMarkersFromCjk(String(t(key, { ...values })))
      : (key, values) => String(t(key, { ...values, interpolation: { escapeValue: false } }));
  };
  return { slack: (lang) => fixed(lang, true), plain: (lang) => fixed(lang, false) };
}

/** Slack locales look like `zh-CN`, `en-US`; LANG like `zh_CN.UTF-8`. Anything we lack reads English. */
export function toLang(locale: string | undefined | null): Lang {
  return negotiateLang(locale)?.lang ?? 'en';
}
