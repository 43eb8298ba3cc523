/**
 * Typed tokens for the mixed keyspace, as the libraries that write them spell them: UUIDs, ULIDs,
 * KSUIDs, snowflakes, JWTs, base64url session ids, IPv4/IPv6, emails, digests, dates and ISO
 * weeks. Each is unique per index `i` (a bijective scramble of `i` is part of it) and otherwise
 * drawn from the seeded PRNG, so a family never writes the same key twice.
 */
import { type Rng, scramble } from './random.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function fromAlphabet(alphabet: string, unique: number, chars: number, rng: Rng): string {
  let out = '';
  let u = unique >>> 0;
  // the unique part first (6 characters cover 32 bits in base 64, 7 in base 32 or 62)
  const uniqueChars = alphabet.length >= 64 ? 6 : 7;
  for (let k = 0; k < uniqueChars; k++) {
    out += alphabet[u % alphabet.length];
    u = Math.floor(u / alphabet.length);
  }
  while (out.length < chars) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out.slice(0, chars);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function uuid(i: number, salt: number, rng: Rng): string {
  return `${hex8(scramble(i, salt))}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
}

/** A digest-like id: `chars` hex digits, unique per i. */
export function digest(i: number, salt: number, rng: Rng, chars: number): string {
  return hex8(scramble(i, salt)) + rng.hex(chars - 8);
}

/** uid-safe / express-session: 24 random bytes in base64url (32 characters, `-` and `_` included). */
export function sessionId(i: number, salt: number, rng: Rng): string {
  return fromAlphabet(B64URL, scramble(i, salt), 32, rng);
}

/** Laravel: 40 random alphanumerics. */
export function alnum40(i: number, salt: number, rng: Rng): string {
  return fromAlphabet(B62, scramble(i, salt), 40, rng);
}

/** Django's session key: 32 characters of [a-z0-9]. */
export function djangoSessionKey(i: number, salt: number, rng: Rng): string {
  return fromAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', scramble(i, salt), 32, rng);
}

/** ULID: 10 characters of time, 16 of randomness (Crockford base 32). */
export function ulid(i: number, salt: number, rng: Rng): string {
  let t = 1_700_000_000_000 + i * 997;
  let time = '';
  for (let k = 0; k < 10; k++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + fromAlphabet(CROCKFORD, scramble(i, salt), 16, rng);
}

/** KSUID: 27 base-62 characters. */
export function ksuid(i: number, salt: number, rng: Rng): string {
  return `2${fromAlphabet(B62, scramble(i, salt), 26, rng)}`;
}

/** A Twitter/Discord snowflake: 19 digits. */
export function snowflake(i: number, salt: number, rng: Rng): string {
  return `1${rng.digits(8)}${String(scramble(i, salt)).padStart(10, '0')}`;
}

const JWT_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

export function jwt(i: number, salt: number, rng: Rng): string {
  const payload = Buffer.from(
    `{"sub":"${rng.int(1, 9_999_999)}","jti":"${hex8(scramble(i, salt))}","exp":${1_770_000_000 + rng.int(0, 86_400)}}`,
  ).toString('base64url');
  return `${JWT_HEADER}.${payload}.${fromAlphabet(B64URL, rng.u32(), 43, rng)}`;
}

export function ipv4(i: number, salt: number): string {
  const n = scramble(i, salt);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** IPv6 in its usual compressed forms (`::` inside, or all eight groups). */
export function ipv6(i: number, salt: number, rng: Rng): string {
  const n = scramble(i, salt);
  const hi = (n >>> 16).toString(16);
  const lo = (n & 0xffff).toString(16);
  switch (i % 3) {
    case 0:
      return `2001:db8:${hi}:${lo}::${rng.int(1, 0xffff).toString(16)}`;
    case 1:
      return `2a02:${rng.hex(4)}:${hi}:${lo}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(2)}ff:fe${rng.hex(2)}`;
    default:
      return `fe80::${hi}:${lo}`;
  }
}

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const LAST = ['smith', 'jones', 'lee', 'garcia', 'chen', 'wang', 'kim', 'novak', 'silva', 'ito'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'gmail.com'];

export function email(i: number, rng: Rng): string {
  return `${rng.pick(FIRST)}.${rng.pick(LAST)}${i}@${rng.pick(DOMAINS)}`;
}

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of day `i` after 2020-01-01 (unique per i). */
export function isoDate(i: number): string {
  return new Date(Date.UTC(2020, 0, 1) + i * DAY_MS).toISOString().slice(0, 10);
}

/** ISO week `YYYY-Www` number `i` from 2020-W01 (52 weeks a year, unique per i). */
export function isoWeek(i: number): string {
  return `${2020 + Math.floor(i / 52)}-W${String((i % 52) + 1).padStart(2, '0')}`;
}

/** Rails' cache version: `<id>-<updated_at as 20 digits>`. */
export function railsVersion(i: number, rng: Rng): string {
  return `${i + 1}-2024${String(rng.int(101, 1231)).padStart(4, '0')}${rng.digits(12)}`;
}
