/**
 * The error model holds for every code: a sentence in both languages (rendered strictly, with a
 * sample for each placeholder), a CLI exit code, and no error class or message matching outside it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCliError } from '../../src/cli/errors.js';
import { ERROR_EXIT, ErrorCode, MedicError } from '../../src/errors.js';
import { createI18n } from '../../src/i18n/index.js';
import { LANGS } from '../../src/i18n/types.js';
import { errorText } from '../../src/presenters/error-text.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CODES = Object.values(ErrorCode);

function localeErrors(lang: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'locales', lang, 'errors.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** `{{name}}`, `{{- name}}`, `{{name, format}}` → `name`. */
function placeholders(sentence: string): string[] {
  return [...sentence.matchAll(/\{\{-?\s*(\w+)[^}]*\}\}/g)].map((m) => m[1] as string);
}

/** A distinct sample per placeholder, so the rendered sentence shows each one was used. */
function sampleValues(names: readonly string[]): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const name of names) values[name] = `«${name}-sample»`;
  // `reason` is itself a key under errors:reason (errorText translates it).
  if (names.includes('reason')) values.reason = 'refused';
  return values;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const i18n = createI18n({ strict: true });

describe('every error code', () => {
  const en = localeErrors('en');

  it('has a sentence under errors:<code> in both languages, with the same placeholders', () => {
    for (const lang of LANGS) {
      const sentences = localeErrors(lang);
      for (const code of CODES) {
        expect(typeof sentences[code], `${lang} errors:${code}`).toBe('string');
        expect(placeholders(sentences[code] as string).sort(), `${lang} errors:${code}`).toEqual(
          placeholders(en[code] as string).sort(),
        );
      }
    }
  });

  it('renders in both languages in strict mode, every sample value in its place', () => {
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const code of CODES) {
        const names = placeholders(en[code] as string);
        const values = sampleValues(names);
        const text = errorText(new MedicError(code, values), t, lang);
        expect(text, `${lang} ${code}`).not.toMatch(/\{\{|errors:/);
        for (const name of names) {
          if (name === 'reason') continue;
          expect(text, `${lang} ${code} shows ${name}`).toContain(`«${name}-sample»`);
        }
        // The CLI prints the same sentence, as one line.
        const cli = describeCliError(new MedicError(code, values), t, lang);
        expect(cli.lines).toEqual([text]);
        expect(cli.exitCode).toBe(ERROR_EXIT[code]);
      }
    }
  });

  it('has an exit code: 2 for a target not reachable as configured, 1 for everything else', () => {
    // The documented contract: 0 ok, 1 usage/config, 2 unreachable.
    const unreachable = new Set<string>([
      'redis_unreachable',
      'queue_unreachable',
      'not_redis',
      'slack_unreachable',
      'redis_timeout',
      'redis_auth',
      'redis_tls',
      'redis_permission',
      'census_interrupted',
    ]);
    for (const code of CODES) {
      expect(ERROR_EXIT[code], code).toBe(unreachable.has(code) ? 2 : 1);
    }
  });

  it('the errors namespace holds only codes (and the reasons they name)', () => {
    for (const lang of LANGS) {
      const extra = Object.keys(localeErrors(lang)).filter(
        (k) => k !== 'reason' && !(CODES as readonly string[]).includes(k),
      );
      expect(extra, lang).toEqual([]);
    }
  });
});

describe('an error that is not a MedicError', () => {
  it('is one localized line with a correlation id, logged under the same id, exit 1, no stack', () => {
    for (const lang of LANGS) {
      const logged: Record<string, unknown>[] = [];
      const bug = new TypeError(
        "Cannot read properties of undefined (reading 'x')\n    at f (/app/x.js:1:1)",
      );
      const { lines, exitCode } = describeCliError(bug, i18n.plain(lang), lang, {
        error: (obj) => logged.push(obj),
      });
      expect(exitCode).toBe(1);
      expect(lines).toHaveLength(1);
      const line = lines[0] ?? '';
      expect(line).not.toContain('\n');
      expect(line).not.toMatch(/\bat f \(/);
      expect(logged).toHaveLength(1);
      const ref = String(logged[0]?.ref);
      expect(ref).toMatch(/^[0-9a-f]{8}$/);
      expect(line).toContain(ref);
      expect(String(logged[0]?.stack)).toContain('TypeError');
    }
  });
});

describe('an unknown error naming a Redis URL with credentials', () => {
  it('keeps the password out of the line and out of the log', () => {
    const logged: Record<string, unknown>[] = [];
    const bug = new Error('connect failed for redis://app:s3cret-pw@10.0.3.30:6379/0');
    const { lines } = describeCliError(bug, i18n.plain('en'), 'en', { error: (obj) => logged.push(obj) });
    expect(lines.join('\n')).toContain('redis://***@10.0.3.30:6379/0');
    expect(JSON.stringify({ lines, logged })).not.toContain('s3cret-pw');
  });
});

describe('src/ raises only coded errors', () => {
  const files = sourceFiles(join(ROOT, 'src'));

  it('no `extends Error` outside MedicError and the internal control-flow errors, each marked internal', () => {
    const allowed = new Map([
      ['src/errors.ts', ['MedicError']],
      ['src/census/run-census.ts', ['CheckpointMismatch']],
      ['src/census/walk/types.ts', ['WalkResumeMismatch']],
      ['src/census/walk/errors.ts', ['ConsumerFailure', 'InterruptedSignal']],
      ['src/demo/local-redis/server.ts', ['PortInUseError']],
      ['src/aws/logs-insights.ts', ['QueryTimeoutError', 'QueryFailedError']],
      ['src/aws/ecs-tasks.ts', ['EcsCallError']],
      ['src/changes/redis-policy.ts', ['PartialPolicyChange']],
    ]);
    const found: string[] = [];
    for (const file of files) {
      const rel = file.slice(ROOT.length + 1);
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = /class (\w+) extends Error\b/.exec(line);
        if (!m) return;
        const name = m[1] as string;
        if (!allowed.get(rel)?.includes(name)) found.push(`${rel}: ${name}`);
        else if (name !== 'MedicError' && !/^\/\/ Internal: /.test(lines[i - 1] ?? ''))
          found.push(`${rel}: ${name} lacks its "// Internal:" comment`);
      });
    }
    expect(found).toEqual([]);
  });

  it('no control flow on error messages or i18n-key prefixes', () => {
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of [
        /\.message\.(startsWith|includes|endsWith)\(/,
        /errorMessage\([^)]*\)\.(startsWith|includes|endsWith)\(/,
        /\.key\.replace\(/,
        /\.code\.replace\(/,
      ]) {
        if (pattern.test(text)) found.push(`${file.slice(ROOT.length + 1)}: ${pattern}`);
      }
    }
    expect(found).toEqual([]);
  });
});
