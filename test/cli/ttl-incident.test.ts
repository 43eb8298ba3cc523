/**
 * CLI TTL work recorded against an incident: `ttl dry-run|run --incident ID` puts the incident id
 * on every audit entry of that work, so `redis-medic audit`'s Incident column (which `notify
 * --incident` points people to) is filled for it too. An id the queue Redis does not know, or one
 * of another cluster, is refused before anything is read or recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/fixtures.js';

const KEYS = 500;
const RULES =
  'rules:\n  - name: inc\n    match: "inc:*"\n    action: set-missing\n    ttl: 1d\n    risk: low\n';

/** Audit entries straight from the stream on the queue Redis (field → value). */
async function auditStream(queue: Redis): Promise<Record<string, string>[]> {
  const entries = await queue.xrange('redis-medic:audit', '-', '+');
  return entries.map(([, fields]) => {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
    return out;
  });
}

describe('ttl --incident', () => {
  test(
    'records the CLI work against the incident; the audit table shows it; unknown ids are refused',
    async ({ localRedis, admin, queueRedis }) => {
      await admin.flushall();
      const pipe = admin.pipeline();
      for (let i = 0; i < KEYS; i++) pipe.set(`inc:${i}`, 'v');
      await pipe.exec();
      const queue = new Redis(queueRedis.url);
      try {
        const store = new IncidentStore(queue, { prefix: 'redis-medic', idleHours: 24 });
        const claim = await store.claim('prod', 'C0INCIDENT');
        if (claim.kind !== 'new') throw new Error('expected a new incident');
        await store.open({
          id: claim.id,
          cluster: 'prod',
          channel: 'C0INCIDENT',
          threadTs: '1700000000.000100',
          openedBy: 'U0OPENER',
          openedAt: new Date().toISOString(),
        });
        const dir = mkdtempSync(join(tmpdir(), 'medic-ttl-inc-'));
        const rules = join(dir, 'rules.yaml');
        writeFileSync(rules, RULES);
        const config = join(dir, 'medic.yaml');
        writeFileSync(
          config,
          `queue:\n  url: ${queueRedis.url}\nclusters:\n  - name: prod\n    url: ${localRedis.url}\n  - name: other\n    url: ${localRedis.url}/1\n`,
        );
        const base = ['--config', config, '--rules', rules];

        const unknown = await runCli([
          'ttl',
          'run',
          '--cluster',
          'prod',
          ...base,
          '--yes',
          '--incident',
          'nope',
        ]);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('nope');
        const otherCluster = await runCli([
          'ttl',
          'dry-run',
          '--cluster',
          'other',
          ...base,
          '--incident',
          claim.id,
        ]);
        expect(otherCluster.code).toBe(1);
        expect(otherCluster.stderr).toContain(claim.id);
        expect(await auditStream(queue)).toEqual([]);
        expect(await admin.ttl('inc:0')).toBe(-1);

        const run = await runCli(
          ['ttl', 'run', '--cluster', 'prod', ...base, '--yes', '--incident', claim.id],
          {
            USER: 'incident-test',
          },
        );
        expect(run.code, run.stderr).toBe(0);
        const entries = await auditStream(queue);
        expect(entries.map((e) => e.action)).toEqual(['dry_run', 'run_started', 'run_finished']);
        expect(entries.map((e) => e.incidentId)).toEqual([claim.id, claim.id, claim.id]);

        const table = await runCli(['audit', '--cluster', 'prod', '--config', config]);
        expect(table.code, table.stderr).toBe(0);
        const rows = table.stdout.trim().split('\n').slice(1);
        expect(rows).toHaveLength(3);
        for (const row of rows) expect(row.trimEnd().endsWith(claim.id)).toBe(true);
      } finally {
        queue.disconnect();
      }
    },
    budgetMs(KEYS * 4) + 30_000,
  );
});
