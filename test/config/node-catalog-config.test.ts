/**
 * `capacity.nodeCatalog` is checked when the config loads, like `i18n.overridesDir`: a missing
 * file, a file that is not JSON and a catalog with a bad value are each a problem naming the
 * setting and the file, so `check-config` fails instead of the first capacity advice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeCatalogProblem } from '../../src/capacity/node-catalog.js';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { runCli } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'medic-catalog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (catalog: string) => `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
capacity:
  nodeCatalog: ${JSON.stringify(catalog)}
`;

function lines(catalog: string): string[] {
  const result = parseConfig(config(catalog), {}, 'en', {
    baseDir: root,
    nodeCatalogCheck: nodeCatalogProblem,
  });
  if (result.ok) return [];
  const t = createI18n({ strict: true }).plain('en');
  return result.problems.map((p) => `${p.path}: ${p.key ? t(p.key, p.values ?? {}) : p.text}`);
}

describe('capacity.nodeCatalog in the config', () => {
  it('a good override loads', () => {
    writeFileSync(
      join(root, 'good.json'),
      JSON.stringify({
        nodeTypes: {
          'cache.r7g.large': {
            memoryGiB: 13.07,
            vcpu: 2,
            network: 'Up to 12.5 Gigabit',
            burstable: false,
            onDemandUsdPerHour: { 'us-east-1': { redis: 0.2, valkey: 0.16 } },
          },
        },
      }),
    );
    expect(lines('good.json')).toEqual([]);
  });

  it('not JSON, or a bad value: named with the setting, the file and the field', () => {
    writeFileSync(join(root, 'broken.json'), '{ nodeTypes: ');
    writeFileSync(
      join(root, 'bad.json'),
      JSON.stringify({ nodeTypes: { 'cache.r7g.large': { memoryGiB: 'lots' } } }),
    );
    expect(lines('broken.json')).toEqual([
      `capacity.nodeCatalog: the node catalog ${join(root, 'broken.json')} is not valid JSON`,
    ]);
    const [bad] = lines('bad.json');
    expect(bad).toContain(`capacity.nodeCatalog: the node catalog ${join(root, 'bad.json')}`);
    expect(bad).toContain('nodeTypes.cache.r7g.large');
  });

  it('check-config fails (exit 1) on a missing file, naming the setting and the path', async () => {
    const path = join(root, 'medic.yml');
    writeFileSync(path, config('no-such-catalog.json'));
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('capacity.nodeCatalog');
    expect(run.stderr).toContain(join(root, 'no-such-catalog.json'));
  }, 60_000);
});
