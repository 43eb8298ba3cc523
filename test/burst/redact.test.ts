/** Log lines shown in reports: secrets out, the rest kept, one bounded line. */
import { describe, expect, it } from 'vitest';
import { redactLogLine } from '../../src/burst/redact.js';

describe('log line redaction', () => {
  it.each([
    ['connect redis://app:s3cret@cache:6379 ok', 's3cret'],
    ['AUTH default hunter2', 'hunter2'],
    ['{"password":"hunter2","user":"a"}', 'hunter2'],
    ['token=abc.def.ghi&x=1', 'abc.def.ghi'],
    ['Authorization: Bearer eyJhbGciOi.xyz', 'eyJhbGciOi'],
    ['key AKIAABCDEFGHIJKLMNOP used', 'ABCDEFGHIJKLMNOP'],
    ['api_key: 12345', '12345'],
    // HTTP Basic credentials are base64 of user:password.
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
    ['redis-cli -h cache -a s3cretPW --tls', 's3cretPW'],
    ['CONFIG SET requirepass s3cretPW', 's3cretPW'],
    ['MIGRATE cache 6379 "" 0 5000 AUTH2 app s3cretPW KEYS a', 's3cretPW'],
    ['issued token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl for 1', 'eyJzdWIiOiIxIn0'],
    ['Cookie: session=abcdef123; theme=dark', 'abcdef123'],
  ])('%s loses its secret', (line, secret) => {
    const out = redactLogLine(line);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('keeps what is not secret, on one bounded line', () => {
    expect(redactLogLine('SADD contact:last:activity:881 campaign=spring')).toBe(
      'SADD contact:last:activity:881 campaign=spring',
    );
    expect(redactLogLine('a\nb')).toBe('a b');
    expect(redactLogLine('x'.repeat(1000)).length).toBe(300);
  });
});
