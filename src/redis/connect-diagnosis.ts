/**
 * Why a connection failed, worded by its real cause: ioredis reports the cause as an event (the
 * rejection is often just "Connection is closed."), a TLS-only port and a standalone server given
 * cluster mode are told apart by a second look, and every wait has a deadline.
 */

import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { hostPort } from '../config/redis-url.js';
import { ErrorCode, MedicError } from '../errors.js';
import type { ParsedRedisUrl } from './connect.js';
import { classifyRedisError } from './errors.js';

/**
 * The error worth reporting: a TLS cause wins over the "connection closed" that follows it. A TLS
 * handshake to a plain-text port just hangs (Redis waits for a newline): say so. A server that
 * wants a client certificate (mutual TLS) sends an alert after our side of the TLS 1.3 handshake
 * has finished; when the reset beats the alert, all we see is a close right after the handshake.
 * A plain-text connection the server drops before its first answer may be a TLS-only port: only
 * when a TLS handshake with that port succeeds does the error say to use rediss:// (a server that
 * died or dropped us for another reason must not be blamed on TLS).
 */
export async function connectError(
  trace: ConnectTrace,
  rejection: unknown,
  url: ParsedRedisUrl,
): Promise<MedicError> {
  const address = hostPort(url.host, url.port);
  const err = trace.tlsError ?? trace.firstError ?? rejection;
  const classified = classifyRedisError(err, address);
  const closed = classified.code === ErrorCode.RedisUnreachable && classified.values.reason === 'closed';
  if (url.tls && trace.secured && closed) {
    return new MedicError(
      ErrorCode.RedisTls,
      { target: address, reason: 'closed_after_handshake' },
      classified.message,
      { cause: err },
    );
  }
  if (url.tls && classified.code === ErrorCode.RedisTimeout) {
    return new MedicError(
      ErrorCode.RedisTls,
      { target: address, reason: 'handshake_timeout' },
      classified.message,
      {
        cause: err,
      },
    );
  }
  if (!url.tls && trace.secured && closed && (await speaksTls(url.host, url.port))) {
    return new MedicError(ErrorCode.RedisTls, { target: address, reason: 'tls_port' }, classified.message, {
      cause: err,
    });
  }
  return classified;
}

/**
 * The cluster client only says its seed "closed the connection", whatever happened. One plain
 * connection to the seed says why: refused, not Redis, TLS, or a server whose cluster support is
 * disabled (a standalone Redis given cluster mode). When that says nothing new, `failure` stands.
 */
export async function probeSeed(
  url: ParsedRedisUrl,
  base: RedisOptions,
  connectTimeout: number,
  failure: MedicError,
): Promise<MedicError> {
  const address = hostPort(url.host, url.port);
  const probe = new Redis({ host: url.host, port: url.port, ...base });
  const trace = traceConnect(probe);
  try {
    await withDeadline(probe.connect(), connectTimeout + 1000, address);
  } catch (err) {
    probe.disconnect();
    return connectError(trace, err, url);
  }
  try {
    await withDeadline(probe.cluster('INFO'), connectTimeout + 1000, address);
    return failure;
  } catch (err) {
    const classified = classifyRedisError(err, address);
    return classified.code === ErrorCode.NotACluster ? classified : failure;
  } finally {
    probe.disconnect();
  }
}

/** Whether a TLS handshake with host:port completes (certificate not checked: only the protocol is). */
function speaksTls(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
    });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

export interface ConnectTrace {
  firstError?: unknown;
  /** The first error that names a TLS cause (certificate, alert), even if a reset came first. */
  tlsError?: unknown;
  /** The connection was made: TCP, and for TLS the handshake (ioredis's `connect` is `secureConnect` then). */
  secured: boolean;
}

/** ioredis reports the real cause (ECONNREFUSED, WRONGPASS, TLS) as an event, not always as the rejection. */
export function traceConnect(emitter: Redis | Cluster): ConnectTrace {
  const trace: ConnectTrace = { secured: false };
  const keep = (err: unknown) => {
    trace.firstError ??= err;
    if (trace.tlsError === undefined && classifyRedisError(err, '').code === ErrorCode.RedisTls) {
      trace.tlsError = err;
    }
  };
  emitter.on('error', keep);
  emitter.on('node error', keep);
  if (emitter instanceof Redis) {
    emitter.once('connect', () => {
      trace.secured = true;
    });
  }
  return trace;
}

export function withDeadline<T>(promise: Promise<T>, ms: number, address: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MedicError(ErrorCode.RedisTimeout, { target: address }, `timeout after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
