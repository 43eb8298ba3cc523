import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { test } from '../support/fixtures.js';
import { isWellFormed } from '../support/hostile-text.js';

let server: LocalRedis;
let redis: Redis;

// A noeviction redis-server, as the queue Redis the audit log lives on, from the shared fixtures.
test.beforeAll(({ queueRedis }) => {
  server = queueRedis;
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});

afterAll(() => {
  redis?.disconnect();
});

beforeEach(async () => {
  await redis.flushdb();
});

/** A pino logger whose JSON lines land in `lines`. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('AuditLog', () => {
  it('appends to a Redis Stream under <prefix>:audit and logs one structured line per entry', async () => {
    const { lines, logger } = capture();
    const log = new AuditLog(redis, { prefix: 'medic', logger });
    const entry = await log.append({
      actor: 'U1',
      action: 'approved',
      cluster: 'market',
      rule: 'coupon-unread',
      counts: { toChange: 110, recounted: 111 },
      incidentId: '20260212-1435-k3f9',
      requestId: 'apr-0123456789abcdef',
    });
    expect(entry.id).toMatch(/^\d+-\d+$/);
    expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await redis.xlen('medic:audit')).toBe(1);
    expect(await log.list()).toEqual([entry]);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'audit approved',
      audit: {
        actor: 'U1',
        action: 'approved',
        cluster: 'market',
        counts: { toChange: 110, recounted: 111 },
      },
    });
  });

  it('is append-only: entries come back newest first in append order, and nothing can edit them', async () => {
    const log = new AuditLog(redis, { prefix: 'medic' });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(
        (await log.append({ actor: `U${i}`, action: 'dry_run', cluster: 'market', counts: { n: i } })).id,
      );
    }
    const sorted = [...ids].sort((a, b) => {
      const [am, as] = a.split('-').map(Number) as [number, number];
      const [bm, bs] = b.split('-').map(Number) as [number, number];
      return am - bm || as - bs;
    });
    expect(ids).toEqual(sorted);
    const listed = await log.list({ limit: 100 });
    expect(listed.map((e) => e.id)).toEqual([...ids].reverse());
    expect(listed.map((e) => e.counts?.n)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    expect((await log.list({ limit: 5 })).map((e) => e.actor)).toEqual(['U29', 'U28', 'U27', 'U26', 'U25']);
    // The only ways in are append and list.
    expect(Object.getOwnPropertyNames(AuditLog.prototype).sort()).toEqual(['append', 'constructor', 'list']);
  });

  it('lists one cluster across many pages, and since a time', async () => {
    const log = new AuditLog(redis, { prefix: 'medic' });
    for (let i = 0; i < 1200; i++) {
      await log.append({
        actor: 'U1',
        action: 'refused',
        cluster: i % 3 === 0 ? 'orders' : 'market',
        counts: { i },
      });
    }
    const orders = await log.list({ cluster: 'orders', limit: 1000 });
    expect(orders).toHaveLength(400);
    expect(orders.every((e) => e.cluster === 'orders')).toBe(true);
    expect(orders[0]?.counts?.i).toBe(1197);
    expect(orders.at(-1)?.counts?.i).toBe(0);
    expect(await log.list({ cluster: 'nowhere' })).toEqual([]);

    const cut = new Date(Date.now() + 5);
    await new Promise((r) => setTimeout(r, 20));
    const late = await log.append({ actor: 'U2', action: 'rejected', cluster: 'market' });
    expect(await log.list({ since: cut })).toEqual([late]);
  });

  it('stays bounded (XADD MAXLEN ~)', async () => {
    const log = new AuditLog(redis, { prefix: 'medic', maxLen: 100 });
    for (let i = 0; i < 1000; i++) await log.append({ actor: 'U1', action: 'dry_run', cluster: 'market' });
    const len = await redis.xlen('medic:audit');
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(300);
  });

  it('never records a secret, a newline or an unbounded text', async () => {
    const log = new AuditLog(redis, { prefix: 'medic' });
    const entry = await log.append({
      actor: 'U1',
      action: 'run_failed',
      cluster: 'market',
      reason: 'connect failed to rediss://admin:hunter2@10.0.0.1:6379\nsecond line',
      rule: 'x'.repeat(1000),
    });
    const [stored] = await log.list();
    expect(stored).toEqual(entry);
    expect(stored?.reason).not.toContain('hunter2');
    expect(stored?.reason).toContain('rediss://***@10.0.0.1:6379 second line');
    expect(stored?.rule?.length).toBe(200);
    const raw = JSON.stringify(await redis.xrange('medic:audit', '-', '+'));
    expect(raw).not.toContain('hunter2');
  });

  it('cuts long text between characters: an emoji at the cut point stays whole or goes', async () => {
    const log = new AuditLog(redis, { prefix: 'medic' });
    await log.append({ actor: 'U1', action: 'refused', cluster: 'market', reason: `${'r'.repeat(199)}😀😀` });
    const [stored] = await log.list();
    expect(isWellFormed(stored?.reason ?? '')).toBe(true);
    expect(stored?.reason?.length).toBeLessThanOrEqual(200);
    expect(stored?.reason?.startsWith('r'.repeat(199))).toBe(true);
  });

  it('skips entries it cannot read, and throws (after logging) when the stream cannot be written', async () => {
    const { lines, logger } = capture();
    const log = new AuditLog(redis, { prefix: 'medic', logger });
    await redis.xadd('medic:audit', '*', 'action', 'made_up', 'actor', 'U1');
    await redis.xadd(
      'medic:audit',
      '*',
      'action',
      'approved',
      'actor',
      'U1',
      'cluster',
      'market',
      'counts',
      '{bad',
    );
    const listed = await log.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ action: 'approved', actor: 'U1', cluster: 'market' });
    expect(listed[0]?.counts).toBeUndefined();

    const down = new Redis(server.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    down.on('error', () => {});
    const broken = new AuditLog(down, { prefix: 'medic', logger });
    await expect(broken.append({ actor: 'U1', action: 'approved', cluster: 'market' })).rejects.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(lines.some((l) => l.msg === 'audit stream write failed')).toBe(true);
    down.disconnect();
  });
});
