import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from 'i18next';
import { LANGS, type Lang } from './types.js';

/**
 * A team's own wording: `<dir>/en/*.json`, `<dir>/zh/*.json`, the same shape as `locales/`, merged
 * over the shipped texts at start. Every override must replace a shipped text with a text that
 * takes the same placeholders: a typo in a key or a file name would otherwise do nothing, and a
 * placeholder the code does not pass would break the message.
 */
export interface OverrideProblem {
  /** A `config:` i18n key and its values (file, key, …). */
  key: string;
  values: Record<string, string | number>;
}

export interface LocaleOverrides {
  overrides: Resource;
  problems: OverrideProblem[];
}

type Tree = { [key: string]: unknown };

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
const PLURAL = /_(zero|one|two|few|many|other)$/;

/**
 * `{{cluster}}` and `{{- user}}` (unescaped: a mention the code builds) are different placeholders:
 * an override may not turn escaping on or off.
 */
export function placeholdersOf(text: string): string[] {
  const found = [...text.matchAll(/\{\{\s*(-?)\s*([\w.]+)[^}]*\}\}/g)].map(
    (m) => `{{${m[1] ? '- ' : ''}${m[2]}}}`,
  );
  return [...new Set(found)].sort();
}

/** Reads and checks every override file under `dir` against the shipped resources. */
export function readLocaleOverrides(dir: string, shipped: Resource): LocaleOverrides {
  const problems: OverrideProblem[] = [];
  const overrides: Resource = {};
  const problem = (key: string, values: Record<string, string | number>) =>
    problems.push({ key: `config:${key}`, values });
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    problem('i18n_overrides_unreadable', { dir, reason: (err as NodeJS.ErrnoException).code ?? 'EIO' });
    return { overrides, problems };
  }
  const langs = LANGS.join(', ');
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    const lang = LANGS.find((l) => l === entry.name);
    if (entry.isDirectory() && lang) {
      const bundle = readLangDir(path, lang, shipped, problem);
      if (Object.keys(bundle).length > 0) overrides[lang] = bundle;
    } else if (entry.isDirectory() || entry.name.endsWith('.json')) {
      problem('i18n_override_lang', { file: path, langs });
    }
  }
  return { overrides, problems };
}

function readLangDir(
  dir: string,
  lang: Lang,
  shipped: Resource,
  problem: (key: string, values: Record<string, string | number>) => void,
): Record<string, Tree> {
  const bundle: Record<string, Tree> = {};
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    problem('i18n_overrides_unreadable', { dir, reason: (err as NodeJS.ErrnoException).code ?? 'EIO' });
    return bundle;
  }
  const shippedLang = (shipped[lang] ?? {}) as Record<string, unknown>;
  for (const name of files) {
    const file = join(dir, name);
    const ns = name.replace(/\.json$/, '');
    const base = shippedLang[ns];
    if (!isTree(base)) {
      problem('i18n_override_namespace', {
        file,
        namespace: ns,
        namespaces: Object.keys(shippedLang).sort().join(', '),
      });
      continue;
    }
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      problem('i18n_override_json', { file, reason: e.code ?? e.message });
      continue;
    }
    if (!isTree(data)) {
      problem('i18n_override_not_object', { file });
      continue;
    }
    const checked = checkTree(data, base, { file, lang, prefix: '' }, problem);
    if (Object.keys(checked).length > 0) bundle[ns] = checked;
  }
  return bundle;
}

/** The valid part of an override tree; every invalid entry becomes a problem naming its key. */
function checkTree(
  data: Tree,
  base: Tree,
  at: { file: string; lang: Lang; prefix: string },
  problem: (key: string, values: Record<string, string | number>) => void,
): Tree {
  const out: Tree = {};
  for (const [k, value] of Object.entries(data)) {
    const key = at.prefix ? `${at.prefix}.${k}` : k;
    const shipped = base[k];
    const values = { file: at.file, key, lang: at.lang };
    if (shipped === undefined) {
      problem('i18n_override_unknown_key', values);
    } else if (isTree(shipped)) {
      if (!isTree(value)) problem('i18n_override_group', values);
      else {
        const inner = checkTree(value, shipped, { ...at, prefix: key }, problem);
        if (Object.keys(inner).length > 0) out[k] = inner;
      }
    } else if (typeof value !== 'string' || value.trim() === '') {
      problem('i18n_override_not_string', values);
    } else if (typeof shipped === 'string' && !samePlaceholders(key, shipped, value)) {
      const list = (xs: string[]) => (xs.length > 0 ? xs.join(', ') : '—');
      problem('i18n_override_placeholders', {
        ...values,
        expected: list(placeholdersOf(shipped)),
        actual: list(placeholdersOf(value)),
      });
    } else {
      out[k] = value;
    }
  }
  return out;
}

/** Same placeholders; a plural form (`_one`) may add or drop `{{count}}` ("one key" / "{{count}} key"). */
function samePlaceholders(key: string, shipped: string, override: string): boolean {
  const norm = (text: string) =>
    placeholdersOf(text)
      .filter((p) => !(PLURAL.test(key) && p === '{{count}}'))
      .join('|');
  return norm(shipped) === norm(override);
}

/** The shipped resources with the overrides deep-merged over them (neither input is changed). */
export function mergeLocaleResources(base: Resource, overrides: Resource | undefined): Resource {
  if (!overrides) return base;
  return mergeTree(base as Tree, overrides as Tree) as Resource;
}

function mergeTree(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? mergeTree(b, v) : v;
  }
  return out;
}
