/**
 * Key names → patterns and key display, all on bytes (matching a glob: keyspace/glob.ts).
 *
 * A pattern is a Redis MATCH glob (UTF-8) that matches every key it was inferred from: the name is
 * cut at the delimiters (and at the braces of a cluster hash tag), each variable segment becomes `*`,
 * literal segments are copied with the glob specials `*` `?` `[` `\` escaped. Pure and allocation-light:
 * `PatternInferrer.infer` writes into a reusable buffer and allocates nothing per key. (Over 400
 * lines: the per-key pass is one hot loop, and its helpers share its buffer and byte tables.)
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
 * Tokens that run across delimiters are one `*`: IPv6 addresses (compressed, with a `%zone` or an
 * IPv4 tail) across `:`, ISO date-times across `:`, standard base64 ids across `/`
 * (segment-rules.ts says how they are told from paths and words).
 * Consecutive variable segments each become `*` (`a:*:*`); a fully variable key is `*`; a word is
 * itself. Patterns longer than 512 bytes are cut at a segment boundary and end in `*`.
 */

import {
  ALL,
  AT,
  BACKSLASH,
  CLS,
  COLON,
  CTRL,
  DIGIT,
  GLOB,
  HEX,
  HEXDASH,
  HIGH,
  isDigit,
  isPrintableText,
  LOWER,
  MAX_PATTERN_BYTES,
  NUMT,
  SEP,
  STAR,
  TZ,
  UPPER,
} from './bytes.js';
import {
  base64RunEnd,
  countByte,
  dateTimeEnd,
  hasWordPiece,
  ipv6End,
  isHexId,
  isIsoWeek,
  isJwt,
  isToken,
  isUuidAt,
} from './segment-rules.js';
// ---------------------------------------------------------------------------------------------
// Inference

export interface PatternOptions {
  /** Characters that cut a key into segments (ASCII, none of `*?[]\{}`). @defaultValue ':' */
  delimiters?: string;
}

const DELIM = 1;
const TAG_OPEN = 2;
const TAG_CLOSE = 3;
const SLASH = 0x2f;
/** Where a byte's kind (DELIM, TAG_OPEN, TAG_CLOSE) sits in the combined table, above the class bits. */
const KIND_SHIFT = 17;
const KIND_MIN = 1 << KIND_SHIFT;

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

/**
 * Per byte: its class bits (`CLS`) with its kind above them, so the per-byte loop reads one table:
 * a value below `KIND_MIN` is an ordinary byte.
 */
function combinedTable(kinds: Uint8Array): Uint32Array {
  const t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) t[b] = (CLS[b] as number) | ((kinds[b] as number) << KIND_SHIFT);
  return t;
}

/** A buffer of its own memory (offset 0, a multiple of 4 bytes), so it can be read as words too. */
function alignedBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer((size + 3) & ~3));
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
  out: Buffer = alignedBuffer(1024);
  /** `out` as 32-bit words (the same memory, so at offset 0): the table hashes and compares by word. */
  outWords: Int32Array = new Int32Array(this.out.buffer, 0, this.out.length >> 2);
  readonly delimiters: string;
  /** Per byte: 0, DELIM, TAG_OPEN or TAG_CLOSE. */
  private readonly kinds: Uint8Array;
  /** Per byte: class bits and kind (`combinedTable`). */
  private readonly classes: Uint32Array;

  constructor(opts: PatternOptions = {}) {
    this.delimiters = opts.delimiters ?? ':';
    this.kinds = delimiterTable(this.delimiters);
    this.classes = combinedTable(this.kinds);
  }

  /** True when byte `b` is one of the delimiters. */
  isDelimiter(b: number): boolean {
    return this.kinds[b] === DELIM;
  }

  infer(name: Uint8Array): number {
    const n = name.length;
    if (this.out.length < 2 * n + 8) {
      this.out = alignedBuffer(Math.max(2 * n + 8, 2 * this.out.length));
      this.outWords = new Int32Array(this.out.buffer, 0, this.out.length >> 2);
    }
    const out = this.out;
    const classes = this.classes;
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
      let c = classes[b] as number;
      if (c < KIND_MIN) {
        or |= c;
        and &= c;
        nd += c & DIGIT;
        continue;
      }
      const kind = c >>> KIND_SHIFT;
      c &= ALL;
      if (kind === TAG_OPEN) {
        if (tagChecked) {
          or |= c;
          and &= c;
          continue;
        }
        tagChecked = true;
        tagClose = tagEnd(name, i, n);
        if (tagClose < 0) {
          or |= c;
          and &= c;
          continue;
        }
      } else if (kind === TAG_CLOSE && i !== tagClose) {
        or |= c;
        and &= c;
        continue;
      }
      if (kind === DELIM) {
        // A typed token that runs across delimiters (IPv6, base64 with `/`, ISO date-time): one `*`.
        const j = this.tokenAcross(name, s, i, n, and, nd, tagClose);
        if (j > 0) {
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
  /**
   * At the delimiter `i` of the segment starting at `s`: the end of a typed token that starts at `s`
   * and runs across delimiters, when a boundary (a delimiter, the tag's `}` or the end) follows it;
   * otherwise -1.
   */
  private tokenAcross(
    name: Uint8Array,
    s: number,
    i: number,
    n: number,
    and: number,
    nd: number,
    tagClose: number,
  ): number {
    const kinds = this.kinds;
    const b = name[i] as number;
    let j = -1;
    if (b === COLON && i - s <= 4 && (i === s || and & HEX)) j = ipv6End(name, s, n);
    if (j < 0 && b === COLON && nd >= 10) j = dateTimeEnd(name, s, i, n);
    if (j < 0 && b === SLASH) {
      // the run a base64 id may fill: up to the next delimiter other than `/`
      let hard = i + 1;
      while (hard < n && hard - s <= MAX_PATTERN_BYTES) {
        const k = kinds[name[hard] as number] as number;
        if ((k === DELIM && name[hard] !== SLASH) || k === TAG_OPEN || hard === tagClose) break;
        hard++;
      }
      return base64RunEnd(name, s, hard);
    }
    return j > 0 && (j === n || kinds[name[j] as number] === DELIM || j === tagClose) ? j : -1;
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
    if (nd >= 6 && len <= 10 && isIsoWeek(name, s, e)) return true;
    if (len >= 20 && name[s] === 0x65 && isJwt(name, s, e)) return true;
    if (and & HEXDASH && len >= 17 && nd > 0) {
      if (len === 36 && isUuidAt(name, s)) return true;
      if (len - countByte(name, s, e, 0x2d) >= 16 && !(or & LOWER && or & UPPER)) return true;
    }
    // standard base64 with `+` or padding (`qprimzrqt+Ai9reQ…==`): `=` and `+` are not word joiners
    if (
      len >= 16 &&
      (name[e - 1] === 0x3d || countByte(name, s, e, 0x2b) > 0) &&
      base64RunEnd(name, s, e) === e
    )
      return true;
    // `celery-task-meta-<uuid>` is words and an id, not one random token
    return isToken(name, s, e, or, and, nd) && !(or & SEP && hasWordPiece(name, s, e));
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
