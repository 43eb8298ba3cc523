/**
 * The tests one segment of a key name is put to (on [s, e) of a byte array): hex ids, UUIDs, random
 * tokens, ISO date-times cut by `:`. The rules they implement are listed in inferrer.ts.
 */
import { ALNUM, ALPHA, B64, B64STD, CLS, COLON, DIGIT, HEX, isDigit, LOWER, UPPER, VOWEL } from './bytes.js';
// ---------------------------------------------------------------------------------------------
// Segment tests (on [s, e) of a byte array)

export function letterDigitChanges(buf: Uint8Array, s: number, e: number): number {
  let changes = 0;
  let prev = -1; // -1 other, 0 letter, 1 digit
  for (let i = s; i < e; i++) {
    const c = CLS[buf[i] as number] as number;
    const kind = c & DIGIT ? 1 : c & ALPHA ? 0 : -1;
    if (kind >= 0 && prev >= 0 && kind !== prev) changes++;
    prev = kind;
  }
  return changes;
}

/** Mixed-case letters with few vowels and some upper-upper pairs: random, not camelCase. */
export function looksRandomLetters(buf: Uint8Array, s: number, e: number): boolean {
  let vowels = 0;
  let upperPairs = 0;
  let prevUpper = false;
  for (let i = s; i < e; i++) {
    const c = CLS[buf[i] as number] as number;
    if (c & VOWEL) vowels++;
    const upper = (c & UPPER) !== 0;
    if (upper && prevUpper) upperPairs++;
    prevUpper = upper;
  }
  return vowels * 10 < (e - s) * 3 && upperPairs >= 2;
}

export function isUuidAt(buf: Uint8Array, s: number): boolean {
  for (let k = 0; k < 36; k++) {
    const b = buf[s + k] as number;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (b !== 0x2d) return false;
    } else if (!((CLS[b] as number) & HEX)) return false;
  }
  return true;
}

/** Rule 5 on a run whose class bits are `or` / `and` and digit count `nd`. */
export function isToken(buf: Uint8Array, s: number, e: number, or: number, and: number, nd: number): boolean {
  const len = e - s;
  if (len < 8 || !(and & B64)) return false;
  if (nd === 0)
    return len >= 16 && (and & ALPHA) !== 0 && (or & LOWER) !== 0 && (or & UPPER) !== 0
      ? looksRandomLetters(buf, s, e)
      : false;
  if (nd === len) return false;
  const changes = letterDigitChanges(buf, s, e);
  if (and & ALNUM) return changes >= 3 || (len >= 16 && changes >= 2);
  // `_` and `-` also join words of identifiers (`user_profile_v2_cache_1234`): ask for more changes.
  return len >= 16 && changes >= (and & B64STD ? 2 : 4);
}

/** Rule 4 (without UUIDs): hex id. */
export function isHexId(buf: Uint8Array, s: number, e: number, or: number, and: number): boolean {
  const len = e - s;
  if (len >= 8 && and & HEX) return !(or & LOWER && or & UPPER);
  if (len >= 3 && buf[s] === 0x30 && ((buf[s + 1] as number) | 0x20) === 0x78) {
    for (let i = s + 2; i < e; i++) if (!((CLS[buf[i] as number] as number) & HEX)) return false;
    return true;
  }
  return false;
}

/**
 * End of an ISO date-time whose `YYYY-MM-DDTHH` head is [s, colon) and that continues after the `:`
 * delimiter at `colon` (`:MM[:SS][.fff][Z|±HH[:MM]]`), or -1.
 */
export function dateTimeEnd(buf: Uint8Array, s: number, colon: number, n: number): number {
  if (colon - s < 11) return -1;
  const t = buf[colon - 3] as number;
  if (t !== 0x54 && t !== 0x20) return -1; // 'T' or ' '
  if (!isDigit(buf[colon - 2] as number) || !isDigit(buf[colon - 1] as number)) return -1;
  let digits = 0;
  for (let i = s; i < colon - 3; i++) {
    const b = buf[i] as number;
    if (isDigit(b)) digits++;
    else if (b !== 0x2d && b !== 0x2f && b !== 0x2e) return -1;
  }
  if (digits !== 8) return -1;
  let j = colon;
  let groups = 0;
  while (
    groups < 2 &&
    j + 2 < n &&
    buf[j] === COLON &&
    isDigit(buf[j + 1] as number) &&
    isDigit(buf[j + 2] as number)
  ) {
    j += 3;
    groups++;
  }
  if (groups === 0) return -1;
  if (buf[j] === 0x2e && j + 1 < n && isDigit(buf[j + 1] as number)) {
    j++;
    while (j < n && isDigit(buf[j] as number)) j++;
  }
  if (buf[j] === 0x5a) j++;
  else if (
    (buf[j] === 0x2b || buf[j] === 0x2d) &&
    j + 2 < n &&
    isDigit(buf[j + 1] as number) &&
    isDigit(buf[j + 2] as number)
  ) {
    j += 3;
    if (buf[j] === COLON && j + 2 < n && isDigit(buf[j + 1] as number) && isDigit(buf[j + 2] as number))
      j += 3;
  }
  return j;
}

export function countByte(buf: Uint8Array, s: number, e: number, byte: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if (buf[i] === byte) n++;
  return n;
}
