/**
 * Freshness and replay checks in front of Bolt's own signature check (HTTP mode). Bolt refuses a
 * signature that does not match and a timestamp more than five minutes old; it accepts any
 * timestamp in the future and the same signed request any number of times. This guard refuses a
 * timestamp more than a minute ahead, and remembers every accepted (timestamp, signature) on the
 * queue Redis so a replay is refused on every replica of the bot.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { HTTPModuleFunctions } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { redact } from '../redis/errors.js';

export interface RequestGuardOptions {
  signingSecret: string;
  /** The queue Redis: what one replica accepted, every replica refuses to run again. */
  redis: Pick<Redis, 'set'>;
  /** Key prefix on the queue Redis. */
  prefix: string;
  logger: Logger;
  /** Bolt's endpoint path. @defaultValue '/slack/events' */
  endpoint?: string;
  /** Epoch ms (tests move the clock). */
  now?: () => number;
}

/** Slack's own guidance: five minutes either way; ahead we allow only clock skew. */
export const MAX_AGE_SEC = 300;
export const MAX_AHEAD_SEC = 60;
/** Longer than the window a timestamp is accepted in, so a remembered signature outlives it. */
const SEEN_TTL_SEC = 600;
/** Slack retries an event delivery for about an hour at most. */
const EVENT_SEEN_TTL_SEC = 3600;

export type GuardRefusal =
  | 'unsigned'
  | 'bad_timestamp'
  | 'stale'
  | 'future'
  | 'bad_signature'
  | 'replay'
  | 'store_unavailable';

/** Wraps the HTTP receiver's listener: POSTs to the endpoint are checked, everything else passes. */
export function guardSlackRequests(next: RequestListener, options: RequestGuardOptions): RequestListener {
  const endpoint = options.endpoint ?? '/slack/events';
  const log = options.logger.child({ component: 'request-guard' });
  return (req, res) => {
    if (!isEndpointPost(req, endpoint)) {
      next(req, res);
      return;
    }
    check(req, options)
      .then((verdict) => {
        if (verdict === 'pass') {
          next(req, res);
          return;
        }
        if (verdict === 'retry_seen') {
          // An event delivery we already took: a 200 stops Slack's retries, and nothing runs twice.
          log.info({ retry: req.headers['x-slack-retry-num'] }, 'slack retry of a delivered event ignored');
          res.writeHead(200, { 'x-slack-no-retry': '1' });
          res.end();
          return;
        }
        log.warn({ reason: verdict.reason, ...verdict.detail }, 'slack request refused');
        res.writeHead(verdict.reason === 'store_unavailable' ? 503 : 401);
        res.end();
      })
      .catch((err: unknown) => {
        log.warn({ err: redact(errorMessage(err)) }, 'slack request could not be read');
        const tooLarge = HTTPModuleFunctions.isRawBodyError(err) && err.statusCode === 413;
        if (!res.headersSent) res.writeHead(tooLarge ? 413 : 400);
        res.end();
      });
  };
}

type Verdict =
  | 'pass'
  | 'retry_seen'
  | { reason: GuardRefusal; detail?: Record<string, string | number | undefined> };

async function check(req: IncomingMessage, options: RequestGuardOptions): Promise<Verdict> {
  // Bolt reads the body again from the buffered request, so buffering here costs nothing. Bolt
  // skips its own size limit for a buffered request: the limit is applied here (413 past it).
  const buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit);
  const raw = buffered.rawBody.toString('utf8');
  const signature = header(req, 'x-slack-signature');
  const stamp = header(req, 'x-slack-request-timestamp');
  if (isSslCheck(req, raw)) return 'pass';
  if (!signature || !stamp) return { reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(stamp)) return { reason: 'bad_timestamp' };
  const nowSec = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const offset = Number(stamp) - nowSec;
  if (offset > MAX_AHEAD_SEC) return { reason: 'future', detail: { aheadSec: offset } };
  if (offset < -MAX_AGE_SEC) return { reason: 'stale', detail: { ageSec: -offset } };
  if (!signatureMatches(options.signingSecret, stamp, raw, signature)) return { reason: 'bad_signature' };
  const retry = header(req, 'x-slack-retry-num');
  try {
    const first = await options.redis.set(
      `${options.prefix}:slack-seen:${stamp}:${signature.slice(3)}`,
      '1',
      'EX',
      SEEN_TTL_SEC,
      'NX',
    );
    if (first !== 'OK') return { reason: 'replay', detail: { timestamp: stamp, retry } };
    // Slack re-signs each retry of an event with a new timestamp: the event id is what repeats.
    const eventId = eventIdOf(req, raw);
    if (eventId) {
      const fresh = await options.redis.set(
        `${options.prefix}:slack-event:${eventId}`,
        '1',
        'EX',
        EVENT_SEEN_TTL_SEC,
        'NX',
      );
      if (fresh !== 'OK') return 'retry_seen';
    }
  } catch (err) {
    // Without the store a replay could not be told apart: refuse rather than run it twice.
    return { reason: 'store_unavailable', detail: { err: redact(errorMessage(err)) } };
  }
  return 'pass';
}

/**
 * Whether Bolt will take `req` as a Slack request: it routes on the WHATWG-normalized path, so
 * `/slack/./events`, `/slack/x/../events` and `/slack/events#x` are the endpoint too. A URL that
 * cannot be parsed is checked (fail closed).
 */
function isEndpointPost(req: IncomingMessage, endpoint: string): boolean {
  if ((req.method ?? '').toUpperCase() !== 'POST') return false;
  try {
    return new URL(req.url ?? '', 'http://localhost').pathname === endpoint;
  } catch {
    return true;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function signatureMatches(secret: string, stamp: string, raw: string, signature: string): boolean {
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${stamp}:${raw}`).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Slack's unsigned SSL check: Bolt answers it without running anything. */
function isSslCheck(req: IncomingMessage, raw: string): boolean {
  return (
    req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
    new URLSearchParams(raw).get('ssl_check') === '1'
  );
}

function eventIdOf(req: IncomingMessage, raw: string): string | undefined {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  try {
    const body = JSON.parse(raw) as { type?: unknown; event_id?: unknown };
    return body.type === 'event_callback' && typeof body.event_id === 'string' && body.event_id.length <= 64
      ? body.event_id
      : undefined;
  } catch {
    return undefined;
  }
}
