/**
 * The product's command lines in README.md's fenced ```bash blocks, for the doc test.
 *
 * The rule: a line (backslash continuations joined, a trailing `# comment` cut, `&&` chains split)
 * runs the product when it starts with `npx redis-medic`, `redis-medic` or `npm run [-s] demo`.
 * Everything else in those blocks (`npm ci`, `npm test`, `npm run lint`, `export …`, `docker …`)
 * is set-up or development, not the product.
 *
 * A line is expanded into the runs it documents: `[--opt VALUE]` groups are left out once and put
 * in once (`a|b|c` → the first choice), and `A | --other B` alternatives (a `|` followed by an
 * option) become one run each. A `| jq EXPR` tail is kept apart as the pipe it is.
 */

export interface ReadmeRun {
  /** The README line as written (after joining continuations). */
  line: string;
  /** Words of the command, placeholders still in (`NAME`, `cfg.yml`, `URL` …). */
  words: string[];
  /** `jq` arguments when the line pipes into jq. */
  jq?: string[];
}

const PRODUCT = /^(npx redis-medic|redis-medic|npm run (-s )?demo)\b/;

/** The fenced bash lines of a Markdown text, continuations joined and comments cut. */
export function fencedBashLines(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const joined = (block[1] ?? '').replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line) out.push(...line.split(/\s*&&\s*/));
    }
  }
  return out;
}

/** The product lines of a Markdown text, each with the runs it documents. */
export function readmeRuns(markdown: string): ReadmeRun[] {
  const runs: ReadmeRun[] = [];
  for (const line of fencedBashLines(markdown)) {
    if (!PRODUCT.test(line)) continue;
    const [command = '', ...pipe] = line.split(/\s+\|\s+(?=jq\b)/);
    const jq = pipe[0]?.split(/\s+/).slice(1);
    for (const alternative of alternatives(command)) {
      for (const words of optionalGroups(alternative)) runs.push({ line, words, ...(jq ? { jq } : {}) });
    }
  }
  return runs;
}

/** `cmd --a X | --b Y [--c]` → `cmd --a X [--c]` and `cmd --b Y [--c]` (a `|` outside brackets). */
function alternatives(command: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '|' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  if (parts.length === 1) return parts;
  // `cmd --a X | --b Y [--c]`: the command words lead the first part, the `[…]` groups end the last.
  const first = parts[0] ?? '';
  const optionAt = first.search(/\s--/);
  const head = optionAt >= 0 ? first.slice(0, optionAt) : first;
  parts[0] = first.slice(head.length);
  const last = parts[parts.length - 1] ?? '';
  const groupsAt = last.indexOf('[');
  const tail = groupsAt >= 0 ? last.slice(groupsAt) : '';
  parts[parts.length - 1] = groupsAt >= 0 ? last.slice(0, groupsAt) : last;
  return parts.map((choice) => `${head} ${choice.trim()} ${tail}`.replace(/\s+/g, ' ').trim());
}

/** Without every `[…]` group, and with all of them (each `a|b` group as its first choice). */
function optionalGroups(command: string): string[][] {
  const without = command.replace(/\s*\[[^\]]*\]/g, '');
  const withAll = command.replace(/\[([^\]]*)\]/g, (_m, inner: string) =>
    inner.replace(/([^\s|]+)(?:\|[^\s|]+)+/g, '$1'),
  );
  const split = (s: string) => s.split(/\s+/).filter(Boolean);
  return without === command ? [split(command)] : [split(without), split(withAll)];
}
