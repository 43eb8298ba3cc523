/**
 * A stand-in for i18next's `t` in unit tests of presenters: it returns the key and the values it
 * was given (`key{a=1,b=x}`, values sorted by name), so a test checks which sentence a view picks
 * and the figures it hands over without depending on the wording in locales/.
 */
import type { Translate } from '../../src/i18n/types.js';

export const recordingT: Translate = (key, values) => {
  if (!values || Object.keys(values).length === 0) return key;
  const pairs = Object.keys(values)
    .sort()
    .map((k) => `${k}=${String(values[k])}`);
  return `${key}{${pairs.join(',')}}`;
};
