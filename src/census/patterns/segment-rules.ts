/**
 * The tests one segment of a key name is put to (on [s, e) of a byte array): hex ids, UUIDs, random
 * tokens, ISO date-times cut by `:`. The rules they implement are listed in inferrer.ts.
 */
import { ALNUM, ALPHA, B64, B64STD, CLS, COLON, DIGIT, HEX, isDigit, LOWER, UPPER, VOWEL } from './bytes.js';

// ---------------------------------------------------------------------------------------------
// Segment tests (on [s, e) of a byte array)

/** Per byte: 1 digit, 2 ASCII letter, 0 anything else (`letterDigitChanges` without branches). */
const LETTER_DIGIT = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const c = CLS[b] as number;
    t[b] = c & DIGIT ? 1 : c & ALPHA ? 2 : 0;
  }
  return t;
})();

/** How many times a letter is directly followed by a digit or a digit by a letter in [s, e). */
export function letterDigitChanges(buf: Uint8Array, s: number, e: number): number {
  let changes = 0;
  let prev = 0;
  for (let i = s; i < e; i++) {
    const kind = LETTER_DIGIT[buf[i] as number] as number;
    // (kind | prev) is 3 only for a letter next to a digit: (3 + 1) >> 2 is 1, (0..2 + 1) >> 2 is 0
    changes += ((kind | prev) + 1) >> 2;
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
    return len >= 16 && (and & (ALPHA | B64STD)) !== 0 && (or & LOWER) !== 0 && (or & UPPER) !== 0
      ? looksRandomLetters(buf, s, e)
      : false;
  if (nd === len) return false;
  const changes = letterDigitChanges(buf, s, e);
  // A long id of mostly letters (`1DXQIekwEZzCTCnVuafDiLhW`) has few changes but reads as random.
  if (len >= 16 && nd * 4 < len && and & B64STD && looksRandomLetters(buf, s, e)) return true;
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

function isHexByte(b: number): boolean {
  return ((CLS[b] as number) & HEX) !== 0;
}

/** True for a byte that cannot follow the end of an address: a letter or a digit would extend it. */
function continuesWord(b: number | undefined): boolean {
  return b !== undefined && ((CLS[b] as number) & ALNUM) !== 0;
}

/** End of a dotted IPv4 address (`10.0.0.1`) starting at `s`, or -1. */
function ipv4End(buf: Uint8Array, s: number, n: number): number {
  let i = s;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (buf[i] !== 0x2e) return -1;
      i++;
    }
    const start = i;
    while (i < n && i - start < 3 && isDigit(buf[i] as number)) i++;
    if (i === start) return -1;
  }
  return continuesWord(buf[i]) ? -1 : i;
}

/** After an address ending at `end`, a zone id (`%eth0`) ends here; otherwise `end`. */
function zoneEnd(buf: Uint8Array, end: number, n: number): number {
  if (buf[end] !== 0x25) return end;
  let i = end + 1;
  while (i < n && ((CLS[buf[i] as number] as number) & ALNUM || buf[i] === 0x2e || buf[i] === 0x5f)) i++;
  return i > end + 1 ? i : end;
}

/**
 * End of an IPv6 address starting at `s` (groups of 1–4 hex digits between `:`, at most one `::`,
 * eight groups or a `::`, at least one digit, optionally an IPv4 tail and a `%zone`), or -1. The
 * address may end only where a group or a `::` ends and no letter or digit follows (`…:b7a:count`
 * ends before `:count`, not inside it); the caller checks that a boundary follows. `a::b` (no
 * digit) is not an address.
 */
export function ipv6End(buf: Uint8Array, s: number, n: number): number {
  let i = s;
  let colons = 0;
  let groups = 0;
  let double = false;
  let digits = 0;
  let best = -1;
  for (;;) {
    const groupStart = i;
    let g = 0;
    let groupDigits = 0;
    while (i < n && g <= 4 && isHexByte(buf[i] as number)) {
      if (isDigit(buf[i] as number)) groupDigits++;
      i++;
      g++;
    }
    if (g > 0 && buf[i] === 0x2e && groupDigits === g && (double ? groups <= 5 : groups === 6)) {
      // an embedded IPv4 address ends it (`::ffff:10.0.0.1`)
      const v4 = ipv4End(buf, groupStart, n);
      return v4 > 0 ? zoneEnd(buf, v4, n) : best;
    }
    if (g > 4 || (g > 0 && continuesWord(buf[i]))) return best;
    digits += groupDigits;
    if (g > 0) groups++;
    const valid = digits > 0 && colons <= 7 && (double ? groups <= 7 : colons === 7 && groups === 8);
    if (valid && (g > 0 || double)) best = zoneEnd(buf, i, n);
    if (i >= n || buf[i] !== COLON) return best;
    if (i + 1 < n && buf[i + 1] === COLON) {
      if (double) return best;
      double = true;
      colons += 2;
      i += 2;
      if (digits > 0 && colons <= 8 && groups <= 7 && !continuesWord(buf[i]) && buf[i] !== COLON)
        best = zoneEnd(buf, i, n);
      continue;
    }
    if (g === 0) return best; // `:::` or a leading single `:`
    colons++;
    i++;
  }
}

/** `YYYY-Www`, `YYYYWww`, optionally with a day (`-D`): an ISO week. */
export function isIsoWeek(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  for (let k = 0; k < 4; k++, i++) if (!isDigit(buf[i] as number)) return false;
  if (buf[i] === 0x2d) i++;
  if (buf[i] !== 0x57) return false;
  i++;
  if (!isDigit(buf[i] as number) || !isDigit(buf[i + 1] as number)) return false;
  i += 2;
  if (i === e) return true;
  if (buf[i] === 0x2d) i++;
  return i + 1 === e && isDigit(buf[i] as number);
}

/** A JWT: `eyJ…` header, payload and signature in base64url, joined by two dots. */
export function isJwt(buf: Uint8Array, s: number, e: number): boolean {
  if (buf[s + 1] !== 0x79 || buf[s + 2] !== 0x4a) return false;
  let dots = 0;
  let last = s - 1;
  for (let i = s; i < e; i++) {
    const b = buf[i] as number;
    if (b === 0x2e) {
      if (i - last < 2) return false;
      dots++;
      last = i;
    } else if (!((CLS[b] as number) & B64) || b === 0x2b || b === 0x2f || b === 0x3d) return false;
  }
  return dots === 2 && e - last >= 2;
}

/** A run of ≥ 4 lowercase letters between non-letters: a word, which random tokens rarely hold. */
export function hasWordPiece(buf: Uint8Array, s: number, e: number): boolean {
  let run = 0;
  let clean = true;
  for (let i = s; i <= e; i++) {
    const b = i < e ? (buf[i] as number) : 0;
    if (b >= 0x61 && b <= 0x7a) {
      run++;
      continue;
    }
    const letter = (b >= 0x41 && b <= 0x5a) || isDigit(b);
    if (!letter && clean && run >= 4) return true;
    if (letter) clean = false;
    else clean = true;
    run = 0;
  }
  return false;
}

/** Longest run a standard-base64 token across `/` is looked for in (bounds the work per key). */
const MAX_BASE64_RUN = 512;

/**
 * End of a standard-base64 token starting at `s` that runs across `/` (`Xy3+Qk/9aZ...==`), or -1.
 * `hardEnd` is where the run must stop (the next delimiter other than `/`, a hash-tag brace, or the
 * end). The run holds only `A–Z a–z 0–9 + /` with at most two `=` of padding at its end, is ≥ 16
 * characters, has no lowercase word between its `/` and `+` (paths do: `views/products/…`), and
 * either has a `+` or padding, or mixes upper and lower case with ≥ 2 letter↔digit changes or
 * reads as random letters.
 */
export function base64RunEnd(buf: Uint8Array, s: number, hardEnd: number): number {
  const len = hardEnd - s;
  if (len < 16 || len > MAX_BASE64_RUN) return -1;
  let or = 0;
  let plus = false;
  let pad = 0;
  for (let i = s; i < hardEnd; i++) {
    const b = buf[i] as number;
    if (b === 0x3d) {
      pad++;
      continue;
    }
    if (pad > 0 || !((CLS[b] as number) & B64STD)) return -1;
    if (b === 0x2b) plus = true;
    or |= CLS[b] as number;
  }
  if (pad > 2 || hasPathWord(buf, s, hardEnd - pad)) return -1;
  if (plus || pad > 0) return hardEnd;
  if (!(or & LOWER) || !(or & UPPER)) return -1;
  const random =
    (or & DIGIT && letterDigitChanges(buf, s, hardEnd) >= 2) || looksRandomLetters(buf, s, hardEnd);
  return random ? hardEnd : -1;
}

/**
 * True when most pieces between `/` are words (`views/products/show`, `Users/Edit/1`): a path, not
 * base64, whose pieces are long and random (a 24-character id holds a `/` one time in three).
 */
function hasPathWord(buf: Uint8Array, s: number, e: number): boolean {
  let pieces = 0;
  let words = 0;
  let start = s;
  for (let i = s; i <= e; i++) {
    if (i < e && buf[i] !== 0x2f) continue;
    pieces++;
    let word = i - start >= 3;
    let vowel = false;
    for (let k = start; k < i && word; k++) {
      const c = CLS[buf[k] as number] as number;
      if (!(c & (k === start ? ALPHA : LOWER))) word = false;
      if (c & VOWEL) vowel = true;
    }
    if (word && vowel) words++;
    start = i + 1;
  }
  return words * 2 > pieces;
}
