/**
 * Byte classes and UTF-8 checks shared by the key-name rules, and the display form of a key name.
 * Everything works on bytes: Redis key names need not be UTF-8.
 */
// ---------------------------------------------------------------------------------------------
// Byte classes

export const DIGIT = 1; // must be bit 0: digits are counted with `c & 1`
export const LOWER = 1 << 1;
export const UPPER = 1 << 2;
export const HEX = 1 << 3;
export const SEP = 1 << 4;
export const NUMT = 1 << 5;
export const B64 = 1 << 6;
export const ALNUM = 1 << 7;
export const CTRL = 1 << 8;
export const HIGH = 1 << 9;
export const GLOB = 1 << 10;
export const VOWEL = 1 << 11;
export const AT = 1 << 12;
export const TZ = 1 << 13;
export const HEXDASH = 1 << 14;
export const ALPHA = 1 << 15;
export const B64STD = 1 << 16;
export const ALL = 0x1ffff;

export const CLS = (() => {
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

export const STAR = 0x2a;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const MAX_PATTERN_BYTES = 512;

export function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

/** Code point of the last sequence `utf8At` accepted (a module slot: no allocation per call). */
let lastCodePoint = 0;

/** Length of the well-formed UTF-8 sequence starting at `i` (before `end`), 0 when ill-formed. */
export function utf8At(buf: Uint8Array, i: number, end: number): number {
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
export function isUnsafeCodePoint(cp: number): boolean {
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
export function isPrintableText(buf: Uint8Array, s: number, e: number): boolean {
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
