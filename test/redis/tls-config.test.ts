import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { redisTlsOptions } from '../../src/redis/connect.js';
import { runCli } from '../support/cli.js';
import { makeTestPki, type TestPki } from '../support/tls-pki.js';

const t = createI18n({ strict: true }).plain('en');

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function yaml(clusterTls: string[], options: { url?: string; queueTls?: string[] } = {}): string {
  return [
    'queue:',
    `  url: ${options.queueTls ? 'rediss' : 'redis'}://127.0.0.1:6400`,
    ...(options.queueTls ? ['  tls:', ...options.queueTls.map((l) => `    ${l}`)] : []),
    'clusters:',
    '  - name: secure',
    `    url: ${options.url ?? 'rediss://redis.example.com:6380'}`,
    ...(clusterTls.length > 0 ? ['    tls:', ...clusterTls.map((l) => `      ${l}`)] : []),
  ].join('\n');
}

function problems(text: string): string[] {
  const result = parseConfig(text, {});
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((p) => `${p.path}: ${p.key ? t(p.key, p.values ?? {}) : p.text}`);
}

describe('tls settings in the config file', () => {
  it('reads the PEM files at start and keeps their paths', () => {
    const result = parseConfig(
      yaml([
        `ca: ${pki.caFile}`,
        `cert: ${pki.clientCertFile}`,
        `key: ${pki.clientKeyFile}`,
        'servername: redis.internal',
      ]),
      {},
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const tls = result.config.clusters[0]?.tls;
    expect(tls?.ca?.toString()).toContain('-----BEGIN CERTIFICATE-----');
    expect(tls?.key?.toString()).toContain('PRIVATE KEY-----');
    expect(tls).toMatchObject({
      servername: 'redis.internal',
      insecure: false,
      files: { ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile },
    });
  });

  it('an unreadable file is a config error naming the path', () => {
    expect(problems(yaml(['ca: /nonexistent/ca.pem']))).toEqual([
      'clusters[0].tls.ca: cannot read /nonexistent/ca.pem: ENOENT',
    ]);
    expect(problems(yaml([], { queueTls: [`ca: ${pki.dir}/missing.crt`] }))).toEqual([
      `queue.tls.ca: cannot read ${pki.dir}/missing.crt: ENOENT`,
    ]);
  });

  it('a file that is not PEM, or a key that is not the certificate’s, is a config error', () => {
    const junk = join(pki.dir, 'junk.txt');
    writeFileSync(junk, 'not a certificate\n');
    expect(problems(yaml([`ca: ${junk}`]))).toEqual([
      `clusters[0].tls.ca: ${junk} is not a PEM file (no -----BEGIN line)`,
    ]);
    expect(problems(yaml([`cert: ${pki.clientCertFile}`, `key: ${pki.strangerKeyFile}`]))).toEqual([
      'clusters[0].tls: the key does not belong to the certificate',
    ]);
  });

  it('tls needs rediss://, cert and key come together, servername is a host name', () => {
    expect(problems(yaml([`ca: ${pki.caFile}`], { url: 'redis://redis.example.com:6379' }))).toEqual([
      'clusters[0].tls: tls settings need a rediss:// URL (redis:// is plain text)',
    ]);
    expect(problems(yaml([`cert: ${pki.clientCertFile}`]))).toEqual([
      'clusters[0].tls: cert and key go together: give both for mutual TLS, or neither',
    ]);
    expect(problems(yaml(['servername: 10.0.0.5']))).toEqual([
      'clusters[0].tls.servername: servername must be a host name, not an IP address (SNI does not carry IPs)',
    ]);
    expect(problems(yaml(['verify: false']))[0]).toMatch(/^clusters\[0\]\.tls: /);
  });

  it('check-config prints the same line', async () => {
    const file = join(pki.dir, 'bad.yml');
    writeFileSync(file, `${yaml(['ca: /x'])}\n`);
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('clusters[0].tls.ca: cannot read /x: ENOENT');
  });
});

describe('Node TLS options for a rediss:// host', () => {
  it('SNI is the host name, never an IP; servername overrides it; insecure turns verification off', () => {
    expect(redisTlsOptions('redis.example.com')).toEqual({ servername: 'redis.example.com' });
    expect(redisTlsOptions('10.0.0.5')).toEqual({});
    expect(redisTlsOptions('10.0.0.5', { servername: 'redis.internal' })).toEqual({
      servername: 'redis.internal',
    });
    expect(redisTlsOptions('10.0.0.5', { insecure: true })).toEqual({ rejectUnauthorized: false });
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----');
    expect(redisTlsOptions('h.example', { ca })).toEqual({ servername: 'h.example', ca });
  });
});
