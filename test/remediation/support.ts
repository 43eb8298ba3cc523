/**
 * Ground truth for the TTL engine tests: a snapshot of the whole keyspace (every key of every DB of
 * every primary: absolute expiry from PEXPIRETIME, exact on 7.0+, and a digest of DUMP), the keys
 * Redis's own SCAN MATCH selects, extra keys around the rules' patterns, and the check of a
 * before/after pair. Nothing here asks the code under test what the answer should be: which keys
 * match comes from the server, the TTL range from the numbers the test states for the rule.
 */
import { createHash } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import type { TtlRule } from '../../src/remediation/types.js';

export const DAY = 86_400_000;

export interface KeyState {
  name: Buffer;
  db: number;
  /** Absolute expiry in ms, -1 without TTL. */
  expireAt: number;
  digest: string;
}

export type Keyspace = Map<string, KeyState>;

function nodesOf(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key of every DB (standalone: the DBs INFO keyspace lists) of every primary. */
export async function snapshotKeyspace(client: Redis | Cluster): Promise<Keyspace> {
  const out: Keyspace = new Map();
  for (const node of nodesOf(client)) {
    const cluster = client instanceof Cluster;
    const dbs = await dbsOf(client, node);
    for (const db of dbs) {
      if (!cluster) await node.select(db);
      let cursor = '0';
      do {
        const [next, names] = await node.scanBuffer(cursor, 'COUNT', 1000);
        cursor = next.toString();
        if (names.length === 0) continue;
        const p = node.pipeline();
        for (const name of names) {
          p.call('PEXPIRETIME', name);
          p.dumpBuffer(name);
        }
        const replies = (await p.exec()) ?? [];
        names.forEach((name, i) => {
          const [e1, expireAt] = replies[2 * i] ?? [new Error('missing'), null];
          const [e2, dump] = replies[2 * i + 1] ?? [new Error('missing'), null];
          if (e1 || e2) throw e1 ?? e2;
          const id = `${db}/${name.toString('hex')}`;
          out.set(id, {
            name: Buffer.from(name),
            db,
            expireAt: Number(expireAt),
            digest: createHash('sha1')
              .update(dump as Buffer)
              .digest('hex'),
          });
        });
      } while (cursor !== '0');
    }
    if (!cluster) await node.select(0);
  }
  return out;
}

/** The databases to walk on one node: INFO keyspace's DBs standalone, DB 0 in a cluster. */
async function dbsOf(client: Redis | Cluster, node: Redis): Promise<number[]> {
  if (client instanceof Cluster) return [0];
  return [...(await node.info('keyspace')).matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
}

/**
 * The ids (`db/hex name`, as in a `Keyspace`) of the keys Redis's own `SCAN 0 MATCH glob` returns on
 * every DB of every primary: the server's matcher, not ours, decides what a pattern selects.
 */
export async function scanMatchIds(client: Redis | Cluster, glob: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const node of nodesOf(client)) {
    for (const db of await dbsOf(client, node)) {
      if (!(client instanceof Cluster)) await node.select(db);
      let cursor = '0';
      do {
        const [next, names] = await node.scanBuffer(cursor, 'MATCH', glob, 'COUNT', 1000);
        cursor = next.toString();
        for (const name of names) out.add(`${db}/${name.toString('hex')}`);
      } while (cursor !== '0');
    }
    if (!(client instanceof Cluster)) await node.select(0);
  }
  return out;
}

export async function serverNow(client: Redis | Cluster): Promise<number> {
  const node = nodesOf(client)[0] as Redis;
  const [s, us] = await node.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Writes one key on whichever node owns it (cluster) with an optional TTL in ms. */
async function put(client: Redis | Cluster, name: string | Buffer, ttlMs: number | null): Promise<void> {
  if (ttlMs === null) await client.set(name, 'x');
  else await client.set(name, 'x', 'PX', ttlMs);
}

/**
 * Keys around the runbook patterns: for `contact:last:activity:*` (the generator gives 300–364 d)
 * keys above, exactly at, just below and well below a 90 d cap (85 d: the blind `XX LT` trap), and
 * without TTL; for `MARKETING:COUPON:UNREAD:*` (no TTL at all in the generator) keys with a short
 * and a long TTL that set-missing must keep exactly; near misses outside both patterns; binary names.
 */
export async function addExtraKeys(client: Redis | Cluster, n = 40): Promise<void> {
  const cap = 90 * DAY;
  for (let i = 0; i < n; i++) {
    await put(client, `contact:last:activity:x:above:${i}`, 120 * DAY + i * 1000);
    await put(client, `contact:last:activity:x:at:${i}`, cap);
    await put(client, `contact:last:activity:x:just-below:${i}`, cap - 1000);
    await put(client, `contact:last:activity:x:below:${i}`, 85 * DAY);
    await put(client, `contact:last:activity:x:low:${i}`, 30 * DAY);
    await put(client, `contact:last:activity:x:none:${i}`, null);
    await put(client, `MARKETING:COUPON:UNREAD:x:ttl:${i}`, 5 * DAY + i);
    await put(client, `MARKETING:COUPON:UNREAD:x:long:${i}`, 400 * DAY);
  }
  // Near misses: one byte away from matching.
  await put(client, 'contact:last:activityX:1', null);
  await put(client, 'contact:last:activity', 200 * DAY);
  await put(client, 'xcontact:last:activity:1', 300 * DAY);
  await put(client, 'MARKETING:COUPON:UNREADX:1', null);
  await put(client, 'marketing:coupon:unread:1', null);
  await put(client, 'MARKETING:COUPON:UNREAD', null);
  // Binary names inside and outside the patterns.
  await put(client, Buffer.from([...Buffer.from('contact:last:activity:'), 0xff, 0x00, 0x0a]), 200 * DAY);
  await put(client, Buffer.from([...Buffer.from('MARKETING:COUPON:UNREAD:'), 0xc3, 0x28]), null);
  await put(client, Buffer.from([0xff, ...Buffer.from('MARKETING:COUPON:UNREAD:1')]), null);
}

export interface Expected {
  matched: number;
  changed: number;
}

/** The counters a clean run must report for what `checkRun` found on the keyspace. */
export function countersFor(expected: Expected) {
  return {
    scanned: expected.matched,
    changed: expected.changed,
    skipped: expected.matched - expected.changed,
    vanished: 0,
    errors: 0,
  };
}

/**
 * What the test states for a rule, worked out by hand from the rule's text (ttl 60d, jitter 10 % →
 * 54 d … 60 d): the range a new TTL must fall in, and which keys the pattern selects (`scanMatchIds`).
 */
export interface Truth {
  /** Shortest new TTL the rule may give, ms: ttl·(1 − jitter). */
  minMs: number;
  /** The rule's stated TTL (and the cap), ms. */
  maxMs: number;
  /** Ids of the keys SCAN MATCH returned for the rule's pattern before the run. */
  matching: ReadonlySet<string>;
}

/**
 * The check of one run of `rule` between server times [startMs, endMs]:
 * no key deleted or created, no value changed, nothing outside the pattern changed, no TTL grew;
 * set-missing: keys without TTL got one in [ttl·(1−j), ttl], keys with one kept it exactly;
 * cap: keys above the cap got one in [cap·(1−j), cap], keys at or below kept theirs exactly.
 * Returns the expected counts (keys matched, keys changed). Throws a descriptive error.
 */
export function checkRun(
  before: Keyspace,
  after: Keyspace,
  rule: TtlRule,
  truth: Truth,
  startMs: number,
  endMs: number,
): Expected {
  const problems: string[] = [];
  const fail = (msg: string) => {
    if (problems.length < 20) problems.push(msg);
  };
  if (after.size !== before.size) fail(`key count ${before.size} → ${after.size}`);
  const { minMs, maxMs } = truth;
  const capMs = maxMs;
  let matched = 0;
  let changed = 0;
  for (const [id, b] of before) {
    const a = after.get(id);
    if (!a) {
      fail(`deleted: ${id}`);
      continue;
    }
    if (a.digest !== b.digest) fail(`value changed: ${id}`);
    if (b.expireAt >= 0 && (a.expireAt < 0 || a.expireAt > b.expireAt)) fail(`TTL grew: ${id}`);
    if (!truth.matching.has(id)) {
      if (a.expireAt !== b.expireAt) fail(`outside the pattern, TTL changed: ${id}`);
      continue;
    }
    matched++;
    const inRange = a.expireAt >= startMs + minMs && a.expireAt <= endMs + maxMs;
    let mustChange: boolean | 'either';
    if (b.expireAt === -1) mustChange = rule.action === 'set-missing' || rule.includeMissing;
    else if (rule.action === 'set-missing') mustChange = false;
    else if (b.expireAt - endMs > capMs) mustChange = true;
    else if (b.expireAt - startMs <= capMs) mustChange = false;
    else mustChange = 'either';
    if (mustChange === true) {
      changed++;
      if (!inRange)
        fail(
          `${id}: expected a TTL in [${minMs}, ${maxMs}] ms, expiry ${a.expireAt - endMs} ms after the run`,
        );
    } else if (mustChange === false) {
      if (a.expireAt !== b.expireAt) fail(`${id}: must keep its TTL exactly (${b.expireAt} → ${a.expireAt})`);
    } else if (a.expireAt !== b.expireAt) {
      changed++;
      if (!inRange) fail(`${id}: changed outside the range`);
    }
  }
  for (const id of after.keys()) if (!before.has(id)) fail(`created: ${id}`);
  if (problems.length > 0) throw new Error(`run check violated:\n  ${problems.join('\n  ')}`);
  return { matched, changed };
}
