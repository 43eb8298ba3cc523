/**
 * `redis-medic burst` through the real CLI: the burst pattern written (backdated: RESTORE with PX and IDLETIME) into a
 * demo keyspace comes first in the JSON (snake_case, every source named, AWS ones as not
 * configured), the text report names the assumption behind the write times, and bad times are
 * refused in the reader's language with exit 1, before anything is read or written.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const KEYS = 3_000;
const BURST = 800;
const TTL_MS = 20 * 60_000;
const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const SCHEMAS = join(import.meta.dirname, '../../docs/json-schema');
const schema = (name: string) =>
  JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8')) as object;

function notSnake(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) notSnake(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (!SNAKE.test(k)) out.push(k);
      notSnake(v, out);
    }
  }
  return out;
}

describe('redis-medic burst', { timeout: budgetMs(KEYS * 4) + 6 * 15_000 }, () => {
  let config = '';
  let truth = 0;
  test.beforeAll(async ({ localRedis, admin, queueRedis }) => {
    await loadDataset(admin, { keys: KEYS });
    const t0 = Date.now();
    truth = t0 - 8 * 60_000;
    await admin.set('template', 'v'.repeat(100));
    const dump = await admin.dumpBuffer('template');
    await admin.del('template');
    const p = admin.pipeline();
    for (let i = 0; i < BURST; i++) {
      const age = t0 - truth - (i % 60) * 1000;
      p.call(
        'RESTORE',
        `campaign:push:${100000 + i}`,
        TTL_MS - age,
        dump,
        'IDLETIME',
        Math.floor(age / 1000),
      );
    }
    for (let i = 0; i < 10; i++) p.set(`campaign:push:${900000 + i}`, 'v'.repeat(100), 'PX', TTL_MS);
    await p.exec();
    const dir = mkdtempSync(join(tmpdir(), 'medic-burst-'));
    config = join(dir, 'medic.yaml');
    writeFileSync(
      config,
      `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: demo\n    url: ${localRedis.url}\n`,
    );
  });

  test('--json: snake_case, the burst pattern first, every source named', async () => {
    const from = new Date(truth - 15 * 60_000).toISOString();
    const run = await runCli([
      'burst',
      '--config',
      config,
      '--cluster',
      'demo',
      '--from',
      from,
      '--json',
      '--unthrottled',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as {
      candidates: { kind: string; name: string }[];
      sources: { source: string; state: string }[];
      redis_burst_start: string;
    };
    expect(notSnake(json)).toEqual([]);
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
    ajv.addSchema(schema('keys-diff'));
    const validate = ajv.compile(schema('burst'));
    validate(json);
    expect(validate.errors ?? []).toEqual([]);
    expect(json.candidates[0]?.kind).toBe('pattern');
    expect(
      compileGlob(json.candidates[0]?.name ?? '')(Buffer.from('campaign:push:100001')),
      JSON.stringify(json.candidates.slice(0, 3).map((c) => ({ ...c, activity: undefined }))),
    ).toBe(true);
    expect(Math.abs(Date.parse(json.redis_burst_start) - truth)).toBeLessThanOrEqual(2 * 60_000);
    expect(json.sources.map((s) => s.source)).toEqual([
      'memory',
      'census',
      'young_keys',
      'logs',
      'rules',
      'ecs',
    ]);
    expect(json.sources.find((s) => s.source === 'logs')?.state).toBe('not_configured');
  });

  test('text: the candidates table and the stated assumption', async () => {
    const run = await runCli(['burst', '--config', config, '--cluster', 'demo', '--unthrottled']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('campaign:push:');
    expect(run.stdout).toContain('remaining TTL + OBJECT IDLETIME was alike across the sampled keys');
    expect(run.stdout).toContain('not configured');
  });

  test.for([
    ['en', 'yesterday', '"yesterday" is not a time'],
    ['zh', '25:99', '“25:99”不是有效时间'],
  ])(
    'a bad time (%s) is refused and changes nothing',
    async ([lang, value, message], { admin, queueRedis }) => {
      const queue = new Redis(queueRedis.port, queueRedis.host);
      const before = [await admin.dbsize(), await queue.dbsize()];
      const run = await runCli([
        'burst',
        '--config',
        config,
        '--cluster',
        'demo',
        '--from',
        value ?? '',
        '--lang',
        lang ?? 'en',
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr.replace(/[“”]/g, (q) => (lang === 'en' ? '"' : q))).toContain(message);
      expect([await admin.dbsize(), await queue.dbsize()]).toEqual(before);
      queue.disconnect();
    },
  );

  test('a window that ends before it starts is refused', async () => {
    const run = await runCli([
      'burst',
      '--config',
      config,
      '--cluster',
      'demo',
      '--from',
      '2026-02-12T14:00:00Z',
      '--to',
      '2026-02-12T13:00:00Z',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the window must start before it ends');
  });

  test('a dead queue Redis: the hunt still reads the target, and says the snapshots are missing', async ({
    localRedis,
  }) => {
    // A loopback port nobody listens on: bound, then closed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'medic-burst-deadq-'));
    const deadQueue = join(dir, 'medic.yaml');
    writeFileSync(
      deadQueue,
      `queue:\n  url: redis://127.0.0.1:${port}\nclusters:\n  - name: demo\n    url: ${localRedis.url}\n`,
    );
    const run = await runCli([
      'burst',
      '--config',
      deadQueue,
      '--cluster',
      'demo',
      '--json',
      '--unthrottled',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('queue Redis');
    const json = JSON.parse(run.stdout) as {
      candidates: { name: string }[];
      sources: { source: string; state: string }[];
    };
    expect(json.sources.find((s) => s.source === 'census')?.state).toBe('not_configured');
    expect(compileGlob(json.candidates[0]?.name ?? '')(Buffer.from('campaign:push:100001'))).toBe(true);
  });
});
