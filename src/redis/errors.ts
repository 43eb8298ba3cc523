import { ErrorCode, MedicError, redact } from '../errors.js';
import { truncate } from '../i18n/mrkdwn.js';

/**
 * Turns what ioredis / Node's net and tls layers throw into one of our typed errors, worded by
 * cause. Only host:port ever goes into values: URLs may carry passwords.
 */
export function classifyRedisError(err: unknown, target: string): MedicError {
  if (err instanceof MedicError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  const wrap = (c: ErrorCode, values: Record<string, string | number>) =>
    new MedicError(c, { target, ...values }, `${c} ${target}: ${redact(message)}`, { cause: err });

  if (
    /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH.*without any password/i.test(message)
  ) {
    return wrap(ErrorCode.RedisAuth, { reason: /NOAUTH/.test(message) ? 'noauth' : 'wrongpass' });
  }
  if (/NOPERM/.test(message)) return wrap(ErrorCode.RedisPermission, {});
  // The parser met a first byte no RESP reply starts with: an HTTP, SSH… server on that port.
  if (/^Protocol error/i.test(message)) return wrap(ErrorCode.NotRedis, {});
  if (/cluster support disabled/i.test(message)) return wrap(ErrorCode.NotACluster, {});
  const tls = tlsReason(code, message);
  if (tls) return wrap(ErrorCode.RedisTls, { reason: tls });
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) return wrap(ErrorCode.RedisTimeout, {});
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return wrap(ErrorCode.RedisUnreachable, { reason: 'dns' });
  if (code === 'ECONNREFUSED') return wrap(ErrorCode.RedisUnreachable, { reason: 'refused' });
  if (code === 'ECONNRESET' || /Connection is closed|socket hang up/i.test(message)) {
    return wrap(ErrorCode.RedisUnreachable, { reason: 'closed' });
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return wrap(ErrorCode.RedisUnreachable, { reason: 'network' });
  if (/None of startup nodes is available|Failed to refresh slots cache/i.test(message)) {
    return wrap(ErrorCode.RedisUnreachable, { reason: 'cluster' });
  }
  return wrap(ErrorCode.RedisCommand, { detail: truncate(redact(message), 200) });
}

const CLIENT_CERT_ALERTS = [
  '_ALERT_UNKNOWN_CA',
  '_ALERT_BAD_CERTIFICATE',
  '_ALERT_CERTIFICATE_EXPIRED',
  '_ALERT_CERTIFICATE_REVOKED',
  '_ALERT_CERTIFICATE_UNKNOWN',
  '_ALERT_UNSUPPORTED_CERTIFICATE',
];

function tlsReason(code: string, message: string): string | undefined {
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number|packet length too long/i.test(message)
  ) {
    return 'not_tls';
  }
  if (/before secure TLS connection was established/i.test(message)) return 'handshake';
  if (
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_GET_ISSUER_CERT',
      'CERT_UNTRUSTED',
    ].includes(code)
  ) {
    return 'unknown_ca';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'hostname_mismatch';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired';
  // Alerts the server sends about our client certificate (mutual TLS). TLS 1.3 finishes the
  // client's side of the handshake first, so these arrive with the first read.
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'client_cert_required';
  if (CLIENT_CERT_ALERTS.some((alert) => code.endsWith(alert))) return 'client_cert_rejected';
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return 'client_key_mismatch';
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'handshake';
  return undefined;
}

// `redact` lives with the error model (a leaf every layer may import); re-exported for callers here.
export { redact };
