/**
 * The pattern catalogue: every key pattern of the dataset with its share of keys, TTL rule, key
 * name and value shape, modelled on the runbook's cluster.
 */
import { type Rng, scramble } from './random.js';
import { type DatasetKeyType, RUNBOOK_KEYSPACE } from './types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// 2026-02-12 14:35 UTC, the runbook's reading: timestamps in values cluster before it.
const NOW_MS = Date.UTC(2026, 1, 12, 14, 35);

export type TtlRule =
  | { kind: 'none' }
  | { kind: 'range'; minMs: number; maxMs: number }
  /** `perMille` of the keys get a TTL in the range, spread evenly; the rest have none. */
  | { kind: 'mixed'; perMille: number; minMs: number; maxMs: number };

export interface Ids {
  /** Shared across user-keyed patterns, so the same users show up in several of them. */
  user: (i: number) => string;
  salt: number;
}

type Value = string | string[] | Record<string, string>;

export interface PatternDef {
  pattern: string;
  type: DatasetKeyType;
  share: number;
  /** Exactly this many keys whatever the dataset's size (then `share` is ignored). */
  fixed?: number;
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

export const PATTERNS: readonly PatternDef[] = [
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
