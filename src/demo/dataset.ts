/**
 * The one demo / test / benchmark dataset: a scaled copy of the runbook's cluster
 * (`luckyus-isales-market`, 6.66 M keys, 39.4 % without TTL, a marketing burst with 11–29 min TTLs).
 *
 * Everything is derived from a seeded PRNG and bijective id scrambles, so the same seed and key count
 * give the same key names, types and TTL presence, key names never collide, and the ground truth
 * (`describeDataset`) is exact before anything is written.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { Cluster, type Redis, type RedisOptions } from 'ioredis';

export type DatasetKeyType = 'string' | 'hash' | 'set';

/** The example incident's first reading, which the dataset is shaped after. */
export const RUNBOOK_KEYSPACE = {
  totalKeys: 6_658_630,
  keysWithTtl: 4_034_921,
  keysWithoutTtl: 2_623_709,
  memoryPct: 84.6,
  maxmemoryPolicy: 'volatile-lfu',
} as const;

export const DEFAULT_DATASET_SEED = 20260212;

export interface DatasetOptions {
  keys: number;
  /** @defaultValue 20260212 */
  seed?: number;
}

export interface LoadDatasetOptions extends DatasetOptions {
  /** Called after each batch is acknowledged by the server(s). */
  onProgress?: (done: number, total: number) => void;
  /** Keys per pipeline. @defaultValue 5000 */
  batchSize?: number;
  /** Batches in flight at once. @defaultValue 4 */
  concurrency?: number;
  /**
   * `raw` (default when possible): RESP written on the loader's own connection(s) built from the
   * client's options. `ioredis`: the client's own pipelines (slower, always available).
   */
  writer?: 'raw' | 'ioredis';
}

export interface TtlRange {
  minMs: number;
  maxMs: number;
}

export interface DatasetPatternSpec {
  /** Glob for SCAN MATCH, e.g. `contact:last:activity:*`. */
  pattern: string;
  /** Literal prefix every key of the pattern starts with. */
  prefix: string;
  type: DatasetKeyType;
  keys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** TTL range of the keys that have one; null when no key of the pattern has a TTL. */
  ttl: TtlRange | null;
  /** Target share of all keys (the counts are this, rounded so they add up exactly). */
  share: number;
  /** Keys written by the marketing campaign burst. */
  burst: boolean;
  description: string;
}

export interface DatasetSpec {
  seed: number;
  totalKeys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Keyed by glob, in generation order. */
  patterns: Record<string, DatasetPatternSpec>;
}

export interface PatternGroundTruth {
  type: DatasetKeyType;
  keys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Bytes of key names plus values (fields + values / members) as sent; not Redis' memory. */
  payloadBytes: number;
}

export interface DatasetGroundTruth {
  seed: number;
  totalKeys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Keyed by glob, e.g. `contact:last:activity:*`. */
  patterns: Record<string, PatternGroundTruth>;
}

interface RecordBase {
  key: string;
  /** Glob of the pattern the key belongs to. */
  pattern: string;
  /** Relative TTL in ms, or null for a key without TTL. */
  ttlMs: number | null;
}

export type DatasetRecord =
  | (RecordBase & { type: 'string'; value: string })
  | (RecordBase & { type: 'hash'; fields: Record<string, string> })
  | (RecordBase & { type: 'set'; members: string[] });

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** murmur3's finalizer: a bijection on uint32, so scrambled ids of distinct indexes never collide. */
function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Unique per index (i < 2^32) for a fixed salt. */
function scramble(i: number, salt: number): number {
  return fmix32((i + salt) >>> 0);
}

const HEX_DIGITS = '0123456789abcdef';
const HEX_POOL = (() => {
  let state = 0x9e3779b9;
  const chars: string[] = [];
  for (let i = 0; i < 65_536; i++) {
    state = fmix32(state + i);
    chars.push(HEX_DIGITS[state & 15] as string);
  }
  return chars.join('');
})();

class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32 */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Inclusive range. */
  int(min: number, max: number): number {
    return min + Math.floor((this.u32() / 4_294_967_296) * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Random-looking hex: a slice of a fixed random pool (slicing is far cheaper than formatting). */
  hex(chars: number): string {
    const start = this.int(0, HEX_POOL.length - chars);
    return HEX_POOL.slice(start, start + chars);
  }

  /** A number with exactly `count` digits (count <= 15). */
  digits(count: number): string {
    return String(this.int(10 ** (count - 1), 10 ** count - 1));
  }
}

// ---------------------------------------------------------------------------------------------
// Patterns

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// 2026-02-12 14:35 UTC, the runbook's reading: timestamps in values cluster before it.
const NOW_MS = Date.UTC(2026, 1, 12, 14, 35);

type TtlRule =
  | { kind: 'none' }
  | { kind: 'range'; minMs: number; maxMs: number }
  /** `perMille` of the keys get a TTL in the range, spread evenly; the rest have none. */
  | { kind: 'mixed'; perMille: number; minMs: number; maxMs: number };

interface Ids {
  /** Shared across user-keyed patterns, so the same users show up in several of them. */
  user: (i: number) => string;
  salt: number;
}

type Value = string | string[] | Record<string, string>;

interface PatternDef {
  pattern: string;
  type: DatasetKeyType;
  share: number;
  ttl: TtlRule;
  burst?: boolean;
  description: string;
  key: (i: number, ids: Ids, rng: Rng) => string;
  value: (rng: Rng) => Value;
}

const RB = RUNBOOK_KEYSPACE.totalKeys;
const NO_TTL_SHARE = RUNBOOK_KEYSPACE.keysWithoutTtl / RB;

const LABELS = [
  'VIP',
  'NEW_USER',
  'COFFEE_LOVER',
  'LAPSED_30D',
  'LAPSED_90D',
  'TEA_FAN',
  'WEEKDAY_MORNING',
  'WEEKEND',
  'HIGH_SPENDER',
  'COUPON_HUNTER',
  'STUDENT',
  'NYC_MANHATTAN',
  'NYC_BROOKLYN',
  'DELIVERY_ONLY',
  'PICKUP_ONLY',
];
const CHANNELS = ['app', 'mini_program', 'web', 'pos'];
const CAMPAIGN_TITLES = [
  'Buy 1 Get 1 Free: Coconut Latte',
  'Your 50% off coupon expires tonight',
  'New: Velvet Flat White is here',
  'Happy Hour 2-5 PM: $2.99 drinks',
];
const CITIES = ['New York', 'Brooklyn', 'Queens', 'Jersey City', 'Hoboken'];
const DRINKS = [
  'coconut_latte',
  'velvet_flat_white',
  'americano',
  'cold_brew',
  'matcha_latte',
  'orange_americano',
];

function couponId(rng: Rng): string {
  return `CP${rng.digits(8)}`;
}

// yyyymmdd of the 60 days up to the incident, newest first.
const DATES = Array.from({ length: 60 }, (_, back) => {
  const d = new Date(NOW_MS - back * DAY);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
});

function yyyymmdd(daysBack: number, rng: Rng): string {
  return DATES[rng.int(0, Math.min(daysBack, DATES.length - 1))] as string;
}

function filler(rng: Rng, min: number, max: number): string {
  return rng.hex(rng.int(min, max));
}

// Shares of total keys. The four patterns the example incident fixed use its own counts; contact:profile
// fills the rest of the no-TTL keys and contact:push:token the rest of the TTL keys, so the totals
// match the first reading (39.4 % without TTL).
const FIXED_SHARES = {
  couponUnread: 147_111 / RB,
  groupLabel: 177_450 / RB,
  exchangePrice: 473 / RB,
  lastActivity: 374_639 / RB,
  campaignPush: 0.27,
  wallet: 0.05,
  session: 0.12,
  couponStock: 0.03,
  menuCache: 0.02,
  orderSnapshot: 0.06,
  couponClaimed: 0.04,
};
const ORDER_SNAPSHOT_TTL_PER_MILLE = 600;
const COUPON_CLAIMED_TTL_PER_MILLE = 850;
const PROFILE_SHARE =
  NO_TTL_SHARE -
  FIXED_SHARES.couponUnread -
  FIXED_SHARES.groupLabel -
  FIXED_SHARES.exchangePrice -
  FIXED_SHARES.wallet -
  (FIXED_SHARES.orderSnapshot * (1000 - ORDER_SNAPSHOT_TTL_PER_MILLE)) / 1000 -
  (FIXED_SHARES.couponClaimed * (1000 - COUPON_CLAIMED_TTL_PER_MILLE)) / 1000;
const PUSH_TOKEN_SHARE = 1 - PROFILE_SHARE - Object.values(FIXED_SHARES).reduce((a, b) => a + b, 0);

const PATTERNS: readonly PatternDef[] = [
  {
    pattern: 'MARKETING:COUPON:UNREAD:*',
    type: 'string',
    share: FIXED_SHARES.couponUnread,
    ttl: { kind: 'none' },
    description: 'Unread-coupon badge per user; written without TTL',
    key: (i, ids) => `MARKETING:COUPON:UNREAD:${ids.user(i)}`,
    value: (rng) => {
      const n = rng.int(1, 6);
      const coupons = Array.from({ length: n }, () => `"${couponId(rng)}"`).join(',');
      return `{"unread":${n},"couponIds":[${coupons}],"ts":${NOW_MS - rng.int(0, 90 * DAY)}}`;
    },
  },
  {
    pattern: 'contact:userGroupLabel:set:*',
    type: 'set',
    share: FIXED_SHARES.groupLabel,
    ttl: { kind: 'none' },
    description: 'Labels of a user group for campaign targeting; no TTL',
    key: (i) => `contact:userGroupLabel:set:${200_000 + i}`,
    value: (rng) => {
      const n = rng.int(2, 6);
      const members = new Set<string>();
      while (members.size < n) members.add(`${rng.pick(LABELS)}:${rng.int(1, 40)}`);
      return [...members];
    },
  },
  {
    pattern: 'exchange:coupon:high:commodity:price:*',
    type: 'string',
    share: FIXED_SHARES.exchangePrice,
    ttl: { kind: 'none' },
    description: 'Price cache of high-value exchange commodities; no TTL',
    key: (i) => `exchange:coupon:high:commodity:price:${880_000 + i * 7}`,
    value: (rng) =>
      `{"price":"${rng.int(3, 40)}.${rng.int(10, 99)}","currency":"USD","points":${rng.int(100, 2000)},"updatedAt":${NOW_MS - rng.int(0, 30 * DAY)}}`,
  },
  {
    pattern: 'contact:last:activity:*',
    type: 'string',
    share: FIXED_SHARES.lastActivity,
    ttl: { kind: 'range', minMs: 300 * DAY, maxMs: 364 * DAY },
    description: 'Last activity per user, TTL up to 364 days (the fix caps it at 90 d)',
    key: (i, ids) => `contact:last:activity:${ids.user(i)}`,
    value: (rng) =>
      `{"ts":${NOW_MS - rng.int(0, 60 * DAY)},"channel":"${rng.pick(CHANNELS)}","storeId":"${rng.int(10_001, 10_420)}"}`,
  },
  {
    pattern: 'marketing:campaign:push:*',
    type: 'string',
    share: FIXED_SHARES.campaignPush,
    ttl: { kind: 'range', minMs: 11 * MIN, maxMs: 29 * MIN },
    burst: true,
    description: 'Push payloads of the 14:00 marketing campaign: the burst, TTL 11–29 min',
    key: (i, ids, rng) =>
      `marketing:campaign:push:20260212${String(rng.int(1, 4)).padStart(2, '0')}:${ids.user(i)}`,
    value: (rng) =>
      `{"title":"${rng.pick(CAMPAIGN_TITLES)}","couponId":"${couponId(rng)}","deeplink":"luckin://coupon/detail?id=${rng.digits(10)}","sentAt":${NOW_MS - rng.int(0, 40 * MIN)},"trace":"${filler(rng, 32, 160)}"}`,
  },
  {
    pattern: 'contact:profile:*',
    type: 'hash',
    share: PROFILE_SHARE,
    ttl: { kind: 'none' },
    description: 'User profile cache; no TTL, the bulk of the persistent keys',
    key: (i, ids) => `contact:profile:${ids.user(i)}`,
    value: (rng) => {
      const fields: Record<string, string> = {
        nickname: `user_${rng.hex(6)}`,
        level: String(rng.int(1, 6)),
        storeId: String(rng.int(10_001, 10_420)),
      };
      const extra = rng.int(0, 7);
      const optional: [string, () => string][] = [
        ['phone', () => `+1${rng.digits(3)}****${rng.digits(4)}`],
        ['city', () => rng.pick(CITIES)],
        ['registeredAt', () => String(NOW_MS - rng.int(30 * DAY, 900 * DAY))],
        ['lastOrderAt', () => String(NOW_MS - rng.int(0, 90 * DAY))],
        ['favorite', () => rng.pick(DRINKS)],
        ['language', () => rng.pick(['en-US', 'zh-CN'])],
        ['points', () => String(rng.int(0, 20_000))],
      ];
      for (const [name, make] of optional.slice(0, extra)) fields[name] = make();
      return fields;
    },
  },
  {
    pattern: 'user:coupon:wallet:*',
    type: 'set',
    share: FIXED_SHARES.wallet,
    ttl: { kind: 'none' },
    description: 'Coupon ids in a user wallet; no TTL',
    key: (i, ids) => `user:coupon:wallet:${ids.user(i)}`,
    value: (rng) => {
      const n = rng.int(2, 20);
      const members = new Set<string>();
      while (members.size < n) members.add(couponId(rng));
      return [...members];
    },
  },
  {
    pattern: 'session:*',
    type: 'string',
    share: FIXED_SHARES.session,
    ttl: { kind: 'range', minMs: 30 * MIN, maxMs: DAY },
    description: 'Login sessions, TTL 30 min to 1 day',
    key: (i, ids, rng) => {
      const head = scramble(i, ids.salt ^ 0x5e55)
        .toString(16)
        .padStart(8, '0');
      return `session:${head}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.hex(3)}-${rng.hex(12)}`;
    },
    value: (rng) =>
      `{"uid":${rng.int(1_000_000_000, 4_999_999_999)},"device":"${rng.pick(['ios', 'android', 'web'])}","token":"${rng.hex(64)}","issuedAt":${NOW_MS - rng.int(0, DAY)}}`,
  },
  {
    pattern: 'coupon:stock:*',
    type: 'string',
    share: FIXED_SHARES.couponStock,
    ttl: { kind: 'range', minMs: 6 * DAY, maxMs: 7 * DAY },
    description: 'Remaining stock per coupon batch, TTL about 7 days',
    key: (i) => `coupon:stock:${7_000_000 + i}`,
    value: (rng) => `{"total":${rng.int(1, 50) * 1000},"left":${rng.int(0, 50_000)}}`,
  },
  {
    pattern: 'store:menu:cache:*',
    type: 'hash',
    share: FIXED_SHARES.menuCache,
    ttl: { kind: 'range', minMs: HOUR, maxMs: 6 * HOUR },
    description: 'Menu cache per store and menu version, TTL 1–6 h',
    key: (i, ids, rng) =>
      `store:menu:cache:${rng.int(10_001, 10_420)}:${scramble(i, ids.salt ^ 0x3e7a)
        .toString(16)
        .padStart(8, '0')}`,
    value: (rng) => {
      const fields: Record<string, string> = {};
      const n = rng.int(3, 10);
      for (let f = 0; f < n; f++) {
        fields[`sku_${rng.int(1000, 9999)}`] =
          `{"price":${rng.int(199, 899)},"available":${rng.int(0, 9) > 0},"drink":"${rng.pick(DRINKS)}"}`;
      }
      return fields;
    },
  },
  {
    pattern: 'order:snapshot:*',
    type: 'string',
    share: FIXED_SHARES.orderSnapshot,
    ttl: { kind: 'mixed', perMille: ORDER_SNAPSHOT_TTL_PER_MILLE, minMs: 3 * DAY, maxMs: 30 * DAY },
    description: 'Order snapshots by day; an old code path forgets the TTL (mixed)',
    key: (i, ids, rng) =>
      `order:snapshot:${yyyymmdd(40, rng)}:${scramble(i, ids.salt ^ 0x0dd3)
        .toString(16)
        .padStart(8, '0')}${rng.hex(8)}`,
    value: (rng) => {
      const n = rng.int(1, 4);
      const items = Array.from(
        { length: n },
        () => `{"drink":"${rng.pick(DRINKS)}","qty":${rng.int(1, 3)},"price":${rng.int(199, 899)}}`,
      ).join(',');
      return `{"storeId":"${rng.int(10_001, 10_420)}","items":[${items}],"status":"${rng.pick(['PAID', 'DONE', 'REFUNDED'])}","payTrace":"${filler(rng, 16, 48)}"}`;
    },
  },
  {
    pattern: 'marketing:coupon:claimed:*',
    type: 'set',
    share: FIXED_SHARES.couponClaimed,
    ttl: { kind: 'mixed', perMille: COUPON_CLAIMED_TTL_PER_MILLE, minMs: 14 * DAY, maxMs: 30 * DAY },
    description: 'Users who claimed a coupon, per day; mostly with TTL (mixed)',
    key: (i, _ids, rng) => `marketing:coupon:claimed:${5_000_000 + i}:${yyyymmdd(30, rng)}`,
    value: (rng) => {
      const n = rng.int(2, 20);
      const members = new Set<string>();
      while (members.size < n) members.add(String(rng.int(1_000_000_000, 1_999_999_999)));
      return [...members];
    },
  },
  {
    pattern: 'contact:push:token:*',
    type: 'string',
    share: PUSH_TOKEN_SHARE,
    ttl: { kind: 'range', minMs: 30 * DAY, maxMs: 90 * DAY },
    description: 'Device push tokens per user, TTL 30–90 days',
    key: (i, ids) => `contact:push:token:${ids.user(i)}`,
    value: (rng) => `${rng.pick(['apns', 'fcm'])}:${rng.hex(64)}`,
  },
];

function prefixOf(pattern: string): string {
  return pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
}

/** Keys of a mixed pattern with a TTL: exactly floor(count * perMille / 1000), spread evenly. */
function mixedHasTtl(i: number, perMille: number): boolean {
  return Math.floor(((i + 1) * perMille) / 1000) > Math.floor((i * perMille) / 1000);
}

function ttlCount(rule: TtlRule, keys: number): number {
  if (rule.kind === 'none') return 0;
  if (rule.kind === 'range') return keys;
  return Math.floor((keys * rule.perMille) / 1000);
}

/** Largest-remainder split of `total` by share, at least one key per pattern. */
function allocate(total: number): number[] {
  if (!Number.isInteger(total) || total < PATTERNS.length) {
    throw new Error(`keys must be an integer >= ${PATTERNS.length}, got ${total}`);
  }
  const exact = PATTERNS.map((p) => p.share * total);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  let diff = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, rem: x - Math.floor(x) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; diff > 0; k = (k + 1) % byRemainder.length, diff--) {
    const idx = byRemainder[k]?.i as number;
    counts[idx] = (counts[idx] as number) + 1;
  }
  // The minimum of one key can overshoot on tiny datasets: take it back from the largest patterns.
  while (diff < 0) {
    const largest = counts.indexOf(Math.max(...counts));
    counts[largest] = (counts[largest] as number) - 1;
    diff++;
  }
  return counts;
}

function normalizeSeed(seed: number | undefined): number {
  const s = seed ?? DEFAULT_DATASET_SEED;
  if (!Number.isInteger(s)) throw new Error(`seed must be an integer, got ${s}`);
  return s >>> 0;
}

/** The exact counts a `loadDataset` with these options writes, without generating anything. */
export function describeDataset(opts: DatasetOptions): DatasetSpec {
  // Counts do not depend on the seed, but a bad one should fail here as it would in the loader.
  normalizeSeed(opts.seed);
  const counts = allocate(opts.keys);
  const patterns: Record<string, DatasetPatternSpec> = {};
  let keysWithTtl = 0;
  PATTERNS.forEach((def, idx) => {
    const keys = counts[idx] as number;
    const withTtl = ttlCount(def.ttl, keys);
    keysWithTtl += withTtl;
    patterns[def.pattern] = {
      pattern: def.pattern,
      prefix: prefixOf(def.pattern),
      type: def.type,
      keys,
      keysWithTtl: withTtl,
      keysWithoutTtl: keys - withTtl,
      ttl: def.ttl.kind === 'none' ? null : { minMs: def.ttl.minMs, maxMs: def.ttl.maxMs },
      share: def.share,
      burst: def.burst === true,
      description: def.description,
    };
  });
  return {
    seed: opts.seed ?? DEFAULT_DATASET_SEED,
    totalKeys: opts.keys,
    keysWithTtl,
    keysWithoutTtl: opts.keys - keysWithTtl,
    patterns,
  };
}

/**
 * Yields every key of the dataset, one pattern after the other, generated lazily (constant memory).
 * TTLs are relative to the moment the key is written.
 */
export function* generateDataset(opts: DatasetOptions): Generator<DatasetRecord> {
  const seed = normalizeSeed(opts.seed);
  const counts = allocate(opts.keys);
  const userSalt = fmix32(seed ^ 0x75736572);
  const user = (i: number) => String(1_000_000_000 + scramble(i, userSalt));
  for (const [idx, def] of PATTERNS.entries()) {
    const salt = fmix32(seed + Math.imul(idx + 1, 0x9e3779b9));
    const ids: Ids = { user, salt };
    const rng = new Rng(fmix32(salt ^ 0x2545f491));
    const count = counts[idx] as number;
    const rule = def.ttl;
    for (let i = 0; i < count; i++) {
      const key = def.key(i, ids, rng);
      let ttlMs: number | null = null;
      if (rule.kind === 'range' || (rule.kind === 'mixed' && mixedHasTtl(i, rule.perMille))) {
        ttlMs = rng.int(rule.minMs, rule.maxMs);
      }
      const value = def.value(rng);
      const pattern = def.pattern;
      switch (def.type) {
        case 'string':
          yield { key, pattern, ttlMs, type: 'string', value: value as string };
          break;
        case 'hash':
          yield { key, pattern, ttlMs, type: 'hash', fields: value as Record<string, string> };
          break;
        case 'set':
          yield { key, pattern, ttlMs, type: 'set', members: value as string[] };
          break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** Redis Cluster hash slot of a key (CRC16/XMODEM mod 16384, honouring `{hash tags}`). */
export function clusterKeySlot(key: string): number {
  let start = 0;
  let end = key.length;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    const code = key.charCodeAt(i);
    // Non-ASCII keys hash their UTF-8 bytes: take the slow path.
    if (code > 0x7f) return slotOfBytes(key);
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ code) & 0xff] as number);
  }
  return crc & 0x3fff;
}

function slotOfBytes(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] as number);
  return crc & 0x3fff;
}

/**
 * Takes records one at a time (encoded or queued at once, so batches hold no record objects) and
 * sends them per `flush()`, which resolves once the server(s) acknowledged all of that batch and
 * rejects on any error reply.
 */
interface Writer {
  add(rec: DatasetRecord): void;
  flush(): Promise<void>;
  close(): void;
}

type Pipelined = ReturnType<Redis['pipeline']>;

function queue(pipeline: Pipelined, rec: DatasetRecord): void {
  if (rec.type === 'string') {
    // SET ... PX in one command: no window in which the key exists without its TTL.
    if (rec.ttlMs === null) pipeline.set(rec.key, rec.value);
    else pipeline.set(rec.key, rec.value, 'PX', rec.ttlMs);
    return;
  }
  if (rec.type === 'hash') pipeline.hset(rec.key, rec.fields);
  else pipeline.sadd(rec.key, rec.members);
  if (rec.ttlMs !== null) pipeline.pexpire(rec.key, rec.ttlMs);
}

async function execChecked(pipeline: Pipelined): Promise<void> {
  const results = await pipeline.exec();
  if (!results) throw new Error('pipeline was discarded');
  for (const [err] of results) if (err) throw err;
}

function slotOwner(cluster: Cluster, key: string): string {
  const owner = cluster.slots[clusterKeySlot(key)]?.[0];
  if (!owner) throw new Error(`no cluster node serves the slot of ${key}`);
  return owner;
}

function ioredisWriter(redis: Redis | Cluster): Writer {
  // A cluster pipeline must stay on one node: one pipeline per node that owns the keys' slots.
  let pipelines = new Map<string, Pipelined>();
  return {
    add(rec) {
      const owner = redis instanceof Cluster ? slotOwner(redis, rec.key) : '';
      let pipeline = pipelines.get(owner);
      if (!pipeline) {
        pipeline = redis.pipeline();
        pipelines.set(owner, pipeline);
      }
      queue(pipeline, rec);
    },
    async flush() {
      const sending = [...pipelines.values()];
      pipelines = new Map();
      await Promise.all(sending.map(execChecked));
    },
    close() {},
  };
}

const CRLF = 0x0a0d;
const SET = Buffer.from('$3\r\nSET\r\n');
const HSET = Buffer.from('$4\r\nHSET\r\n');
const SADD = Buffer.from('$4\r\nSADD\r\n');
const PEXPIRE = Buffer.from('*3\r\n$7\r\nPEXPIRE\r\n');
const PX = Buffer.from('$2\r\nPX\r\n');

type FastUtf8 = Buffer & { utf8Write?: (s: string, offset: number) => number };

// Buffer#write spends more time validating its arguments than copying short strings; Node's own
// utf8Write (undocumented, present since Node 0.x) skips that. Fall back when it is missing.
const utf8Write: (buf: Buffer, s: string, offset: number) => number =
  typeof (Buffer.prototype as FastUtf8).utf8Write === 'function'
    ? (buf, s, offset) =>
        (buf as FastUtf8 & { utf8Write: (s: string, offset: number) => number }).utf8Write(s, offset)
    : (buf, s, offset) => buf.write(s, offset, 'utf8');

/**
 * RESP written straight into a growing Buffer: building strings per command made the garbage
 * collector the loader's main cost.
 */
class RespEncoder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  commands = 0;

  /** The encoded bytes so far; the encoder starts over on a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.len = 0;
    this.commands = 0;
    return out;
  }

  get empty(): boolean {
    return this.len === 0;
  }

  command(args: readonly string[]): void {
    this.header(0x2a, args.length);
    for (const arg of args) this.bulk(arg);
    this.commands++;
  }

  record(rec: DatasetRecord): void {
    if (rec.type === 'string') {
      this.header(0x2a, rec.ttlMs === null ? 3 : 5);
      this.raw(SET);
      this.bulk(rec.key);
      this.bulk(rec.value);
      if (rec.ttlMs !== null) {
        this.raw(PX);
        this.bulk(String(rec.ttlMs));
      }
      this.commands++;
      return;
    }
    if (rec.type === 'hash') {
      const entries = Object.entries(rec.fields);
      this.header(0x2a, 2 + entries.length * 2);
      this.raw(HSET);
      this.bulk(rec.key);
      for (const [f, v] of entries) {
        this.bulk(f);
        this.bulk(v);
      }
    } else {
      this.header(0x2a, 2 + rec.members.length);
      this.raw(SADD);
      this.bulk(rec.key);
      for (const m of rec.members) this.bulk(m);
    }
    this.commands++;
    if (rec.ttlMs !== null) {
      this.raw(PEXPIRE);
      this.bulk(rec.key);
      this.bulk(String(rec.ttlMs));
      this.commands++;
    }
  }

  private reserve(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + bytes));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private raw(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.len += bytes.copy(this.buf, this.len);
  }

  /** `*<n>\r\n` or `$<n>\r\n`. */
  private header(kind: number, n: number): void {
    this.reserve(24);
    this.buf[this.len++] = kind;
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10))
      this.buf[this.len + i] = 0x30 + (x % 10);
    this.len += digits;
    this.buf.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }

  private bulk(s: string): void {
    const bytes = Buffer.byteLength(s);
    this.header(0x24, bytes);
    this.reserve(bytes + 2);
    this.len += utf8Write(this.buf, s, this.len);
    this.buf.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }
}

interface Endpoint {
  host: string;
  port: number;
  path?: string;
  tls?: ConnectionOptions;
  username?: string;
  password?: string;
  db: number;
}

/** The connection settings of an ioredis client, when the raw writer can reproduce them. */
function endpointOf(options: RedisOptions): Endpoint | undefined {
  const o = options as RedisOptions & { path?: string; tls?: ConnectionOptions; sentinels?: unknown[] };
  if (o.Connector || (o.sentinels && o.sentinels.length > 0) || o.keyPrefix) return undefined;
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 6379,
    ...(o.path ? { path: o.path } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    db: o.db ?? 0,
  };
}

/**
 * A write-only pipelined connection. Every command the loader sends answers with one line (+OK,
 * :n or -ERR), so replies are counted by newlines instead of being parsed.
 */
class RespPipe {
  private sent = 0;
  private acked = 0;
  private firstError: Error | undefined;
  private broken: Error | undefined;
  private inErrorLine = false;
  private atLineStart = true;
  private errorText = '';
  private waiters: { target: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly name: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error(`connection to ${name} closed`)));
  }

  static async open(ep: Endpoint, timeoutMs = 10_000): Promise<RespPipe> {
    const name = ep.path ?? `${ep.host}:${ep.port}`;
    const target = ep.path ? { path: ep.path } : { host: ep.host, port: ep.port };
    const socket = ep.tls ? tlsConnect({ ...ep.tls, ...target }) : netConnect(target);
    const ready = ep.tls ? 'secureConnect' : 'connect';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${name} timed out`));
      }, timeoutMs);
      socket.once(ready, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const pipe = new RespPipe(socket, name);
    const hello = new RespEncoder();
    if (ep.password) hello.command(ep.username ? ['AUTH', ep.username, ep.password] : ['AUTH', ep.password]);
    if (ep.db) hello.command(['SELECT', String(ep.db)]);
    if (!hello.empty) {
      const commands = hello.commands;
      pipe.write(hello.take(), commands);
      try {
        await pipe.flushed();
      } catch (err) {
        pipe.close();
        throw err;
      }
    }
    return pipe;
  }

  write(payload: Buffer, commands: number): void {
    if (this.broken) throw this.broken;
    this.socket.write(payload);
    this.sent += commands;
  }

  /** Resolves when every command written so far is answered; rejects on the first error reply. */
  flushed(): Promise<void> {
    const target = this.sent;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.settle();
    });
  }

  close(): void {
    this.broken ??= new Error(`connection to ${this.name} closed`);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.atLineStart) {
        this.inErrorLine = chunk[pos] === 0x2d;
        this.errorText = '';
        this.atLineStart = false;
      }
      const nl = chunk.indexOf(0x0a, pos);
      const end = nl < 0 ? chunk.length : nl;
      if (this.inErrorLine) this.errorText += chunk.toString('utf8', pos, end);
      if (nl < 0) break;
      if (this.inErrorLine) {
        this.firstError ??= new Error(`${this.name}: ${this.errorText.slice(1).trim()}`);
      }
      this.acked++;
      this.atLineStart = true;
      pos = nl + 1;
    }
    this.settle();
  }

  private fail(err: Error): void {
    this.broken ??= err;
    this.settle();
  }

  private settle(): void {
    while (this.waiters.length) {
      const w = this.waiters[0] as (typeof this.waiters)[number];
      const failure = this.firstError ?? (this.acked >= w.target ? undefined : this.broken);
      if (failure) w.reject(failure);
      else if (this.acked >= w.target) w.resolve();
      else return;
      this.waiters.shift();
    }
  }
}

async function rawWriter(redis: Redis | Cluster): Promise<Writer | undefined> {
  const isCluster = redis instanceof Cluster;
  if (isCluster && redis.options.keyPrefix) return undefined;
  const nodes = isCluster ? redis.nodes('master') : [redis];
  const endpoints = nodes.map((node) => endpointOf(node.options));
  if (endpoints.some((ep) => ep === undefined)) return undefined;
  const pipes = new Map<string, RespPipe>();
  try {
    for (const [i, ep] of (endpoints as Endpoint[]).entries()) {
      const node = nodes[i] as Redis;
      // Cluster slot owners are named host:port, exactly like ioredis' node options.
      pipes.set(`${node.options.host}:${node.options.port}`, await RespPipe.open(ep));
    }
  } catch (err) {
    for (const pipe of pipes.values()) pipe.close();
    throw err;
  }
  const single = isCluster ? undefined : [...pipes.values()][0];
  const encoders = new Map<RespPipe, RespEncoder>(
    [...pipes.values()].map((pipe) => [pipe, new RespEncoder()]),
  );
  return {
    add(rec) {
      const pipe = single ?? pipes.get(slotOwner(redis as Cluster, rec.key));
      if (!pipe) throw new Error(`the slot owner of ${rec.key} is not a known primary`);
      (encoders.get(pipe) as RespEncoder).record(rec);
    },
    async flush() {
      const done: Promise<void>[] = [];
      for (const [pipe, encoder] of encoders) {
        if (encoder.empty) continue;
        const commands = encoder.commands;
        pipe.write(encoder.take(), commands);
        done.push(pipe.flushed());
      }
      await Promise.all(done);
    },
    close() {
      for (const pipe of pipes.values()) pipe.close();
    },
  };
}

async function ensureReady(redis: Redis | Cluster): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') await redis.connect();
  else if (redis.status === 'end') throw new Error('the client was disconnected (status end)');
  else await once(redis, 'ready');
}

function emptyTruth(spec: DatasetSpec): DatasetGroundTruth {
  const patterns: Record<string, PatternGroundTruth> = {};
  for (const p of Object.values(spec.patterns)) {
    patterns[p.pattern] = { type: p.type, keys: 0, keysWithTtl: 0, keysWithoutTtl: 0, payloadBytes: 0 };
  }
  return { seed: spec.seed, totalKeys: 0, keysWithTtl: 0, keysWithoutTtl: 0, patterns };
}

function payloadBytes(rec: DatasetRecord): number {
  // Keys and values are ASCII, so string length is the byte count.
  let bytes = rec.key.length;
  if (rec.type === 'string') bytes += rec.value.length;
  else if (rec.type === 'set') for (const m of rec.members) bytes += m.length;
  else for (const [f, v] of Object.entries(rec.fields)) bytes += f.length + v.length;
  return bytes;
}

/**
 * Writes the dataset (pipelined, `concurrency` batches in flight) to a standalone server or a
 * cluster, and returns the ground truth counted from what was written. Assumes the keys do not
 * exist yet (load into an empty database for DBSIZE to match).
 */
export async function loadDataset(
  redis: Redis | Cluster,
  opts: LoadDatasetOptions,
): Promise<DatasetGroundTruth> {
  const spec = describeDataset(opts);
  const truth = emptyTruth(spec);
  const batchSize = Math.max(1, opts.batchSize ?? 5_000);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  await ensureReady(redis);
  const writer = (opts.writer !== 'ioredis' ? await rawWriter(redis) : undefined) ?? ioredisWriter(redis);

  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let done = 0;
  let inBatch = 0;
  const flush = async () => {
    const size = inBatch;
    inBatch = 0;
    const p: Promise<void> = writer.flush().then(
      () => {
        done += size;
        opts.onProgress?.(done, spec.totalKeys);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  try {
    for (const rec of generateDataset(opts)) {
      const t = truth.patterns[rec.pattern] as PatternGroundTruth;
      t.keys++;
      if (rec.ttlMs === null) t.keysWithoutTtl++;
      else t.keysWithTtl++;
      t.payloadBytes += payloadBytes(rec);
      writer.add(rec);
      if (++inBatch >= batchSize) {
        await flush();
        if (failure) break;
      }
    }
    if (!failure && inBatch > 0) await flush();
    await Promise.all(inFlight);
  } finally {
    writer.close();
  }
  if (failure) throw failure.error;

  for (const t of Object.values(truth.patterns)) {
    truth.totalKeys += t.keys;
    truth.keysWithTtl += t.keysWithTtl;
    truth.keysWithoutTtl += t.keysWithoutTtl;
  }
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Memory pressure like the runbook's

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

async function setNodeMaxmemory(node: Redis, pct: number, policy: string): Promise<number> {
  const used = Number(infoField(await node.info('memory'), 'used_memory'));
  if (!Number.isFinite(used) || used <= 0) throw new Error('INFO memory has no used_memory');
  const maxmemory = Math.ceil((used * 100) / pct);
  await node.config('SET', 'maxmemory-policy', policy);
  await node.config('SET', 'maxmemory', String(maxmemory));
  return maxmemory;
}

/**
 * Sets `maxmemory` so used_memory / maxmemory lands near `pct` (the demo uses the runbook's 84.6)
 * and the policy to `volatile-lfu` like the runbook's cluster. On a cluster each primary gets its
 * own maxmemory; the sum over primaries is returned. Needs CONFIG, so local servers only.
 */
export async function setMaxmemoryForTargetPct(
  redis: Redis | Cluster,
  pct: number,
  opts: { policy?: string } = {},
): Promise<number> {
  if (!(pct > 0 && pct <= 100)) throw new Error(`pct must be in (0, 100], got ${pct}`);
  const policy = opts.policy ?? RUNBOOK_KEYSPACE.maxmemoryPolicy;
  await ensureReady(redis);
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const set = await Promise.all(nodes.map((node) => setNodeMaxmemory(node, pct, policy)));
  return set.reduce((a, b) => a + b, 0);
}
