/**
 * One `--json` convention: every command's JSON output, produced by the real CLI against a demo
 * keyspace on a real redis-server, validates against its published JSON Schema
 * (docs/json-schema/<command>.schema.json, draft 2020-12), and every key in it is snake_case.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadDataset, setMaxmemoryForTargetPct } from '../../src/demo/dataset.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const ROOT = join(import.meta.dirname, '../..');
const KEYS = 3_000;
/** CLI processes started below (each pays a module-loading start of a few seconds on a busy box). */
const COMMANDS = 8;
/** The demo's own dataset size for `demo --json`. */
const DEMO_KEYS = 2_000;
// Loaded once, walked by two censuses, two dry-runs, a run and its re-count; plus the demo's load.
const BUDGET = budgetMs(KEYS * 8 + DEMO_KEYS * 2) + COMMANDS * 10_000;

const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** Every key of a JSON value, with its path, that is not snake_case. */
function notSnake(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) notSnake(v, `${path}[${i}]`, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (!SNAKE.test(k)) out.push(`${path}.${k}`);
      notSnake(v, `${path}.${k}`, out);
    }
  }
  return out;
}

function schema(name: string): object {
  return JSON.parse(readFileSync(join(ROOT, 'docs/json-schema', `${name}.schema.json`), 'utf8')) as object;
}

const outputs = new Map<string, { schema: string; json: unknown }>();

describe('--json output: one snake_case convention, a schema per command', () => {
  test.beforeAll(async ({ localRedis, admin, queueRedis }) => {
    await admin.flushall();
    await loadDataset(admin, { keys: KEYS });
    // Well below the run's memory guard (95 %): a small keyspace's used memory moves with every client.
    await setMaxmemoryForTargetPct(admin, 50);
    const dir = mkdtempSync(join(tmpdir(), 'medic-json-'));
    const config = join(dir, 'medic.yaml');
    writeFileSync(
      config,
      `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: demo\n    url: ${localRedis.url}\n`,
    );
    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      'rules:\n  - name: coupon-unread\n    match: "MARKETING:COUPON:UNREAD:*"\n    action: set-missing\n    ttl: 60d\n    jitter: 10%\n    risk: low\n',
    );
    const target = ['--cluster', 'demo', '--config', config];
    const run = async (name: string, schemaName: string, args: string[]) => {
      const r = await runCli(args, { USER: 'json-test' });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      outputs.set(name, { schema: schemaName, json: JSON.parse(r.stdout) });
    };
    await run('status', 'status', ['status', ...target, '--json']);
    await run('keys', 'keys', ['keys', ...target, '--json', '--unthrottled']);
    // Something changes between the two censuses, so the diff has growth to report.
    const extra = new Redis(localRedis.url);
    await extra.set('json:test:grew:1', 'x'.repeat(500));
    extra.disconnect();
    await run('keys (second)', 'keys', ['keys', ...target, '--json', '--unthrottled']);
    await run('keys diff', 'keys-diff', ['keys', 'diff', ...target, '--json']);
    await run('ttl dry-run', 'ttl-dry-run', [
      'ttl',
      'dry-run',
      ...target,
      '--rules',
      rules,
      '--json',
      '--unthrottled',
    ]);
    await run('ttl run', 'ttl-run', [
      'ttl',
      'run',
      ...target,
      '--rules',
      rules,
      '--yes',
      '--json',
      '--unthrottled',
    ]);
    await run('audit', 'audit', ['audit', ...target, '--json']);
    await run('demo', 'status', ['demo', '--json', '--keys', String(DEMO_KEYS)]);
  }, BUDGET);

  const names = ['status', 'keys', 'keys (second)', 'keys diff', 'ttl dry-run', 'ttl run', 'audit', 'demo'];

  test.each(names)('%s --json validates against its schema', (name) => {
    const out = outputs.get(name);
    expect(out, name).toBeDefined();
    if (!out) return;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    // ajv-formats is not installed: the one format the schemas use, as RFC 3339 says it.
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
    const validate = ajv.compile(schema(out.schema));
    const ok = validate(out.json);
    expect(validate.errors ?? [], `${name} against ${out.schema}.schema.json`).toEqual([]);
    expect(ok).toBe(true);
  });

  test.each(names)('%s --json: every key, at every depth, is snake_case', (name) => {
    const out = outputs.get(name);
    expect(out, name).toBeDefined();
    expect(notSnake(out?.json)).toEqual([]);
  });

  test('the audit entries and the run carry the figures the run wrote (not just the shape)', () => {
    const run = outputs.get('ttl run')?.json as {
      rules: { to_change: number; counters: { changed: number } }[];
    };
    const audit = outputs.get('audit')?.json as {
      entries: { action: string; counts?: Record<string, number> }[];
    };
    const finished = audit.entries.find((e) => e.action === 'run_finished');
    expect(run.rules[0]?.counters.changed).toBe(run.rules[0]?.to_change);
    expect(finished?.counts?.changed).toBe(run.rules[0]?.counters.changed);
    expect(finished?.counts?.keys_without_ttl ?? finished?.counts?.left).toBeDefined();
  });

  test('every schema is documented in the README and is a draft 2020-12 schema', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of new Set([...outputs.values()].map((o) => o.schema))) {
      expect(readme).toContain(`docs/json-schema/${name}.schema.json`);
      expect(schema(name)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
    }
  });
});
