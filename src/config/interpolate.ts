/**
 * `${VAR}` references are resolved on the parsed YAML tree, not on the text, so a secret holding
 * quotes, `#` or newlines can never change the document's structure. `$${` stays a literal `${`.
 */
export interface MissingVariable {
  path: (string | number)[];
  variable: string;
}

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function interpolateEnv(
  node: unknown,
  env: Record<string, string | undefined>,
  missing: MissingVariable[],
  path: (string | number)[] = [],
): unknown {
  if (typeof node === 'string') {
    return node.replace(REF, (match, name: string | undefined) => {
      if (name === undefined) return '${';
      const value = env[name];
      if (value === undefined) {
        missing.push({ path, variable: name });
        return match;
      }
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolateEnv(item, env, missing, [...path, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node))
      out[key] = interpolateEnv(value, env, missing, [...path, key]);
    return out;
  }
  return node;
}

/** `clusters[1].url` style, the way people read paths in a YAML file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}
