/**
 * Whole-keyspace truth for fault tests: a snapshot of every key in every DB of a standalone server
 * (absolute expiry from PEXPIRETIME, a SHA-1 of DUMP as the value digest, and whether Redis itself
 * says the key matches a glob), and a comparison of two snapshots against what a TTL rule may do.
 *
 * Everything here is read from Redis, never from the code under test: which keys match comes from
 * SCAN MATCH on the server, the allowed TTL range from numbers the test states itself.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface KeyState {
  db: number;
  /** Key name as hex (key names are bytes; hex keeps any byte exact). */
  keyHex: string;
  /** PEXPIRETIME: absolute expiry in epoch ms, −1 without TTL. */
  expireAt: number;
  digest: string;
  /** Redis said so: SCAN MATCH `glob` returned this key. */
  matches: boolean;
}

export interface KeyspaceSnapshot {
  /** `db:keyHex` → state. */
  keys: Map<string, KeyState>;
  /** INFO stats evicted_keys when the snapshot was taken. */
  evictedKeys: number;
  /** Epoch ms (Redis TIME) when the snapshot started / ended. */
  startedAt: number;
  endedAt: number;
}

export interface SnapshotOptions {
  /** Glob whose matches Redis marks in the snapshot (`matches`). */
  glob?: string;
  /** Keys per pipeline. Small, so the replies never sit in a big client output buffer. */
  batch?: number;
}

async function serverTimeMs(client: Redis): Promise<number> {
  const [sec, usec] = await client.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

export async function evictedKeys(client: Redis): Promise<number> {
  const m = /^evicted_keys:(\d+)/m.exec(await client.info('stats'));
  return Number(m?.[1] ?? 0);
}

async function databaseCount(client: Redis): Promise<number> {
  const reply = (await client.config('GET', 'databases')) as string[];
  return Number(reply[1] ?? 16);
}

/**
 * Every key of every DB. Uses its own SELECTs on `client`: pass a connection nothing else uses
 * (it is left on DB 0).
 */
export async function snapshotKeyspace(client: Redis, opts: SnapshotOptions = {}): Promise<KeyspaceSnapshot> {
  const batch = opts.batch ?? 500;
  const startedAt = await serverTimeMs(client);
  const keys = new Map<string, KeyState>();
  const dbs = await databaseCount(client);
  // Buffers in, buffers out: `callBuffer` keeps key names and DUMP payloads byte-exact.
  const raw = client as unknown as { callBuffer(...args: (string | Buffer)[]): Promise<unknown> };
  for (let db = 0; db < dbs; db++) {
    await client.select(db);
    if ((await client.dbsize()) === 0) continue;
    const names = await scanAllBuffers(raw);
    const matching = new Set<string>();
    if (opts.glob !== undefined)
      for (const k of await scanAllBuffers(raw, opts.glob)) matching.add(k.toString('hex'));
    for (let i = 0; i < names.length; i += batch) {
      const chunk = names.slice(i, i + batch);
      const p = client.pipeline();
      for (const k of chunk) {
        p.call('PEXPIRETIME', k);
        p.dumpBuffer(k);
      }
      const replies = (await p.exec()) ?? [];
      chunk.forEach((k, j) => {
        const expire = replies[2 * j]?.[1];
        const dump = replies[2 * j + 1]?.[1];
        const expireAt = Number(expire);
        // −2: the key went away between SCAN and now (it expired): not in the snapshot.
        if (expireAt === -2 || dump === null) return;
        const keyHex = k.toString('hex');
        keys.set(`${db}:${keyHex}`, {
          db,
          keyHex,
          expireAt,
          digest: createHash('sha1')
            .update(Buffer.isBuffer(dump) ? dump : Buffer.from(String(dump)))
            .digest('hex'),
          matches: matching.has(keyHex),
        });
      });
    }
  }
  await client.select(0);
  return { keys, evictedKeys: await evictedKeys(client), startedAt, endedAt: await serverTimeMs(client) };
}

async function scanAllBuffers(
  raw: { callBuffer(...args: (string | Buffer)[]): Promise<unknown> },
  glob?: string,
): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let cursor = '0';
  do {
    const args = glob === undefined ? [] : ['MATCH', glob];
    const reply = (await raw.callBuffer('SCAN', cursor, ...args, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = reply[0].toString('utf8');
    out.push(...reply[1]);
  } while (cursor !== '0');
  return out;
}

export interface RuleScope {
  /** The one DB the rule may touch (the DB in the target URL). */
  db: number;
  action: 'set-missing';
  /** The rule's stated TTL in seconds and jitter fraction, from the rule text. */
  ttlSec: number;
  jitter: number;
}

export interface KeyspaceVerdict {
  keysBefore: number;
  keysAfter: number;
  /** Keys the rule may not touch whose value or expiry changed. */
  changedOutside: number;
  /** Keys gone that were not due to expire by the second snapshot. */
  deleted: number;
  /** Keys whose expiry moved later or was removed. */
  lengthened: number;
  /** Keys whose value changed (anywhere). */
  valueChanged: number;
  /** Keys that appeared (nothing should write new keys to a target). */
  created: number;
  evictions: number;
  /** In scope and without TTL before: these must all have a TTL in the stated range now. */
  toChange: number;
  gotTtlInRange: number;
  ttlOutOfRange: number;
  stillWithoutTtl: number;
  /** In scope with a TTL before (set-missing leaves them alone). */
  inScopeWithTtlChanged: number;
  /** The first few problems, readable. */
  problems: string[];
}

const MAX_PROBLEMS = 12;

/**
 * What changed between two snapshots, judged against a set-missing rule: only matching keys in the
 * rule's DB that had no TTL may change, and only by getting a TTL in [ttl·(1−jitter), ttl] counted
 * from some moment between the two snapshots. Nothing is deleted, created, evicted or lengthened.
 * When `expectComplete` is false (a run that stopped early) in-scope keys may also keep no TTL.
 */
export function compareKeyspace(
  before: KeyspaceSnapshot,
  after: KeyspaceSnapshot,
  scope: RuleScope,
  opts: { expectComplete?: boolean } = {},
): KeyspaceVerdict {
  const expectComplete = opts.expectComplete ?? true;
  const v: KeyspaceVerdict = {
    keysBefore: before.keys.size,
    keysAfter: after.keys.size,
    changedOutside: 0,
    deleted: 0,
    lengthened: 0,
    valueChanged: 0,
    created: 0,
    evictions: after.evictedKeys - before.evictedKeys,
    toChange: 0,
    gotTtlInRange: 0,
    ttlOutOfRange: 0,
    stillWithoutTtl: 0,
    inScopeWithTtlChanged: 0,
    problems: [],
  };
  const problem = (text: string) => {
    if (v.problems.length < MAX_PROBLEMS) v.problems.push(text);
  };
  const name = (s: KeyState) => `db${s.db} ${JSON.stringify(Buffer.from(s.keyHex, 'hex').toString('utf8'))}`;
  // Writes happened between before.endedAt (the run starts after the snapshot) and after.startedAt.
  const lo = before.startedAt + scope.ttlSec * (1 - scope.jitter) * 1000 - 1000;
  const hi = after.endedAt + scope.ttlSec * 1000 + 1000;
  for (const [id, b] of before.keys) {
    const a = after.keys.get(id);
    const inScope = b.db === scope.db && b.matches;
    if (!a) {
      // Expired on its own between the snapshots: not a deletion.
      if (b.expireAt !== -1 && b.expireAt <= after.endedAt) continue;
      v.deleted++;
      problem(`${name(b)} was deleted`);
      continue;
    }
    if (a.digest !== b.digest) {
      v.valueChanged++;
      problem(`${name(b)}: value changed`);
    }
    if (b.expireAt !== -1 && (a.expireAt === -1 || a.expireAt > b.expireAt)) {
      v.lengthened++;
      problem(`${name(b)}: expiry lengthened from ${b.expireAt} to ${a.expireAt}`);
    }
    const expiryChanged = a.expireAt !== b.expireAt;
    if (!inScope) {
      if (expiryChanged || a.digest !== b.digest) {
        v.changedOutside++;
        problem(`${name(b)} is outside the rule but changed (expiry ${b.expireAt} → ${a.expireAt})`);
      }
      continue;
    }
    if (b.expireAt !== -1) {
      if (expiryChanged) {
        v.inScopeWithTtlChanged++;
        problem(`${name(b)} had a TTL; set-missing changed it (${b.expireAt} → ${a.expireAt})`);
      }
      continue;
    }
    v.toChange++;
    if (a.expireAt === -1) {
      v.stillWithoutTtl++;
      if (expectComplete) problem(`${name(b)} still has no TTL`);
    } else if (a.expireAt >= lo && a.expireAt <= hi) v.gotTtlInRange++;
    else {
      v.ttlOutOfRange++;
      problem(`${name(b)}: expiry ${a.expireAt} outside [${lo}, ${hi}]`);
    }
  }
  for (const [id, a] of after.keys) {
    if (before.keys.has(id)) continue;
    v.created++;
    problem(`${name(a)} appeared`);
  }
  if (v.evictions > 0) problem(`${v.evictions} keys evicted`);
  return v;
}

/** The verdict's failures only (an empty list: the keyspace holds). */
export function keyspaceFailures(v: KeyspaceVerdict, opts: { expectComplete?: boolean } = {}): string[] {
  const expectComplete = opts.expectComplete ?? true;
  const out: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) out.push(what);
  };
  check(v.changedOutside === 0, `${v.changedOutside} keys changed outside the rule`);
  check(v.deleted === 0, `${v.deleted} keys deleted`);
  check(v.created === 0, `${v.created} keys created`);
  check(v.lengthened === 0, `${v.lengthened} TTLs lengthened`);
  check(v.valueChanged === 0, `${v.valueChanged} values changed`);
  check(v.evictions === 0, `${v.evictions} evictions`);
  check(v.ttlOutOfRange === 0, `${v.ttlOutOfRange} TTLs outside the rule's range`);
  check(v.inScopeWithTtlChanged === 0, `${v.inScopeWithTtlChanged} existing TTLs changed by set-missing`);
  if (expectComplete) check(v.stillWithoutTtl === 0, `${v.stillWithoutTtl} matching keys still without TTL`);
  return out.length === 0 ? [] : [...out, ...v.problems];
}
