/**
 * The Node flags the bot is deployed with, read from `npm start` (the Dockerfile's entry point
 * repeats them; test/reliability/node-flags.test.ts keeps the two equal), so tests that measure
 * the worker's memory run it as production does.
 */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

export function serveNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** The flags between `node` and the launcher in the Dockerfile's ENTRYPOINT. */
export function dockerNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');
  const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (!entry) return [];
  const words = JSON.parse(entry) as string[];
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}
