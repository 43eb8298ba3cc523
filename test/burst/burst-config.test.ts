/**
 * The burst hunt's per-cluster sources in the config: a full block loads with its defaults; words
 * that would break out of the Insights regex, an empty log group list and sources without the
 * cluster's `aws` are config errors naming their path.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const config = (burst: string, aws = '    aws: { region: us-east-1, replicationGroupId: market }\n') => `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
${aws}    burst:
${burst}`;

describe('burst sources in the config', () => {
  it('loads logs, rules and ecs with the query timeout defaulted', () => {
    const r = parseConfig(
      config(`      logs: { groups: [/ecs/luckyus-isales-market], words: [contact] }
      rules: { nameFilters: [isales] }
      ecs: { cluster: luckyus-prod, services: [isales-market-service] }
`),
      {},
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.clusters[0]?.burst).toEqual({
      logs: { groups: ['/ecs/luckyus-isales-market'], words: ['contact'], queryTimeoutSeconds: 60 },
      rules: { nameFilters: ['isales'] },
      ecs: { cluster: 'luckyus-prod', services: ['isales-market-service'] },
    });
  });

  it.each([
    [
      'a word with regex syntax',
      `      logs: { groups: [/ecs/x], words: ["a|b)/ | stats"] }\n`,
      'clusters[0].burst.logs.words[0]',
    ],
    ['no log group', `      logs: { groups: [] }\n`, 'clusters[0].burst.logs.groups'],
    [
      'a rule filter with a quote',
      `      rules: { nameFilters: ["it's"] }\n`,
      'clusters[0].burst.rules.nameFilters[0]',
    ],
    ['an unknown key', `      ecs: { cluster: c, services: [s], tasks: 3 }\n`, 'clusters[0].burst.ecs'],
  ])('%s is refused, naming the path', (_, burst, path) => {
    const r = parseConfig(config(burst), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual([path]);
  });

  it('sources without aws are refused', () => {
    const r = parseConfig(config(`      rules: { nameFilters: [isales] }\n`, ''), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      expect.objectContaining({ path: 'clusters[0].burst', key: 'config:burst_needs_aws' }),
    ]);
  });
});
