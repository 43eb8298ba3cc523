/**
 * The one loader of the Lua scripts the product sends to Redis. Each script is a `.lua` file in
 * `lua/` next to this module; the build copies that folder into `dist/keyspace/lua/`, so the same
 * relative path works from the sources (tsx, vitest) and from the built package.
 */
import { readFileSync } from 'node:fs';

/** Every script in `lua/`, by file name without `.lua`. */
export type LuaScriptName =
  | 'approval-transition'
  | 'census-page'
  | 'checklist-step'
  | 'compare-and-set'
  | 'delete-if-active'
  | 'delete-if-equals'
  | 'expire-if-equals'
  | 'history-add'
  | 'incident-close'
  | 'lease-acquire'
  | 'pexpire-if-equals'
  | 'pointer-swap'
  | 'release-if-owner'
  | 'ttl-page'
  | 'ttl-run-create'
  | 'ttl-run-transition';

const loaded = new Map<LuaScriptName, string>();

/** The text of `lua/<name>.lua`, read once. */
export function luaScript(name: LuaScriptName): string {
  let text = loaded.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    loaded.set(name, text);
  }
  return text;
}
