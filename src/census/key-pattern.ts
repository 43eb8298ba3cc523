/**
 * Key names → patterns and key display, all on bytes (matching a glob: keyspace/glob.ts).
 *
 * A pattern is a Redis MATCH glob (UTF-8) that matches every key it was inferred from: the name is
 * cut at the delimiters (and at the braces of a cluster hash tag), each variable segment becomes `*`,
 * literal segments are copied with the glob specials `*` `?` `[` `\` escaped. Pure and allocation-light:
 * `PatternInferrer.infer` writes into a reusable buffer and allocates nothing per key.
 *
 * Rules (a segment is what lies between two delimiters, or inside `{...}`):
 *  1. Binary: a control byte (0x00–0x1f, 0x7f), invalid UTF-8, or an invisible / line-breaking code
 *     point (C1 controls, zero-width, bidi overrides, U+2028/9, BOM) makes the segment `*`.
 *     So literal segments are always printable text and a pattern never needs `\xNN` escapes.
 *  2. Numbers, dates, times, IPv4, versions, phone numbers: only digits and `-+.,_/: ` (plus `T`/`Z`
 *     when there are ≥ 8 digits), at least one digit, digits ≥ the other characters: `*`.
 *     (`12345`, `-7`, `3.14`, `20260212`, `2026-02-12`, `10.0.0.1`, `1.2.3`, `+1-555-123-4567`.)
 *     An ISO date-time cut by a `:` delimiter (`2026-02-12T14:00:00Z`) is merged into one `*`.
 *  3. Emails (`a@b`): `*`.
 *  4. Hex ids: ≥ 8 hex characters with the letters in one case (`6f1c9a02`, `DEADBEEF`), `0x…`,
 *     UUIDs 8-4-4-4-12, and dashed hex with ≥ 16 hex digits: `*`. (No English word of ≥ 8 letters
 *     uses only a–f, and a random 8-hex id has no digit once in ~2 600.)
 *  5. Random tokens: alphanumeric with ≥ 3 letter↔digit changes and ≥ 8 characters (`k3Jd9aZ1`), or
 *     ≥ 2 changes and ≥ 16 characters; base64/base64url (`+/=_-`) with ≥ 4 changes and ≥ 16
 *     characters; letters only, ≥ 16, mixed case, < 30 % vowels and ≥ 2 upper-upper pairs: `*`.
 *  6. Otherwise a segment with digits or soft separators (`_ - . / | # , = ; ~` and space) is cut
 *     into sub-segments at those separators (kept literally); a sub-segment that is all digits, hex
 *     (rule 4, UUIDs included) or a token (rule 5) becomes `*`, and a run of ≥ 4 digits glued to
 *     letters becomes `*` in place: `user_12345_profile` → `user_*_profile`, `u123456` → `u*`,
 *     `CP12345678` → `CP*`, while `v2`, `sha256`, `ipv4`, `utf8mb4` stay literal.
 *  7. Everything else is literal: words, camelCase, UTF-8 text.
 * Consecutive variable segments each become `*` (`a:*:*`); a fully variable key is `*`; a word is
 * itself. Patterns longer than 512 bytes are cut at a segment boundary and end in `*`.
 */

// ---------------------------------------------------------------------------------------------
// Byte classes

const DIGIT = 1; // must be bit 0: digits are counted with `c & 1`
const LOWER = 1 << 1;
const UPPER = 1 << 2;
const HEX = 1 << 3;
const SEP = 1 << 4;
const NUMT = 1 << 5;
const B64 = 1 << 6;
const ALNUM = 1 << 7;
const CTRL = 1 << 8;
const HIGH = 1 << 9;
const GLOB = 1 << 10;
const VOWEL = 1 << 11;
const AT = 1 << 12;
const TZ = 1 << 13;
const HEXDASH = 1 << 14;
const ALPHA = 1 << 15;
const B64STD = 1 << 16;
const ALL = 0x1ffff;

const CLS = (() => {
  const t = new Uint32Array(256);
  const add = (chars: string, bits: number) => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = (t[chars.charCodeAt(i)] as number) | bits;
  };
  for (let b = 0; b < 256; b++) {
    if (b < 0x20 || b === 0x7f) t[b] = CTRL;
    else if (b >= 0x80) t[b] = HIGH;
  }
  const digits = '0123456789';
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  add(digits, DIGIT | HEX | NUMT | B64 | ALNUM | HEXDASH);
  add(lower, LOWER | B64 | ALNUM | ALPHA);
  add(upper, UPPER | B64 | ALNUM | ALPHA);
  add('abcdefABCDEF', HEX | HEXDASH);
  add('aeiouAEIOU', VOWEL);
  add('_-./|#,=;~ ', SEP);
  add('-+.,_/: TZ', NUMT);
  add('TZ', TZ);
  add('+/=_-', B64);
  add(`${digits}${lower}${upper}+/=`, B64STD);
  add('-', HEXDASH);
  add('*?[\\', GLOB);
  add('@', AT);
  return t;
})();

const STAR = 0x2a;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const MAX_PATTERN_BYTES = 512;

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

/** Code point of the last sequence `utf8At` accepted (a module slot: no allocation per call). */
let lastCodePoint = 0;

/** Length of the well-formed UTF-8 sequence starting at `i` (before `end`), 0 when ill-formed. */
function utf8At(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i] as number;
  if (b0 < 0x80) {
    lastCodePoint = b0;
    return 1;
  }
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  let cp: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    cp = b0 & 0x0f;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + need >= end) return 0;
  const b1 = buf[i + 1] as number;
  if (b1 < lo || b1 > hi) return 0;
  cp = (cp << 6) | (b1 & 0x3f);
  for (let k = 2; k <= need; k++) {
    const bk = buf[i + k] as number;
    if (bk < 0x80 || bk > 0xbf) return 0;
    cp = (cp << 6) | (bk & 0x3f);
  }
  lastCodePoint = cp;
  return need + 1;
}

/** Code points shown escaped and never kept literal: controls, invisible and line/bidi-breaking ones. */
function isUnsafeCodePoint(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff
  );
}

/** True when [s, e) is well-formed UTF-8 of printable code points. */
function isPrintableText(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e) {
    const n = utf8At(buf, i, e);
    if (n === 0 || isUnsafeCodePoint(lastCodePoint)) return false;
    i += n;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Display

const HEX_CHARS = '0123456789abcdef';

function hexEscape(b: number): string {
  return `\\x${HEX_CHARS[b >> 4]}${HEX_CHARS[b & 15]}`;
}

/**
 * A key name for people: printable ASCII and UTF-8 text as is, `\` as `\\`, every other byte
 * (controls, invalid UTF-8, invisible or line-breaking code points) as `\xNN`. Unambiguous: two
 * different names never display the same.
 */
export function displayKey(name: Uint8Array): string {
  const n = name.length;
  let i = 0;
  while (i < n) {
    const b = name[i] as number;
    if (b < 0x20 || b > 0x7e || b === BACKSLASH) break;
    i++;
  }
  if (i === n) return Buffer.from(name.buffer, name.byteOffset, n).toString('latin1');
  let out = Buffer.from(name.buffer, name.byteOffset, i).toString('latin1');
  while (i < n) {
    const b = name[i] as number;
    if (b >= 0x20 && b < 0x7f) {
      out += b === BACKSLASH ? '\\\\' : String.fromCharCode(b);
      i++;
      continue;
    }
    if (b >= 0x80) {
      const len = utf8At(name, i, n);
      if (len > 0 && !isUnsafeCodePoint(lastCodePoint)) {
        out += String.fromCodePoint(lastCodePoint);
        i += len;
        continue;
      }
      if (len > 0) {
        for (let k = 0; k < len; k++) out += hexEscape(name[i + k] as number);
        i += len;
        continue;
      }
    }
    out += hexEscape(b);
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Segment tests (on [s, e) of a byte array)

function letterDigitChanges(buf: Uint8Array, s: number, e: number): number {
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
function looksRandomLetters(buf: Uint8Array, s: number, e: number): boolean {
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

function isUuidAt(buf: Uint8Array, s: number): boolean {
  for (let k = 0; k < 36; k++) {
    const b = buf[s + k] as number;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (b !== 0x2d) return false;
    } else if (!((CLS[b] as number) & HEX)) return false;
  }
  return true;
}

/** Rule 5 on a run whose class bits are `or` / `and` and digit count `nd`. */
function isToken(buf: Uint8Array, s: number, e: number, or: number, and: number, nd: number): boolean {
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
function isHexId(buf: Uint8Array, s: number, e: number, or: number, and: number): boolean {
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
function dateTimeEnd(buf: Uint8Array, s: number, colon: number, n: number): number {
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

// ---------------------------------------------------------------------------------------------
// Inference

export interface PatternOptions {
  /** Characters that cut a key into segments (ASCII, none of `*?[]\{}`). @defaultValue ':' */
  delimiters?: string;
}

const DELIM = 1;
const TAG_OPEN = 2;
const TAG_CLOSE = 3;

function delimiterTable(delimiters: string): Uint8Array {
  const t = new Uint8Array(256);
  t[0x7b] = TAG_OPEN;
  t[0x7d] = TAG_CLOSE;
  if (delimiters.length === 0) throw new Error('delimiters must not be empty');
  for (const ch of delimiters) {
    const code = ch.charCodeAt(0);
    if (ch.length !== 1 || code < 0x21 || code > 0x7e || '*?[]\\{}'.includes(ch)) {
      throw new Error(`delimiter ${JSON.stringify(ch)} must be printable ASCII and not one of *?[]\\{}`);
    }
    t[code] = DELIM;
  }
  return t;
}

/** Index of the `}` closing a hash tag opened at `open`, or -1 (none, or an empty `{}`). */
function tagEnd(name: Uint8Array, open: number, n: number): number {
  for (let i = open + 1; i < n; i++) if (name[i] === 0x7d) return i > open + 1 ? i : -1;
  return -1;
}

/**
 * Reusable inference state: `infer(name)` writes the pattern's UTF-8 bytes into `out` and returns
 * their length (no allocation per key). Not re-entrant: one per table.
 */
export class PatternInferrer {
  /** The pattern of the last `infer` call is `out[0, length)`. */
  out: Buffer = Buffer.allocUnsafe(1024);
  readonly delimiters: string;
  /** Per byte: 0, DELIM, TAG_OPEN or TAG_CLOSE. */
  private readonly kinds: Uint8Array;

  constructor(opts: PatternOptions = {}) {
    this.delimiters = opts.delimiters ?? ':';
    this.kinds = delimiterTable(this.delimiters);
  }

  /** True when byte `b` is one of the delimiters. */
  isDelimiter(b: number): boolean {
    return this.kinds[b] === DELIM;
  }

  infer(name: Uint8Array): number {
    const n = name.length;
    if (this.out.length < 2 * n + 8) this.out = Buffer.allocUnsafe(Math.max(2 * n + 8, 2 * this.out.length));
    const out = this.out;
    const kinds = this.kinds;
    // The hash tag: the first `{` and the first `}` after it, when they enclose something.
    let tagChecked = false;
    let tagClose = -1;
    let o = 0;
    let s = 0;
    let or = 0;
    let and = ALL;
    let nd = 0;
    for (let i = 0; i < n; i++) {
      const b = name[i] as number;
      const kind = kinds[b] as number;
      if (kind === 0) {
        const c = CLS[b] as number;
        or |= c;
        and &= c;
        nd += c & DIGIT;
        continue;
      }
      if (kind === TAG_OPEN) {
        if (tagChecked) {
          const c = CLS[b] as number;
          or |= c;
          and &= c;
          continue;
        }
        tagChecked = true;
        tagClose = tagEnd(name, i, n);
        if (tagClose < 0) {
          const c = CLS[b] as number;
          or |= c;
          and &= c;
          continue;
        }
      } else if (kind === TAG_CLOSE && i !== tagClose) {
        const c = CLS[b] as number;
        or |= c;
        and &= c;
        continue;
      } else if (kind === DELIM && b === COLON && nd >= 10) {
        const j = dateTimeEnd(name, s, i, n);
        if (j > 0 && (j === n || kinds[name[j] as number] === DELIM || j === tagClose)) {
          out[o++] = STAR;
          if (j === n) return o;
          out[o++] = name[j] as number;
          s = j + 1;
          i = j;
          or = 0;
          and = ALL;
          nd = 0;
          continue;
        }
      }
      // A boundary: a delimiter, or a brace of the hash tag.
      const segOut = o;
      o = this.segment(name, s, i, or, and, nd, o);
      if (o > MAX_PATTERN_BYTES) {
        out[segOut] = STAR;
        return segOut + 1;
      }
      out[o++] = b;
      s = i + 1;
      or = 0;
      and = ALL;
      nd = 0;
    }
    const segOut = o;
    o = this.segment(name, s, n, or, and, nd, o);
    if (o > MAX_PATTERN_BYTES) {
      out[segOut] = STAR;
      return segOut + 1;
    }
    return o;
  }
  /** Writes the pattern of segment [s, e) at `o`; returns the new output length. */
  private segment(
    name: Uint8Array,
    s: number,
    e: number,
    or: number,
    and: number,
    nd: number,
    o: number,
  ): number {
    const len = e - s;
    if (len === 0) return o;
    const out = this.out;
    if (or & (CTRL | HIGH)) {
      if (or & CTRL || !isPrintableText(name, s, e)) {
        out[o] = STAR;
        return o + 1;
      }
    } else {
      if (and & DIGIT) {
        out[o] = STAR;
        return o + 1;
      }
      if (nd === 0 && len < 8 && !(or & AT)) return this.literal(name, s, e, o, or);
      if (this.wholeIsVariable(name, s, e, or, and, nd)) {
        out[o] = STAR;
        return o + 1;
      }
    }
    if (nd > 0 || or & SEP) return this.subSegments(name, s, e, o);
    return this.literal(name, s, e, o, or);
  }

  /** Rules 2–5 on a whole printable-ASCII segment. */
  private wholeIsVariable(
    name: Uint8Array,
    s: number,
    e: number,
    or: number,
    and: number,
    nd: number,
  ): boolean {
    const len = e - s;
    if (and & NUMT && nd > 0 && 2 * nd >= len && (!(or & TZ) || nd >= 8)) return true;
    if (or & AT) {
      const at = name.indexOf(0x40, s);
      if (at > s && at < e - 1) return true;
    }
    if (isHexId(name, s, e, or, and)) return true;
    if (and & HEXDASH && len >= 17 && nd > 0) {
      if (len === 36 && isUuidAt(name, s)) return true;
      if (len - countByte(name, s, e, 0x2d) >= 16 && !(or & LOWER && or & UPPER)) return true;
    }
    return isToken(name, s, e, or, and, nd);
  }

  /** Rule 6: cut at soft separators, classify each piece. */
  private subSegments(name: Uint8Array, s: number, e: number, o: number): number {
    const out = this.out;
    let p = s;
    for (;;) {
      let q = p;
      let or = 0;
      let and = ALL;
      let nd = 0;
      let run = 0;
      let maxRun = 0;
      while (q < e) {
        const c = CLS[name[q] as number] as number;
        if (c & SEP) break;
        or |= c;
        and &= c;
        if (c & DIGIT) {
          nd++;
          if (++run > maxRun) maxRun = run;
        } else run = 0;
        q++;
      }
      let uuid = false;
      if (q - p === 8 && name[q] === 0x2d && p + 36 <= e && isUuidAt(name, p)) {
        const end = p + 36;
        if (end === e || (CLS[name[end] as number] as number) & SEP) {
          q = end;
          uuid = true;
        }
      }
      if (uuid) out[o++] = STAR;
      else o = this.piece(name, p, q, or, and, nd, maxRun, o);
      if (q >= e) return o;
      out[o++] = name[q] as number;
      p = q + 1;
    }
  }

  private piece(
    name: Uint8Array,
    s: number,
    e: number,
    or: number,
    and: number,
    nd: number,
    maxRun: number,
    o: number,
  ): number {
    if (s === e) return o;
    const out = this.out;
    if (and & DIGIT || (!(or & HIGH) && (isHexId(name, s, e, or, and) || isToken(name, s, e, or, and, nd)))) {
      out[o] = STAR;
      return o + 1;
    }
    if (maxRun < 4) return this.literal(name, s, e, o, or);
    // Runs of >= 4 digits glued to letters become `*` in place.
    let i = s;
    while (i < e) {
      const b = name[i] as number;
      if (isDigit(b)) {
        let j = i + 1;
        while (j < e && isDigit(name[j] as number)) j++;
        if (j - i >= 4) {
          out[o++] = STAR;
          i = j;
          continue;
        }
        while (i < j) out[o++] = name[i++] as number;
        continue;
      }
      if ((CLS[b] as number) & GLOB) out[o++] = BACKSLASH;
      out[o++] = b;
      i++;
    }
    return o;
  }

  private literal(name: Uint8Array, s: number, e: number, o: number, or: number): number {
    const out = this.out;
    if (or & GLOB) {
      for (let i = s; i < e; i++) {
        const b = name[i] as number;
        if ((CLS[b] as number) & GLOB) out[o++] = BACKSLASH;
        out[o++] = b;
      }
      return o;
    }
    for (let i = s; i < e; i++) out[o++] = name[i] as number;
    return o;
  }
}

function countByte(buf: Uint8Array, s: number, e: number, byte: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if (buf[i] === byte) n++;
  return n;
}

const inferrers = new Map<string, PatternInferrer>();

/**
 * The pattern (a Redis MATCH glob, UTF-8) of one key name; see the rules at the top of this module.
 * The glob always matches the name: `compileGlob(inferPattern(k))(k)` is true for every k.
 */
export function inferPattern(name: Uint8Array, opts: PatternOptions = {}): string {
  const delimiters = opts.delimiters ?? ':';
  let inferrer = inferrers.get(delimiters);
  if (!inferrer) {
    inferrer = new PatternInferrer({ delimiters });
    if (inferrers.size < 16) inferrers.set(delimiters, inferrer);
  }
  const len = inferrer.infer(name);
  return inferrer.out.toString('utf8', 0, len);
}
