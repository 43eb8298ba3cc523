/**
 * The layer rules of ARCHITECTURE.md, checked against the sources: the layer table is read from the
 * document itself (so the page and the code cannot drift apart), every relative import in `src/` is
 * found by scanning the text, and an import may only point to its own layer or one further down.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const srcDir = join(root, 'src');

/** The composition root wires every layer together, as ARCHITECTURE.md says below the table. */
const compositionRoot = 'server.ts';

interface Layer {
  name: string;
  rank: number;
  /** Top-level entries of `src/`: a folder name (`aws`) or a file name (`errors.ts`). */
  units: string[];
}

/** The rows of the first table in ARCHITECTURE.md, top row first; the folders column names the units. */
function readLayerTable(markdown: string): Layer[] {
  const rows = markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  // Header, separator, then the layers.
  return rows.slice(2).map((cells, rank) => ({
    name: cells[1] ?? '',
    rank,
    units: [...(cells[2] ?? '').matchAll(/`src\/([^`/]+)\/?`/g)].map((m) => m[1] ?? ''),
  }));
}

/** Every module specifier a TypeScript source imports or re-exports, static or dynamic. */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] ?? ''));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level entry of `src/` a path belongs to, or undefined outside `src/`. */
function unitOf(path: string): string | undefined {
  const rel = relative(srcDir, path);
  if (rel.startsWith('..')) return undefined;
  const [first = '', ...rest] = rel.split('/');
  return rest.length > 0 ? first : first.replace(/\.js$/, '.ts');
}

interface Edge {
  file: string;
  from: string;
  to: string;
  specifier: string;
}

/** Imports from one top-level entry of `src/` into another. */
function crossUnitImports(): Edge[] {
  return tsFiles(srcDir).flatMap((file) => {
    const from = unitOf(file) ?? '';
    return importSpecifiers(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file: relative(root, file),
        from,
        to: unitOf(resolve(dirname(file), specifier)) ?? '',
        specifier,
      }))
      .filter((edge) => edge.to !== '' && edge.to !== edge.from);
  });
}

const layers = readLayerTable(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'));
const layerOf = new Map(layers.flatMap((layer) => layer.units.map((unit) => [unit, layer] as const)));
const edges = crossUnitImports();
const describeEdge = (e: Edge) => `${e.file} imports '${e.specifier}'`;

describe('the import scanner', () => {
  it('finds static, multi-line, type-only, re-exported, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      "} from '../b/index.js';",
      "import type { C } from '../c.js';",
      "export type { D } from '../d.js';",
      "import './e.js';",
      "const f = await import('../f.js');",
      "const notAnImport = 'from nowhere';",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(
      ['./a.js', '../b/index.js', '../c.js', '../d.js', './e.js', '../f.js'].sort(),
    );
  });

  it('sees the imports the front ends are known to make', () => {
    // If the scanner saw nothing, every rule below would pass vacuously.
    const fromSlack = new Set(edges.filter((e) => e.from === 'slack').map((e) => e.to));
    expect(fromSlack).toContain('presenters');
    expect(fromSlack).toContain('i18n');
  });
});

describe('the layer table of ARCHITECTURE.md', () => {
  it('names the layers in order, top first', () => {
    expect(layers.map((layer) => layer.name)).toEqual([
      'front ends',
      'presenters',
      'jobs',
      'core',
      'leaves',
      'embedded default',
      'keyspace',
    ]);
  });

  it('places every top-level folder and file of src/', () => {
    const units = readdirSync(srcDir).filter((name) => name !== compositionRoot);
    const unplaced = units.filter((unit) => !layerOf.has(unit));
    expect(unplaced, 'add these to the layer table of ARCHITECTURE.md').toEqual([]);
  });
});

describe('imports point down the layers', () => {
  it('no module imports a layer above its own', () => {
    const upward = edges
      .filter((e) => e.from !== compositionRoot)
      .filter((e) => {
        const from = layerOf.get(e.from);
        const to = layerOf.get(e.to);
        return from !== undefined && to !== undefined && to.rank < from.rank;
      })
      .map((e) => `${describeEdge(e)} (${layerOf.get(e.from)?.name} → ${layerOf.get(e.to)?.name})`);
    expect(upward).toEqual([]);
  });

  it('the core and everything under it import neither the Slack app nor the CLI', () => {
    const frontEnds = new Set(['slack', 'cli']);
    const offenders = edges
      .filter((e) => e.from !== compositionRoot && !frontEnds.has(e.from) && frontEnds.has(e.to))
      .map(describeEdge);
    expect(offenders).toEqual([]);
  });

  it('aws/ and config/ import nothing from analysis/', () => {
    const offenders = edges
      .filter((e) => (e.from === 'aws' || e.from === 'config') && e.to === 'analysis')
      .map(describeEdge);
    expect(offenders).toEqual([]);
  });

  it('the AWS adapter imports no other core folder', () => {
    const core = layers.find((layer) => layer.name === 'core');
    const offenders = edges.filter((e) => e.from === 'aws' && core?.units.includes(e.to)).map(describeEdge);
    expect(core?.units).toContain('aws');
    expect(offenders).toEqual([]);
  });
});
