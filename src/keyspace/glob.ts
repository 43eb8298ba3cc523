/**
 * The one Redis glob parser: what `SCAN MATCH` / `KEYS` select, byte for byte (Redis'
 * `stringmatchlen`). `compileGlob` matches names; `globTokens` is the same parse as a token list,
 * for questions about a glob itself (its literal prefix, whether it can reach a key prefix,
 * whether its meaning depends on the server's `char` sign). Everything else in `src/` that reads a
 * glob goes through here; producing globs (census pattern inference) is elsewhere.
 */

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

export type KeyMatcher = (name: Uint8Array) => boolean;

/**
 * Compiles a Redis glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`) into a byte matcher with the
 * semantics of Redis' `stringmatchlen` (case-sensitive, as SCAN MATCH): unterminated classes, a
 * reversed range `[z-a]`, `\` escapes inside classes, and the 1000-level nesting cap included.
 * A string glob is taken as UTF-8; pass bytes to match binary names. Redis compares range bounds
 * as C `char`: unsigned on ARM / Graviton (the default here), signed on x86 (`signedChar`). The two
 * differ only for a range with one bound below 0x80 and one above (`globRangeSignSensitive`), such
 * as `[ -é]` in UTF-8; remediation/server-glob.ts asks the server which one it uses.
 */
export function compileGlob(glob: string | Uint8Array, opts: { signedChar?: boolean } = {}): KeyMatcher {
  const pat = Uint8Array.from(bytesOf(glob));
  let stars = 0;
  let other = false;
  for (const b of pat) {
    if (b === STAR) stars++;
    else if (b === 0x3f || b === 0x5b || b === BACKSLASH) other = true;
  }
  // SCAN and KEYS treat a lone `*` as "everything", the empty name included; stringmatchlen itself
  // never matches an empty name against a non-empty pattern.
  if (pat.length === 1 && pat[0] === STAR) return () => true;
  if (!other && stars < 1000) return starOnlyMatcher(pat);
  const signed = opts.signedChar === true;
  return (name) => matchAt(pat, 0, name, 0, 0, signed) === 1;
}

/**
 * True when `glob` has a class range with one bound below 0x80 and the other at or above it: the
 * only construct whose meaning depends on whether the server's `char` is signed.
 */
export function globRangeSignSensitive(glob: string | Uint8Array): boolean {
  return globTokens(glob).some(
    (t) => t.kind === 'class' && t.ranges.some(([a, z]) => a >= 0x80 !== z >= 0x80),
  );
}

/** A byte as x86's signed `char`. */
function signedByte(b: number): number {
  return b >= 0x80 ? b - 256 : b;
}

function bytesEqualAt(a: Uint8Array, ai: number, b: Uint8Array, bi: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

function indexOfBytes(hay: Uint8Array, from: number, to: number, needle: Uint8Array): number {
  const len = needle.length;
  const first = needle[0] as number;
  for (let i = from; i + len <= to; i++) {
    if (hay[i] === first && bytesEqualAt(hay, i, needle, 0, len)) return i;
  }
  return -1;
}

/** Globs made of literals and `*` only: prefix, suffix, then leftmost search of the middle parts. */
function starOnlyMatcher(pat: Uint8Array): KeyMatcher {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= pat.length; i++) {
    if (i === pat.length || pat[i] === STAR) {
      parts.push(pat.subarray(start, i));
      start = i + 1;
    }
  }
  if (parts.length === 1) {
    const lit = parts[0] as Uint8Array;
    return (name) => name.length === lit.length && bytesEqualAt(name, 0, lit, 0, lit.length);
  }
  const prefix = parts[0] as Uint8Array;
  const suffix = parts[parts.length - 1] as Uint8Array;
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const fixed = prefix.length + suffix.length;
  if (middle.length === 0 && suffix.length === 0) {
    return (name) =>
      name.length >= prefix.length && name.length > 0 && bytesEqualAt(name, 0, prefix, 0, prefix.length);
  }
  return (name) => {
    const n = name.length;
    if (n < fixed || n === 0) return false;
    if (!bytesEqualAt(name, 0, prefix, 0, prefix.length)) return false;
    if (!bytesEqualAt(name, n - suffix.length, suffix, 0, suffix.length)) return false;
    let at = prefix.length;
    const limit = n - suffix.length;
    for (const part of middle) {
      const found = indexOfBytes(name, at, limit, part);
      if (found < 0) return false;
      at = found + part.length;
    }
    return true;
  };
}

/**
 * Port of stringmatchlen_impl: 1 match, 0 no match, -1 "no match, and no longer match of an
 * earlier `*` can help" (Redis' skipLongerMatches).
 */
function matchAt(
  pat: Uint8Array,
  pi: number,
  str: Uint8Array,
  si: number,
  nesting: number,
  signed: boolean,
): number {
  if (nesting > 1000) return 0;
  const pn = pat.length;
  const sn = str.length;
  while (pi < pn && si < sn) {
    const pc = pat[pi] as number;
    if (pc === STAR) {
      while (pi + 1 < pn && pat[pi + 1] === STAR) pi++;
      if (pi + 1 === pn) return 1;
      while (si < sn) {
        const r = matchAt(pat, pi + 1, str, si, nesting + 1, signed);
        if (r === 1) return 1;
        if (r === -1) return -1;
        si++;
      }
      return -1;
    }
    if (pc === 0x3f) {
      si++;
    } else if (pc === 0x5b) {
      pi++;
      const not = pat[pi] === 0x5e;
      if (not) pi++;
      let match = false;
      const c = str[si] as number;
      for (;;) {
        if (pi >= pn) {
          pi--;
          break;
        }
        const b = pat[pi] as number;
        if (b === BACKSLASH && pn - pi >= 2) {
          pi++;
          if (pat[pi] === c) match = true;
        } else if (b === 0x5d) {
          break;
        } else if (pn - pi >= 3 && pat[pi + 1] === 0x2d) {
          let lo = signed ? signedByte(b) : b;
          let hi = signed ? signedByte(pat[pi + 2] as number) : (pat[pi + 2] as number);
          const cc = signed ? signedByte(c) : c;
          if (lo > hi) {
            const t = lo;
            lo = hi;
            hi = t;
          }
          pi += 2;
          if (cc >= lo && cc <= hi) match = true;
        } else if (b === c) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return 0;
      si++;
    } else {
      if (pc === BACKSLASH && pn - pi >= 2) pi++;
      if (pat[pi] !== str[si]) return 0;
      si++;
    }
    pi++;
    if (si === sn) {
      while (pi < pn && pat[pi] === STAR) pi++;
      break;
    }
  }
  return pi === pn && si === sn ? 1 : 0;
}

function bytesOf(glob: string | Uint8Array): Uint8Array {
  return typeof glob === 'string' ? Buffer.from(glob, 'utf8') : glob;
}

/** One element of a glob: a literal byte, `?`, `*`, or a class with its singles and ranges as written. */
export type GlobToken =
  | { kind: 'lit'; byte: number }
  | { kind: 'any' }
  | { kind: 'star' }
  | {
      kind: 'class';
      not: boolean;
      singles: number[];
      ranges: [number, number][];
      /** False when no `]` ends it: the class runs to the end of the pattern. */
      closed: boolean;
    };

/**
 * The glob as stringmatchlen reads it: `\x` outside and inside classes, `[^...]`, `a-z` ranges
 * (bounds as written; a reversed range matches the same bytes), and an unterminated class that
 * simply ends with the pattern. A trailing lone `\` is a literal backslash.
 */
export function globTokens(glob: string | Uint8Array): GlobToken[] {
  const pat = bytesOf(glob);
  const n = pat.length;
  const out: GlobToken[] = [];
  for (let i = 0; i < n; i++) {
    const b = pat[i] as number;
    if (b === STAR) out.push({ kind: 'star' });
    else if (b === QUESTION) out.push({ kind: 'any' });
    else if (b === BACKSLASH && n - i >= 2) out.push({ kind: 'lit', byte: pat[++i] as number });
    else if (b === OPEN) {
      i++;
      const not = pat[i] === CARET;
      if (not) i++;
      const singles: number[] = [];
      const ranges: [number, number][] = [];
      for (; i < n; i++) {
        const x = pat[i] as number;
        if (x === BACKSLASH && n - i >= 2) singles.push(pat[++i] as number);
        else if (x === CLOSE) break;
        else if (n - i >= 3 && pat[i + 1] === DASH) {
          ranges.push([x, pat[i + 2] as number]);
          i += 2;
        } else singles.push(x);
      }
      out.push({ kind: 'class', not, singles, ranges, closed: i < n });
    } else out.push({ kind: 'lit', byte: b });
  }
  return out;
}

/**
 * True when a `[` opens a class no `]` closes (`foo[*`). Redis then reads the rest of the pattern
 * as that class, which is never what someone who wrote it meant: callers refuse such a glob.
 */
export function globHasUnclosedClass(glob: string | Uint8Array): boolean {
  return globTokens(glob).some((t) => t.kind === 'class' && !t.closed);
}

/** Whether a class token selects byte `c` (bounds compared unsigned, as on ARM). */
function classHas(token: Extract<GlobToken, { kind: 'class' }>, c: number): boolean {
  const hit =
    token.singles.includes(c) || token.ranges.some(([a, z]) => c >= Math.min(a, z) && c <= Math.max(a, z));
  return token.not ? !hit : hit;
}

/** The literal text every key matching `glob` starts with (escapes resolved): `a\*b*` → `a*b`. */
export function literalPrefix(glob: string): string {
  const bytes: number[] = [];
  for (const token of globTokens(glob)) {
    if (token.kind !== 'lit') break;
    bytes.push(token.byte);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Could `glob` match some key that starts with `prefix`? Exact for literals, `?` and classes, and
 * conservative (yes) once a `*` is reached while the prefix is still being matched.
 */
export function globMayMatchPrefix(glob: string, prefix: string): boolean {
  const tokens = globTokens(glob);
  let k = 0;
  for (const c of Buffer.from(prefix, 'utf8')) {
    const token = tokens[k];
    if (!token) return false;
    if (token.kind === 'star') return true;
    if (token.kind === 'lit' && token.byte !== c) return false;
    if (token.kind === 'class' && !classHas(token, c)) return false;
    k++;
  }
  return true;
}
