/**
 * A replica is never a TTL run's target: a real primary + replica pair (REPLICAOF), read-only and
 * writable (`replica-read-only no`), both strategies: the run is refused with the localized
 * replica_target error naming the primary (INFO replication), and no key changes on either server.
 * The dry-run says so in a note. And a run whose writes fail (an ACL that forbids some keys) never
 * reports success.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { connectTarget } from '../../src/redis/connect.js';
import { dryRun } from '../../src/remediation/dry-run.js';
import { applyRule } from '../../src/remediation/engine.js';
import { isRemediationError } from '../../src/remediation/errors.js';
import type { ApplyResult, TtlRule } from '../../src/remediation/types.js';
import { setMissingRule } from '../support/ttl-dataset.js';
import { waitFor } from '../support/wait-for.js';
import { snapshotKeyspace } from './support.js';

const MIN = 60_000;
const KEYS = 500;

const RULE: TtlRule = setMissingRule('sess:*', 'sess');

describe('replica targets are refused', () => {
  let primary: LocalRedis;
  let replica: LocalRedis;
  let p: Redis;
  let r: Redis;

  beforeAll(async () => {
    [primary, replica] = await Promise.all([startLocalRedis(), startLocalRedis()]);
    p = new Redis(primary.port, '127.0.0.1');
    r = new Redis(replica.port, '127.0.0.1');
    const args: string[] = [];
    for (let i = 0; i < KEYS; i++) args.push(`sess:${i}`, 'x');
    await p.mset(...args);
    await r.replicaof('127.0.0.1', primary.port);
    await waitFor(
      'the replica to sync',
      async () => {
        const info = await r.info('replication');
        return /master_link_status:up/.test(info) && Number(await r.dbsize()) === KEYS;
      },
      30_000,
    );
  }, MIN);

  afterAll(async () => {
    p?.disconnect();
    r?.disconnect();
    await Promise.all([replica?.stop(), primary?.stop()]);
  });

  for (const readOnly of ['yes', 'no'] as const) {
    for (const strategy of ['options', 'lua'] as const) {
      it(`replica-read-only ${readOnly}, ${strategy}: refused, naming the primary; nothing written`, async () => {
        await r.config('SET', 'replica-read-only', readOnly);
        const [beforeP, beforeR] = [await snapshotKeyspace(p), await snapshotKeyspace(r)];
        const conn = await connectTarget({ name: 'replica', url: replica.url, mode: 'standalone' });
        let outcome: ApplyResult | unknown;
        try {
          outcome = await applyRule(conn, RULE, { throttle: false, strategy }).catch((e: unknown) => e);
        } finally {
          await conn.close();
        }
        expect(isRemediationError(outcome)).toBe(true);
        if (!isRemediationError(outcome)) return;
        expect(outcome.code).toBe('replica_target');
        expect(outcome.values.primary).toBe(`127.0.0.1:${primary.port}`);
        const t = createI18n({ strict: true }).plain('en');
        expect(t(`errors:${outcome.code}`, outcome.values)).toContain(`127.0.0.1:${primary.port}`);
        expect(await snapshotKeyspace(p)).toEqual(beforeP);
        expect(await snapshotKeyspace(r)).toEqual(beforeR);
      });
    }
  }

  it('the dry-run on a replica notes that a run would be refused, and names the primary', async () => {
    const conn = await connectTarget({ name: 'replica', url: replica.url, mode: 'standalone' });
    try {
      const dry = await dryRun(conn, RULE, { cluster: 'replica', throttle: false });
      expect(dry.replicas).toEqual([
        { target: `127.0.0.1:${replica.port}`, primary: `127.0.0.1:${primary.port}` },
      ]);
    } finally {
      await conn.close();
    }
  });
});

describe('a run whose writes fail never reports success', () => {
  let server: LocalRedis;
  let admin: Redis;

  beforeAll(async () => {
    server = await startLocalRedis();
    admin = new Redis(server.port, '127.0.0.1');
    const args: string[] = [];
    for (let i = 0; i < 200; i++) args.push(`a:${i}`, 'x', `b:${i}`, 'x');
    await admin.mset(...args);
    // The bot's user may write a:* only: PEXPIRE on b:* answers NOPERM per key.
    await admin.acl('SETUSER', 'medic', 'on', '>pw', '~a:*', '+@all');
  }, MIN);

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  for (const strategy of ['options', 'lua'] as const) {
    it(`${strategy}: writes refused by the server end the run as failed, with the reason`, async () => {
      const conn = await connectTarget({
        name: 'acl',
        url: `redis://medic:pw@127.0.0.1:${server.port}`,
        mode: 'standalone',
      });
      let outcome: ApplyResult | unknown;
      try {
        outcome = await applyRule(conn, { ...RULE, match: '[ab]:*' }, { throttle: false, strategy }).catch(
          (e: unknown) => e,
        );
      } finally {
        await conn.close();
      }
      // A rejection carrying the server's reason, never a result that claims completion.
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/NOPERM|permission|can't access/i);
      await admin.persist('a:0');
    });
  }
});

describe('a primary demoted to replica mid-run', () => {
  for (const strategy of ['options', 'lua'] as const) {
    it(
      `${strategy}: the READONLY writes end the run as failed, never as complete`,
      async () => {
        const [target, other] = await Promise.all([startLocalRedis(), startLocalRedis()]);
        const t = new Redis(target.port, '127.0.0.1');
        try {
          const args: string[] = [];
          for (let i = 0; i < 5_000; i++) args.push(`sess:${i}`, 'x');
          await t.mset(...args);
          const conn = await connectTarget({ name: 'demoted', url: target.url, mode: 'standalone' });
          let demoted = false;
          let outcome: ApplyResult | unknown;
          try {
            outcome = await applyRule(conn, RULE, {
              strategy,
              throttle: { keysPerSec: 5_000, pageSize: 100, latencyGuardMs: 1_000 },
              onPage: async (cp) => {
                if (!demoted && cp.counters.scanned > 0) {
                  demoted = true;
                  await t.replicaof('127.0.0.1', other.port);
                }
              },
            }).catch((e: unknown) => e);
          } finally {
            await conn.close();
          }
          expect(demoted).toBe(true);
          expect(outcome).toBeInstanceOf(Error);
          expect((outcome as Error).message).toMatch(/READONLY|read only replica/i);
        } finally {
          t.disconnect();
          await Promise.all([target.stop(), other.stop()]);
        }
      },
      MIN,
    );
  }
});
