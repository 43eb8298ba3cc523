/**
 * Whether two Redis globs can select the same key, exactly: the two globs read as automata over
 * bytes (keyspace/glob.ts' token list) walked together, breadth first, until both end at once.
 * Returns a key both match (the witness), or null when no key can match both. A class range whose
 * meaning depends on the server's `char` sign counts every byte either reading selects, so the
 * answer errs towards "they overlap" only there.
 */
import { type GlobToken, globTokens } from './glob.js';

type Matcher = (c: number) => boolean;

/** Printable ASCII first, so a witness reads well in a test or a message. */
const BYTE_ORDER: number[] = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i),
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x81 }, (_, i) => 0x7f + i),
];

const signed = (b: number) => (b >= 0x80 ? b - 256 : b);

function inRange(c: number, a: number, z: number, asSigned: boolean): boolean {
  const [x, lo, hi] = asSigned ? [signed(c), signed(a), signed(z)] : [c, a, z];
  return x >= Math.min(lo, hi) && x <= Math.max(lo, hi);
}

/** The bytes one non-star token consumes. */
function matcherOf(token: Exclude<GlobToken, { kind: 'star' }>): Matcher {
  if (token.kind === 'lit') return (c) => c === token.byte;
  if (token.kind === 'any') return () => true;
  const hit = (c: number, asSigned: boolean) =>
    token.singles.includes(c) || token.ranges.some(([a, z]) => inRange(c, a, z, asSigned));
  return (c) => (token.not ? !hit(c, false) || !hit(c, true) : hit(c, false) || hit(c, true));
}

/** A key matched by both globs, or null when none exists. */
export function globsOverlap(a: string | Uint8Array, b: string | Uint8Array): Uint8Array | null {
  const ta = globTokens(a);
  const tb = globTokens(b);
  const width = tb.length + 1;
  const parent = new Map<number, { from: number; byte?: number }>();
  const start = 0;
  parent.set(start, { from: -1 });
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q] as number;
    const i = Math.floor(state / width);
    const j = state % width;
    if (i === ta.length && j === tb.length) return witness(parent, state);
    const visit = (ni: number, nj: number, byte?: number) => {
      const next = ni * width + nj;
      if (parent.has(next)) return;
      parent.set(next, { from: state, ...(byte !== undefined ? { byte } : {}) });
      queue.push(next);
    };
    const x = ta[i];
    const y = tb[j];
    // A star may match nothing.
    if (x?.kind === 'star') visit(i + 1, j);
    if (y?.kind === 'star') visit(i, j + 1);
    if (!x || !y) continue;
    const mx: Matcher = x.kind === 'star' ? () => true : matcherOf(x);
    const my: Matcher = y.kind === 'star' ? () => true : matcherOf(y);
    const byte = BYTE_ORDER.find((c) => mx(c) && my(c));
    if (byte === undefined) continue;
    visit(x.kind === 'star' ? i : i + 1, y.kind === 'star' ? j : j + 1, byte);
  }
  return null;
}

function witness(parent: Map<number, { from: number; byte?: number }>, end: number): Uint8Array {
  const bytes: number[] = [];
  for (let s = end; s !== -1; ) {
    const step = parent.get(s);
    if (!step) break;
    if (step.byte !== undefined) bytes.push(step.byte);
    s = step.from;
  }
  return Uint8Array.from(bytes.reverse());
}
