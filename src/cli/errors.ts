import { CommanderError } from 'commander';
import { ConfigInvalidError } from '../config/load.js';
import { errorMessage, isMedicError, TARGET_ERROR_CODES } from '../errors.js';
import type { Lang, Translate } from '../i18n/types.js';
import { errorText } from '../presenters/error-text.js';
import { redact } from '../redis/errors.js';
import { commanderErrorText } from './render/commander-help.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_UNREACHABLE = 2;

/** Thrown by commands for bad arguments: printed, exit 1. */
export class UsageError extends Error {
  constructor(
    readonly key: string,
    readonly values: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

/** Every failure the CLI can hit, as localized lines and the documented exit code. */
export function describeCliError(
  err: unknown,
  t: Translate,
  lang: Lang,
): { lines: string[]; exitCode: number } {
  if (err instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; every other parse problem is a usage error.
    if (err.exitCode === 0) return { lines: [], exitCode: EXIT_OK };
    const text = commanderErrorText(err, t);
    return { lines: text === null ? [] : [text], exitCode: EXIT_USAGE };
  }
  if (err instanceof ConfigInvalidError) {
    return {
      lines: [
        t('errors:config_invalid', { path: err.file, count: err.problems.length }),
        ...err.problems.map((p) => `  ${p.path}: ${p.key ? t(p.key, p.values ?? {}) : (p.text ?? '')}`),
      ],
      exitCode: EXIT_USAGE,
    };
  }
  if (err instanceof UsageError) return { lines: [t(err.key, err.values)], exitCode: EXIT_USAGE };
  if (isMedicError(err)) {
    return {
      lines: [errorText(err, t, lang)],
      exitCode: TARGET_ERROR_CODES.has(err.code) ? EXIT_UNREACHABLE : EXIT_USAGE,
    };
  }
  const message = errorMessage(err);
  return { lines: [t('errors:unexpected', { detail: redact(message) })], exitCode: EXIT_USAGE };
}
