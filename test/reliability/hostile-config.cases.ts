/**
 * Hostile config files and rule patterns against the pure functions (property-based, fast-check):
 * `parseConfig` on generated YAML (garbage, and config-shaped documents with hostile values), and
 * `parseRules` on generated globs. Never a throw; every problem path-named and, for a Chinese
 * reader, worded from locales/zh (strict i18n: a missing key throws) with no English sentence of
 * ours in it; and a rule accepted without `allow-broad` never reaches the bot's own keys, which
 * Redis itself decides (SCAN MATCH on a server holding exactly those keys).
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ConfigProblem, parseConfig } from '../../src/config/load.js';
import { MAX_JITTER, MAX_TTL_SEC } from '../../src/config/rule-schema.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { parseRules } from '../../src/remediation/rules.js';
import { englishFragments, watchProcessFaults } from '../support/output-checks.js';
import { Scenario } from '../support/reliability-report.js';
import { hostileText } from './hostile-slack.cases.js';

/** Keys the bot keeps on a queue Redis (default prefixes): no rule may reach them without allow-broad. */
const BOT_KEYS = [
  'redis-medic:audit',
  'redis-medic:ttl-control:run-1',
  'redis-medic:incident:20260101-0000-abcd',
  'redis-medic:ttl-run:id',
  'redis-medic:census:wait',
  'bull:ttl-run:1',
  'bull:watch:id',
];

const GLOB_PIECES = [
  '*',
  '?',
  '[a-z]',
  '[^x]',
  '[!-~]',
  '[ -é]',
  '[r]',
  '[q-s]',
  '\\*',
  '\\',
  '[',
  ']',
  'redis-medic',
  'redis',
  '-medic',
  ':',
  'bull',
  'r',
  'b',
  'e',
  'coupon:',
  'contact:profile:',
  '集群:',
  '😀',
  ' ',
];

const globArb = fc.oneof(
  fc.array(fc.constantFrom(...GLOB_PIECES), { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 }),
);

/** `${NAME}` as a config file writes it: interpolated from the environment by parseConfig. */
const envRef = (name: string) => `$\{${name}}`;

/** YAML's own sharp edges: aliases without anchors, merge keys, tags, directives, flow openers. */
const yamlText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '*a',
        '&a [1]',
        '<<: *a',
        '!!binary x',
        '!!js/function f',
        '? x',
        '--- ',
        '%YAML 1.2',
        '{',
        '[',
        '"\\u',
        'a: b: c',
        '\t',
        'x:\n  - *y',
      ),
      hostileText,
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => parts.join('\n'));

const durationArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('60d', '12h', '30s', '1m', '1.5d', '86400') },
  fc.constantFrom('60d', '12h', '0', '-1d', '1.5d', '999999999d', '1e9', 'forever', '', '30s', '1m'),
  fc.integer(),
  fc.double(),
  hostileText,
);
const jitterArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('10%', '0%', '50%', '25 %', 0.05) },
  // 10 and '10': a plain number of 1 or more is ambiguous (10 % or 1000 %?) and refused.
  fc.constantFrom('51%', '-1%', '100%', 'x%', 10, '10'),
  fc.double(),
  hostileText,
);

const ruleArb = fc.record(
  {
    name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('r1', 'coupon-unread') }, hostileText),
    cluster: fc.oneof({ weight: 4, arbitrary: fc.constant('market') }, hostileText),
    match: globArb,
    action: fc.constantFrom('set-missing', 'set-missing', 'cap', 'delete', ''),
    ttl: durationArb,
    jitter: jitterArb,
    risk: fc.constantFrom('low', 'medium', 'high', 'unknown', 'none'),
    'allow-broad': fc.boolean(),
    'include-missing': fc.oneof({ weight: 4, arbitrary: fc.boolean() }, hostileText),
  },
  { requiredKeys: ['match', 'name', 'action', 'ttl'] },
);

const configArb = fc.oneof(
  { weight: 1, arbitrary: hostileText },
  { weight: 1, arbitrary: yamlText },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          queue: fc.record(
            {
              url: fc.oneof(
                fc.constantFrom(
                  'redis://127.0.0.1:6390/1',
                  envRef('QUEUE_URL'),
                  'rediss://:p@x:1/99',
                  'http://x',
                ),
                hostileText,
              ),
            },
            { requiredKeys: [] },
          ),
          slack: fc.record(
            {
              channels: fc.dictionary(
                fc.oneof(fc.constant('C0MARKET'), hostileText),
                fc.oneof(fc.constant('market'), hostileText),
                { maxKeys: 3 },
              ),
              channelLocales: fc.dictionary(
                hostileText,
                fc.record({
                  lang: fc.constantFrom('en', 'zh', 'fr'),
                  timeZone: fc.oneof(fc.constantFrom('UTC', 'Asia/Shanghai', 'Mars/Olympus'), hostileText),
                }),
                { maxKeys: 2 },
              ),
            },
            { requiredKeys: [] },
          ),
          watch: fc.record(
            {
              targetPct: fc.oneof(fc.double(), fc.integer(), hostileText),
              intervalMinutes: fc.oneof(fc.double(), hostileText),
              maxHours: fc.oneof(fc.double(), fc.integer()),
            },
            { requiredKeys: [] },
          ),
          clusters: fc.array(
            fc.record(
              {
                name: fc.oneof(fc.constant('market'), hostileText),
                url: fc.oneof(
                  fc.constantFrom(
                    'redis://127.0.0.1:6391',
                    'redis://:pw@127.0.0.1:6391/3',
                    'redis://[::1',
                    'unix:///tmp/x',
                    envRef('TARGET'),
                  ),
                  hostileText,
                ),
                password: fc.oneof(fc.constantFrom(envRef('PW'), 'p'), hostileText),
                mode: fc.constantFrom('standalone', 'cluster', 'sentinel'),
              },
              { requiredKeys: ['name'] },
            ),
            { maxLength: 3 },
          ),
          rules: fc.array(ruleArb, { maxLength: 3 }),
          approvals: fc.record(
            {
              expiresMinutes: fc.oneof(fc.integer(), hostileText),
              allowSelfApproval: fc.oneof(fc.boolean(), hostileText),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      )
      .map((doc) => stringify(doc)),
  },
);

export interface HostileConfigSizes {
  cases: number;
}

export function hostileConfigSuites(sizes: HostileConfigSizes): void {
  const i18n = createI18n({ strict: true });
  const zh = i18n.plain('zh');
  const fragments = englishFragments();
  const env = { QUEUE_URL: 'redis://127.0.0.1:6390', TARGET: 'redis://127.0.0.1:6391' };

  /** The problems as a Chinese reader sees them: strict i18n throws on a key that does not exist. */
  const zhProblems = (problems: readonly ConfigProblem[]): string[] => {
    const out: string[] = [];
    for (const p of problems) {
      if (typeof p.path !== 'string') out.push(`a problem without a path: ${JSON.stringify(p)}`);
      const text = p.key ? zh(p.key, p.values ?? {}) : (p.text ?? '');
      if (text.trim() === '') out.push(`an empty problem at ${p.path}`);
      const hit = fragments.find((f) => text.includes(f));
      if (hit) out.push(`English in a zh problem at ${p.path}: ${hit}`);
    }
    return out;
  };

  describe('hostile config files → parseConfig', () => {
    const scenario = new Scenario('hostile config files (fast-check) → parseConfig');
    afterAll(() => scenario.save());
    it(
      `${sizes.cases} documents: never throws, every problem path-named and localized`,
      () => {
        const faults = watchProcessFaults();
        let refused = 0;
        try {
          scenario.result.runs++;
          fc.assert(
            fc.property(configArb, (text) => {
              for (const lang of ['en', 'zh'] as const) {
                const r = parseConfig(text, env, lang);
                if (r.ok) continue;
                if (lang === 'zh') {
                  refused++;
                  const problems = zhProblems(r.problems);
                  if (problems.length > 0) throw new Error(problems.join('; '));
                }
              }
            }),
            { numRuns: sizes.cases, seed: 31337 },
          );
        } catch (err) {
          scenario.fail(err);
          throw err;
        } finally {
          faults.stop();
          scenario.figure('documents', sizes.cases);
          scenario.figure('refused', refused);
          scenario.figure('unhandled rejections', faults.rejections());
        }
      },
      30_000 + sizes.cases * 10,
    );
  });

  describe('hostile rule patterns → parseRules', () => {
    const scenario = new Scenario('hostile rule patterns (fast-check) → parseRules');
    let server: LocalRedis;
    let redis: Redis;
    beforeAll(async () => {
      server = await startLocalRedis();
      redis = new Redis(server.url);
      for (const k of BOT_KEYS) await redis.set(k, '1');
    }, 60_000);
    afterAll(async () => {
      scenario.save();
      redis?.disconnect();
      await server?.stop();
    });

    it(
      `${sizes.cases} rules: never throws; accepted ⇒ sane TTL and jitter, and no reach into the bot's keys without allow-broad`,
      async () => {
        let accepted = 0;
        let reachesBot = 0;
        scenario.result.runs++;
        try {
          await fc.assert(
            fc.asyncProperty(ruleArb, async (rule) => {
              const text = stringify({ rules: [rule] });
              const r = parseRules(text, { lang: 'zh' });
              if (!r.ok) {
                const problems = zhProblems(r.problems);
                if (problems.length > 0) throw new Error(problems.join('; '));
                return;
              }
              accepted++;
              for (const parsed of r.rules) {
                expect(parsed.ttlSec).toBeGreaterThan(0);
                expect(parsed.ttlSec).toBeLessThanOrEqual(MAX_TTL_SEC);
                expect(parsed.jitter).toBeGreaterThanOrEqual(0);
                expect(parsed.jitter).toBeLessThanOrEqual(MAX_JITTER);
                if (parsed.allowBroad) continue;
                // Redis decides what the glob matches.
                const [, keys] = await redis.scan('0', 'MATCH', parsed.match, 'COUNT', 1000);
                if (keys.length > 0) {
                  reachesBot++;
                  throw new Error(
                    `rule ${JSON.stringify(parsed.match)} was accepted and matches ${keys.join(', ')}`,
                  );
                }
              }
            }),
            { numRuns: sizes.cases, seed: 4711 },
          );
        } catch (err) {
          scenario.fail(err);
          throw err;
        } finally {
          scenario.figure('rules', sizes.cases);
          scenario.figure('accepted', accepted);
          scenario.figure("accepted rules reaching the bot's keys", reachesBot);
        }
      },
      60_000 + sizes.cases * 20,
    );
  });
}
