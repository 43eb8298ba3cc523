import { CommanderError } from 'commander';
import { ConfigInvalidError } from '../config/load.js';
import {
  asMedicError,
  ERROR_EXIT,
  type ErrorCode,
  type ErrorLog,
  EXIT_OK,
  EXIT_UNREACHABLE,
  EXIT_USAGE,
  MedicError,
} from '../errors.js';
import { closeHanSpaces } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import { errorText } from '../presenters/error-text.js';
import { commanderErrorText } from './render/commander-help.js';

export { EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE };

/** Thrown by commands for bad arguments: printed, exit 1. */
export class UsageError extends MedicError {
  constructor(code: ErrorCode, values: Record<string, string | number> = {}) {
    super(code, values);
    this.name = 'UsageError';
  }
}

/** Every failure the CLI can hit, as localized lines and the documented exit code. */
export function describeCliError(
  err: unknown,
  t: Translate,
  lang: Lang,
  log?: ErrorLog,
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
        t(`errors:${err.code}`, {
          path: err.file,
          count: err.problems.length,
        }),
        ...err.problems.map((p) => {
          const text = p.key ? t(p.key, p.values ?? {}) : closeHanSpaces(p.text ?? '');
          // A problem of the whole document (YAML syntax) has no path worth showing.
          return `  ${p.path === '(yaml)' ? text : t('common:label_value', { label: p.path, value: text })}`;
        }),
      ],
      exitCode: ERROR_EXIT[err.code],
    };
  }
  const error = asMedicError(err, log);
  const text = errorText(error, t, lang);
  // A name the user typed that is close to a known one (`closest`): the same "did you mean" as a mistyped option.
  const closest = error.values.closest;
  return {
    lines: [
      typeof closest === 'string' ? t('cli:usage.suggestion', { message: text, candidate: closest }) : text,
    ],
    exitCode: ERROR_EXIT[error.code],
  };
}
