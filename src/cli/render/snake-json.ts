/**
 * The one naming convention of every `--json` output: snake_case keys at every depth. Core results
 * are camelCase TypeScript objects; the CLI converts them here, once, instead of each command
 * spelling out its own field names (which is how three commands drifted to camelCase).
 *
 * Only for values whose object keys are the code's own field names: a map keyed by data (key
 * names, patterns) would have its data rewritten.
 */

/** `keysWithoutTtl` → `keys_without_ttl`, `dryRunId` → `dry_run_id`; already snake_case stays. */
export function snakeCase(key: string): string {
  return key
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A JSON-ready value with every object key in snake_case (arrays and leaves as they are). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), snakeKeys(v)]));
  }
  return value;
}
