import type { MedicError } from '../errors.js';
import type { Lang, Translate } from '../i18n/types.js';
import { localizeValues } from './status-view.js';

/** A MedicError as one localized sentence, the same in Slack and in the terminal. */
export function errorText(err: MedicError, t: Translate, lang: Lang): string {
  const values = localizeValues(err.values, lang, 'UTC');
  const reason = typeof err.values.reason === 'string' ? t(`errors:reason.${err.values.reason}`) : '';
  // No raw detail (an `unexpected` error the code can name): the reason is the detail.
  return t(`errors:${err.code}`, {
    ...values,
    reason,
    ...(values.detail === undefined ? { detail: reason } : {}),
  });
}
