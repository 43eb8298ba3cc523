/**
 * Child processes of the reliability suite run compiled, as a deployment runs the bot: under
 * `--import tsx` the TypeScript loader alone takes ~50 MB and seconds to start, which is neither the
 * worker's memory nor its start-up. esbuild (what tsx and vite run on) bundles our sources into one
 * file under the gitignored .scratch/; packages stay external and load from node_modules. The Lua
 * scripts go beside the bundle in `lua/`, where the loader looks for them, as `npm run build` puts
 * them beside dist/keyspace/lua.ts.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compiled = new Map<string, Promise<string>>();

/** The path of `entry` (a file URL or path) bundled to ESM; built once per test process. */
export function compileChild(entry: URL | string): Promise<string> {
  const source = typeof entry === 'string' ? entry : fileURLToPath(entry);
  let out = compiled.get(source);
  if (!out) {
    out = (async () => {
      const { build } = await import('esbuild');
      const dir = join(process.cwd(), '.scratch', 'reliability', 'bin');
      mkdirSync(dir, { recursive: true });
      cpSync(fileURLToPath(new URL('../../src/keyspace/lua', import.meta.url)), join(dir, 'lua'), {
        recursive: true,
      });
      const outfile = join(dir, `${basename(source, '.ts')}-${process.pid}.mjs`);
      await build({
        entryPoints: [source],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        outfile,
        logLevel: 'silent',
      });
      return outfile;
    })();
    compiled.set(source, out);
  }
  return out;
}
