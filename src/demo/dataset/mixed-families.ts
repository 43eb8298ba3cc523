/**
 * The mixed keyspace (`shape: 'mixed'`): the key families of public libraries and conventions
 * (Bull, Sidekiq, Resque, Rails and Django caches, Celery, Laravel, Spring Session,
 * express-session, JWT deny-lists, rate limiters, leaderboards, feature flags, numeric-only keys,
 * hash tags, emails, epoch times, ULID / KSUID / snowflake ids), each key tagged with its family.
 * A family's `pattern` is its id (the ground truth a census's grouping is scored against), not a
 * glob: what a person would name it. Some families expire, some never do.
 */
import {
  alnum40,
  digest,
  djangoSessionKey,
  email,
  ipv4,
  ipv6,
  isoDate,
  isoWeek,
  jwt,
  ksuid,
  railsVersion,
  sessionId,
  snowflake,
  ulid,
  uuid,
} from './mixed-tokens.js';
import type { PatternDef, TtlRule } from './patterns.js';
import type { Rng } from './random.js';
import type { DatasetKeyType } from './types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const NONE: TtlRule = { kind: 'none' };
const ttl = (minMs: number, maxMs: number): TtlRule => ({ kind: 'range', minMs, maxMs });

const small = (rng: Rng) => `v${rng.hex(rng.int(8, 40))}`;
const hash = (rng: Rng) => ({ data: rng.hex(rng.int(16, 64)), ts: String(rng.int(1, 1e9)) });
const members = (rng: Rng) => Array.from({ length: rng.int(1, 4) }, () => rng.hex(8));
const VALUES: Record<DatasetKeyType, (rng: Rng) => string | string[] | Record<string, string>> = {
  string: small,
  hash,
  set: members,
};

function family(
  id: string,
  type: DatasetKeyType,
  share: number,
  rule: TtlRule,
  key: PatternDef['key'],
): PatternDef {
  return { pattern: id, type, share, ttl: rule, description: id, key, value: VALUES[type] };
}

/** A family of exactly `count` keys (a queue's fixed keys, a year of weeks, a set of flags). */
function fixed(
  id: string,
  type: DatasetKeyType,
  count: number,
  rule: TtlRule,
  key: PatternDef['key'],
): PatternDef {
  return { ...family(id, type, 0, rule, key), fixed: count };
}

/** One key, its own family (`bull:emails:meta`, `queue:default`). */
const single = (name: string, type: DatasetKeyType = 'string'): PatternDef =>
  fixed(name, type, 1, NONE, () => name);

const BULL_STATES = ['meta', 'id', 'wait', 'active', 'completed', 'failed', 'delayed', 'paused'];
const BULL_MORE = ['events', 'stalled-check', 'limiter', 'repeat', 'marker', 'pc', 'prioritized'];
const HOSTS = ['worker-1.prod.internal', 'worker-2.prod.internal', 'worker-3.prod.internal'];
const FLAG_WORDS = ['new', 'dark', 'beta', 'fast', 'smart', 'guest', 'bulk', 'legacy', 'live', 'async'];
const FLAG_NOUNS = ['checkout', 'mode', 'search', 'export', 'pricing', 'inbox', 'upload', 'billing'];

/** Feature-flag names as teams write them: `dark_mode`, `new-checkout`, `betaSearch`, `v2`. */
function flagName(i: number): string {
  const w = FLAG_WORDS[i % FLAG_WORDS.length] as string;
  const n = FLAG_NOUNS[Math.floor(i / FLAG_WORDS.length) % FLAG_NOUNS.length] as string;
  switch (i % 3) {
    case 0:
      return `${w}_${n}`;
    case 1:
      return `${w}-${n}`;
    default:
      return `${w}${n[0]?.toUpperCase()}${n.slice(1)}`;
  }
}

const SPRING_INDEX =
  'spring:session:index:org.springframework.session.FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME';

export const MIXED_FAMILIES: readonly PatternDef[] = [
  // Bull: job hashes, their logs, and each queue's fixed keys
  family('bull:emails:<job>', 'hash', 0.05, NONE, (i) => `bull:emails:${i + 1}`),
  family('bull:emails:<job>:logs', 'set', 0.02, NONE, (i) => `bull:emails:${i + 1}:logs`),
  family('bull:payments:<job>', 'hash', 0.03, NONE, (i) => `bull:payments:${i + 1}`),
  family('bull:payments:<job>:logs', 'set', 0.01, NONE, (i) => `bull:payments:${i + 1}:logs`),
  family('bull:notifications:<job>', 'hash', 0.03, ttl(DAY, 7 * DAY), (i) => `bull:notifications:${i + 1}`),
  ...[...BULL_STATES, ...BULL_MORE].map((s) => single(`bull:emails:${s}`)),
  ...BULL_STATES.map((s) => single(`bull:payments:${s}`)),
  ...BULL_STATES.map((s) => single(`bull:notifications:${s}`)),
  // Sidekiq
  fixed('stat:processed:<date>', 'string', 900, NONE, (i) => `stat:processed:${isoDate(i)}`),
  fixed('stat:failed:<date>', 'string', 900, NONE, (i) => `stat:failed:${isoDate(i)}`),
  fixed('<host>:<pid>:<hex>', 'hash', 60, ttl(MIN, MIN), (i, ids, rng) => {
    return `${HOSTS[i % HOSTS.length]}:${1000 + i}:${digest(i, ids.salt, rng, 12)}`;
  }),
  fixed('<host>:<pid>:<hex>:workers', 'hash', 60, ttl(MIN, MIN), (i, ids, rng) => {
    return `${HOSTS[i % HOSTS.length]}:${1000 + i}:${digest(i, ids.salt, rng, 12)}:workers`;
  }),
  ...['queues', 'processes', 'retry', 'schedule', 'dead', 'queue:default', 'queue:mailers'].map((n) =>
    single(n, 'set'),
  ),
  // Resque
  fixed('resque:worker:<host>:<pid>:<queues>', 'string', 40, NONE, (i) => {
    return `resque:worker:${HOSTS[i % HOSTS.length]}:${2000 + i}:mailer,default`;
  }),
  fixed('resque:stat:processed:<worker>', 'string', 40, NONE, (i) => {
    return `resque:stat:processed:${HOSTS[i % HOSTS.length]}:${2000 + i}:mailer,default`;
  }),
  ...['resque:queues', 'resque:queue:mailer', 'resque:queue:default', 'resque:failed'].map((n) =>
    single(n, 'set'),
  ),
  // Rails cache (cache versioning) and Django's cache_page / cache sessions
  ...['products', 'users', 'orders'].map((model, m) =>
    family(
      `views/${model}/<version>/<md5>`,
      'string',
      [0.06, 0.03, 0.02][m] as number,
      ttl(HOUR, DAY),
      (i, ids, rng) => {
        return `views/${model}/${railsVersion(i, rng)}/${digest(i, ids.salt, rng, 32)}`;
      },
    ),
  ),
  family(':1:views.decorators.cache.cache_page', 'string', 0.04, ttl(5 * MIN, 10 * MIN), (i, ids, rng) => {
    return `:1:views.decorators.cache.cache_page..GET.${digest(i, ids.salt, rng, 32)}.${rng.hex(32)}.en-us.UTC`;
  }),
  family(':1:views.decorators.cache.cache_header', 'string', 0.02, ttl(5 * MIN, 10 * MIN), (i, ids, rng) => {
    return `:1:views.decorators.cache.cache_header..${digest(i, ids.salt, rng, 32)}.en-us.UTC`;
  }),
  family(':1:django.contrib.sessions.cache<key>', 'string', 0.03, ttl(DAY, 14 * DAY), (i, ids, rng) => {
    return `:1:django.contrib.sessions.cache${djangoSessionKey(i, ids.salt, rng)}`;
  }),
  // Celery results and its broker keys
  family('celery-task-meta-<uuid>', 'string', 0.06, ttl(HOUR, DAY), (i, ids, rng) => {
    return `celery-task-meta-${uuid(i, ids.salt, rng)}`;
  }),
  ...['_kombu.binding.celery', 'unacked', 'unacked_index'].map((n) => single(n, 'set')),
  // Laravel (prefix `laravel_database_`)
  family('laravel_database_laravel_cache_:<sha1>', 'string', 0.03, ttl(HOUR, HOUR), (i, ids, rng) => {
    return `laravel_database_laravel_cache_:${digest(i, ids.salt, rng, 40)}`;
  }),
  family('laravel_database_laravel_session:<id>', 'string', 0.02, ttl(2 * HOUR, 2 * HOUR), (i, ids, rng) => {
    return `laravel_database_laravel_session:${alnum40(i, ids.salt, rng)}`;
  }),
  // Spring Session
  family('spring:session:sessions:<uuid>', 'hash', 0.04, ttl(30 * MIN, 35 * MIN), (i, ids, rng) => {
    return `spring:session:sessions:${uuid(i, ids.salt, rng)}`;
  }),
  family('spring:session:sessions:expires:<uuid>', 'string', 0.04, ttl(30 * MIN, 30 * MIN), (i, ids, rng) => {
    return `spring:session:sessions:expires:${uuid(i, ids.salt, rng)}`;
  }),
  fixed('spring:session:expirations:<epoch ms>', 'set', 600, ttl(35 * MIN, 35 * MIN), (i) => {
    return `spring:session:expirations:${1_770_000_000_000 + i * 60_000}`;
  }),
  family(`${SPRING_INDEX}:<email>`, 'set', 0.01, NONE, (i, _ids, rng) => `${SPRING_INDEX}:${email(i, rng)}`),
  // express-session, JWT deny-list, rate limiters
  family('sess:<id>', 'string', 0.08, ttl(HOUR, DAY), (i, ids, rng) => `sess:${sessionId(i, ids.salt, rng)}`),
  family(
    'jwt:deny:<jwt>',
    'string',
    0.05,
    ttl(5 * MIN, HOUR),
    (i, ids, rng) => `jwt:deny:${jwt(i, ids.salt, rng)}`,
  ),
  family('rlflx:<ip>', 'string', 0.05, ttl(MIN, MIN), (i, ids, rng) =>
    i % 3 === 2 ? `rlflx:${ipv6(i, ids.salt, rng)}` : `rlflx:${ipv4(i, ids.salt)}`,
  ),
  family('rate:api:<user>:<epoch s>', 'string', 0.02, ttl(MIN, 2 * MIN), (i) => {
    return `rate:api:${100_000 + (i % 5000)}:${1_770_000_000 + Math.floor(i / 5000) * 60}`;
  }),
  // leaderboards (ISO weeks, days) and feature flags
  fixed('leaderboard:<iso week>', 'set', 156, NONE, (i) => `leaderboard:${isoWeek(i)}`),
  fixed(
    'leaderboard:daily:<date>',
    'set',
    400,
    ttl(7 * DAY, 30 * DAY),
    (i) => `leaderboard:daily:${isoDate(i)}`,
  ),
  fixed('flipper:feature:<name>', 'hash', 80, NONE, (i) => `flipper:feature:${flagName(i)}`),
  single('flipper:features', 'set'),
  // numeric-only keys, hash tags, emails, epoch timestamps, ULID / KSUID / snowflake ids
  family('<number>', 'string', 0.035, NONE, (i) => String(10_000_000 + i * 7)),
  family('{user:<id>}:cart', 'hash', 0.03, ttl(DAY, 7 * DAY), (i) => `{user:${1000 + i}}:cart`),
  family('{user:<id>}:profile', 'hash', 0.03, NONE, (i) => `{user:${1000 + i}}:profile`),
  family('user:email:<email>', 'string', 0.03, NONE, (i, _ids, rng) => `user:email:${email(i, rng)}`),
  family(
    'metrics:cpu:<epoch s>',
    'string',
    0.02,
    ttl(DAY, DAY),
    (i) => `metrics:cpu:${1_760_000_000 + i * 10}`,
  ),
  family('order:<ulid>', 'hash', 0.04, NONE, (i, ids, rng) => `order:${ulid(i, ids.salt, rng)}`),
  family('msg:<ksuid>', 'string', 0.03, ttl(DAY, 7 * DAY), (i, ids, rng) => `msg:${ksuid(i, ids.salt, rng)}`),
  family(
    'tweet:<snowflake>:likes',
    'set',
    0.03,
    NONE,
    (i, ids, rng) => `tweet:${snowflake(i, ids.salt, rng)}:likes`,
  ),
];
