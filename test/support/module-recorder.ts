/**
 * Records every module a process loads, for tests of what a CLI command pulls in. Loaded with
 * `--import` after tsx; writes one URL a line to MODULE_RECORD_FILE: ES modules as the loader
 * hands them out (a load hook), CommonJS ones from the require cache when the process exits.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.MODULE_RECORD_FILE;
if (file) {
  // The hook runs on the loader thread; a data: URL keeps it out of tsx's hands (plain JS).
  const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(file)}, url + '\\n');
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
    appendFileSync(file, urls.map((u) => `${u}\n`).join(''));
  });
}
