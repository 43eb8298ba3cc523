/**
 * A mistyped cluster name or snapshot id is refused (exit 1, nothing printed on stdout) by every
 * command that takes one, the same way `status` refuses it, with the closest configured name when
 * one is close.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotStore } from '../../src/census/snapshot-store.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { CLUSTER, census } from '../fixtures/incident.js';
import { runCli } from '../support/cli.js';

let queue: LocalRedis;
let config: string;
const OTHER = 'payments-core';
const stored: string[] = [];

beforeAll(async () => {
  queue = await startLocalRedis();
  const client = new Redis(queue.url);
  const store = new SnapshotStore(client, { prefix: 'redis-medic' });
  // Two real censuses of CLUSTER, a day apart: `keys diff` has something to compare.
  stored.push(await store.save(census));
  stored.push(
    await store.save({
      ...census,
      startedAt: '2026-02-13T14:21:00.000Z',
      finishedAt: '2026-02-13T14:22:00.000Z',
    }),
  );
  client.disconnect();
  const dir = mkdtempSync(join(tmpdir(), 'unknown-names-'));
  config = join(dir, 'redis-medic.yml');
  writeFileSync(
    config,
    `queue:
  url: ${queue.url}
clusters:
  - name: ${CLUSTER}
    url: redis://127.0.0.1:1/0
  - name: ${OTHER}
    url: redis://127.0.0.1:2/0
`,
  );
}, 30_000);

afterAll(async () => {
  await queue?.stop();
});

describe('an unknown --cluster', () => {
  it.each([
    ['status', ['status']],
    ['keys snapshots', ['keys', 'snapshots']],
    ['audit', ['audit']],
    ['keys diff', ['keys', 'diff']],
  ])('%s refuses it, exit 1, listing the configured names', async (_name, args) => {
    const run = await runCli([...args, '--cluster', 'nope', '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown cluster nope');
    expect(run.stderr).toContain(CLUSTER);
    expect(run.stderr).toContain(OTHER);
    expect(run.stderr).not.toContain('did you mean');
  });

  it('suggests the closest configured name for a near miss', async () => {
    const typo = CLUSTER.replace('market', 'markt');
    const run = await runCli(['audit', '--cluster', typo, '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`did you mean ${CLUSTER}?`);
    const zh = await runCli(['keys', 'snapshots', '--cluster', typo, '--config', config, '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.stderr).toContain(`未知集群 ${typo}`);
    expect(zh.stderr).toContain(`是不是要输入 ${CLUSTER}`);
  });

  it('a known name still works', async () => {
    const run = await runCli(['keys', 'snapshots', '--cluster', CLUSTER, '--config', config]);
    expect(run.code).toBe(0);
    for (const id of stored) expect(run.stdout).toContain(id);
  });
});

describe('keys diff with an unknown snapshot id', () => {
  it.each([['--from'], ['--to']])('%s nope: refused, naming the stored ids', async (flag) => {
    const run = await runCli(['keys', 'diff', '--cluster', CLUSTER, flag, 'nope', '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('nope');
    expect(run.stderr).not.toContain('need two stored censuses');
    for (const id of stored) expect(run.stderr).toContain(id);
  });
});
