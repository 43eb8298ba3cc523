/**
 * Families, not tokens: decides which segments of the per-key templates vary by comparing the
 * templates with each other, the way log-template miners (Drain and its successors) do.
 *
 * A template is what `PatternInferrer` makes of one key (typed tokens already `*`), cut into
 * segments at the table's delimiters and at `{` `}`. A segment position varies when, among the
 * templates that agree on everything else (same segment count, same delimiters, same other
 * segments), more than `VARIES_AT` distinct values sit there: `sess:<id>`, `flag:<name>`,
 * `<tenant>:settings:*`. Then every one of them gets `*` there, unless no literal segment would be
 * left (single-word keys stay themselves rather than become one catch-all `*`).
 *
 * Online (bounded, per new template): each position's group (the template with that position
 * masked) keeps at most `VARIES_AT` + 1 distinct values, then only "varies"; a new template in a
 * varying group goes straight to that group's collapsed template, so templates never pile up one
 * per key. Offline (`generalize`, at the end): the same rule on the templates kept, position by
 * position from the right, a collapsed template forcing its group. Both depend only on the set of
 * templates seen, never on their order, while the table holds them all.
 */

/** More distinct values than this at one position, among otherwise equal templates: it varies. */
export const VARIES_AT = 20;

/** Stands for the varying position of a collapsed template (never in a template: no controls). */
export const MARK = '\u0000';
const HOLE = '\u0001';

export interface Template {
  segs: string[];
  /** delims[i] sits between segs[i] and segs[i + 1]. */
  delims: string[];
}

/** Cuts a template string at the delimiter characters and at `{` `}`. */
export function splitTemplate(pattern: string, isDelimiter: (code: number) => boolean): Template {
  const segs: string[] = [];
  const delims: string[] = [];
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x5c) {
      i++; // an escaped character is never a boundary
      continue;
    }
    if (c === 0x7b || c === 0x7d || (c < 0x80 && isDelimiter(c))) {
      segs.push(pattern.slice(start, i));
      delims.push(pattern[i] as string);
      start = i + 1;
    }
  }
  segs.push(pattern.slice(start));
  return { segs, delims };
}

export function joinTemplate(t: Template): string {
  let out = t.segs[0] as string;
  for (let i = 0; i < t.delims.length; i++) out += (t.delims[i] as string) + (t.segs[i + 1] as string);
  return out;
}

/** The group key of position `at`: the template with that position masked. */
function groupKey(t: Template, at: number): string {
  let out = at === 0 ? HOLE : (t.segs[0] as string);
  for (let i = 0; i < t.delims.length; i++) {
    out += t.delims[i] as string;
    out += i + 1 === at ? HOLE : (t.segs[i + 1] as string);
  }
  return out;
}

/**
 * True when the template keeps a literal segment besides position `at`: a position may vary only
 * then, so no family becomes a catch-all (`*`, `*:*`) that every other family's keys match too.
 */
function keepsLiteral(t: Template, at: number): boolean {
  for (let i = 0; i < t.segs.length; i++) {
    if (i === at) continue;
    const s = t.segs[i] as string;
    if (s !== '' && s !== '*' && s !== MARK) return true;
  }
  return false;
}

/** A value that counts as "another value" of a position: not a typed `*` (any id fits there). */
function counts(value: string): boolean {
  return value !== '*' && value !== MARK;
}

/** Online groups: which positions of new templates already vary. State is bounded by `maxGroups`. */
export class FamilyGroups {
  /** Group key → its one value, its distinct values, or null once it varies. */
  private readonly groups = new Map<string, string | Set<string> | null>();
  /** Set once a full map holds too few one-value groups for a sweep to pay. */
  private exhausted = false;

  constructor(private readonly maxGroups = 50_000) {}

  /**
   * Registers a new template. Returns the positions whose groups vary (rightmost first), the
   * template then belongs to the template collapsed at all of them; empty when none does. All, not
   * one: when tenants and names both vary, one position alone would give a template per tenant.
   */
  register(t: Template): number[] {
    const n = t.segs.length;
    const varying: number[] = [];
    for (let at = n - 1; at >= 0; at--) {
      if (!keepsLiteral(t, at)) continue;
      const value = t.segs[at] as string;
      const key = groupKey(t, at);
      const values = this.groups.get(key);
      if (values === null) {
        varying.push(at);
        continue;
      }
      if (!counts(value)) {
        if (values === undefined && this.room()) this.groups.set(key, new Set());
        continue;
      }
      if (values === undefined) {
        if (this.room()) this.groups.set(key, value);
      } else if (typeof values === 'string') {
        if (values !== value) this.groups.set(key, new Set([values, value]));
      } else {
        values.add(value);
        if (values.size > VARIES_AT) {
          this.groups.set(key, null);
          varying.push(at);
        }
      }
    }
    return varying;
  }

  /**
   * True when a new group fits. When the map is full, the oldest half of the groups that saw one
   * value goes: a key's own group at a position that never varies (`<tenant>:feature:<flag>`
   * masked at `feature`) is one per key and would otherwise fill the map, so the groups of later
   * families could never be made and their keys would each become a template.
   */
  private room(): boolean {
    if (this.groups.size < this.maxGroups) return true;
    if (this.exhausted) return false;
    let single = 0;
    for (const values of this.groups.values()) if (typeof values === 'string') single++;
    // A sweep costs a pass over the map: only worth it when it frees a good share of it.
    if (single < this.maxGroups / 4) {
      this.exhausted = true;
      return false;
    }
    let drop = Math.ceil(single / 2);
    for (const [key, values] of this.groups) {
      if (drop === 0) break;
      if (typeof values === 'string') {
        this.groups.delete(key);
        drop--;
      }
    }
    return this.groups.size < this.maxGroups;
  }

  /** The varying group keys (for a checkpoint); the others are rebuilt from the templates. */
  varying(): string[] {
    const out: string[] = [];
    for (const [key, values] of this.groups) if (values === null) out.push(key);
    return out;
  }

  isVarying(key: string): boolean {
    return this.groups.get(key) === null;
  }

  markVarying(keys: readonly string[]): void {
    for (const key of keys) this.groups.set(key, null);
  }
}

/**
 * The collapsed template of `t` at the positions `at` (rightmost first; each varying position holds
 * MARK), skipping a position whose MARK would leave no literal segment.
 */
export function collapsed(t: Template, at: readonly number[]): Template {
  const c = { segs: t.segs.slice(), delims: t.delims };
  for (const p of at) if (keepsLiteral(c, p)) c.segs[p] = MARK;
  return c;
}

/**
 * The offline pass: every template's final form. Positions are decided from the right; a group
 * varies when it holds more than VARIES_AT distinct values or a collapsed template (MARK).
 */
export function generalize(
  templates: readonly Template[],
  isVarying: (groupKey: string) => boolean = () => false,
): Template[] {
  const out = templates.map((t) => ({ segs: t.segs.slice(), delims: t.delims }));
  let maxN = 0;
  for (const t of out) maxN = Math.max(maxN, t.segs.length);
  for (let r = 1; r <= maxN; r++) {
    const groups = new Map<string, { members: number[]; values: Set<string>; forced: boolean }>();
    out.forEach((t, idx) => {
      const n = t.segs.length;
      if (n < r) return;
      const at = n - r;
      const key = `${n}\u0002${groupKey(t, at)}`;
      let g = groups.get(key);
      if (!g) {
        g = { members: [], values: new Set(), forced: false };
        groups.set(key, g);
      }
      g.members.push(idx);
      const value = t.segs[at] as string;
      // The online groups saw templates that went elsewhere: a group they found varying varies.
      if (value === MARK || isVarying(groupKey(templates[idx] as Template, at))) g.forced = true;
      else if (counts(value) && g.values.size <= VARIES_AT) g.values.add(value);
    });
    for (const g of groups.values()) {
      const sample = out[g.members[0] as number] as Template;
      const varies = (g.forced || g.values.size > VARIES_AT) && keepsLiteral(sample, sample.segs.length - r);
      for (const idx of g.members) {
        const t = out[idx] as Template;
        const at = t.segs.length - r;
        if (varies || t.segs[at] === MARK) t.segs[at] = '*';
      }
    }
  }
  return out;
}
