import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { ErrorCode, isMedicError, type MedicError } from '../../src/errors.js';
import { createI18n } from '../../src/i18n/index.js';
import { errorText } from '../../src/presenters/error-text.js';
import { buildStatusView } from '../../src/presenters/status-view.js';
import { checkStatus } from '../../src/status/check-status.js';
import { runCli } from '../support/cli.js';
import { makeTestPki, type TestPki } from '../support/tls-pki.js';

/**
 * TLS to a real redis-server (TLS-only port) with certificates from a private CA made by the test.
 * Every failure must name its cause, the same way in the CLI and in the status check Slack uses.
 */

const t = createI18n({ strict: true }).plain('en');

let pki: TestPki;
let server: LocalRedis;
let expired: LocalRedis;
let mutual: LocalRedis;
let named: LocalRedis;

beforeAll(async () => {
  pki = await makeTestPki();
  const base = { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile };
  [server, expired, mutual, named] = await Promise.all([
    startLocalRedis({ tls: base }),
    startLocalRedis({ tls: { ...base, certFile: pki.expiredCertFile, keyFile: pki.expiredKeyFile } }),
    startLocalRedis({
      tls: {
        ...base,
        authClients: 'yes',
        probeCertFile: pki.clientCertFile,
        probeKeyFile: pki.clientKeyFile,
      },
    }),
    startLocalRedis({ tls: { ...base, certFile: pki.namedCertFile, keyFile: pki.namedKeyFile } }),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), expired?.stop(), mutual?.stop(), named?.stop()]);
  await pki?.cleanup();
});

/** A cluster as the config file would give it: the YAML `tls:` block, files read by parseConfig. */
function cluster(url: string, tlsYaml: string[]): ClusterConfig {
  const yaml = [
    'queue: { url: "redis://127.0.0.1:1" }',
    'clusters:',
    '  - name: secure',
    `    url: ${url}`,
    ...(tlsYaml.length > 0 ? ['    tls:', ...tlsYaml.map((line) => `      ${line}`)] : []),
  ].join('\n');
  const parsed = parseConfig(yaml, {});
  if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.problems)}`);
  const found = parsed.config.clusters[0];
  if (!found) throw new Error('no cluster');
  return found;
}

async function failure(target: ClusterConfig): Promise<MedicError> {
  const err = await checkStatus(target, { connect: { connectTimeoutMs: 2_000 } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMedicError(err)) throw new Error(`expected a MedicError, got ${String(err)}`);
  return err;
}

/** The CLI with a config file holding one `secure` cluster. */
async function cli(url: string, tlsYaml: string[], extra: string[] = []) {
  const file = join(pki.dir, `cfg-${Math.random().toString(36).slice(2)}.yml`);
  const lines = [
    'queue: { url: "redis://127.0.0.1:1" }',
    'clusters:',
    '  - name: secure',
    `    url: ${url}`,
    ...(tlsYaml.length > 0 ? ['    tls:', ...tlsYaml.map((line) => `      ${line}`)] : []),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return runCli(['status', '--cluster', 'secure', '--config', file, '--timeout', '5000', ...extra]);
}

describe('TLS to Redis with a private CA', () => {
  it('connects with the CA configured (CLI and status check)', async () => {
    const report = await checkStatus(cluster(server.url, [`ca: ${pki.caFile}`]));
    expect(report.redis.version).toMatch(/^\d+\./);
    expect(report.notes.map((n) => n.key)).not.toContain('notes.tls_insecure');
    const run = await cli(server.url, [`ca: ${pki.caFile}`], ['--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('keys');
  });

  it('relative paths in a config file are relative to that file', async () => {
    const run = await cli(server.url, ['ca: ca.crt']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('without the CA: "unknown CA", exit 2', async () => {
    const err = await failure(cluster(server.url, []));
    expect(err.code).toBe(ErrorCode.RedisTls);
    expect(err.values.reason).toBe('unknown_ca');
    expect(errorText(err, t, 'en')).toContain(`TLS to Redis at 127.0.0.1:${server.port} failed: unknown CA`);
    const run = await cli(server.url, []);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown CA');
    const zh = await cli(server.url, [], ['--lang', 'zh']);
    expect(zh.stderr).toContain('未知 CA');
  });

  it('with a servername the certificate does not carry: "hostname mismatch"', async () => {
    const target = cluster(server.url, [`ca: ${pki.caFile}`, 'servername: wrong.example']);
    const err = await failure(target);
    expect(err.values.reason).toBe('hostname_mismatch');
    expect(errorText(err, t, 'en')).toContain('hostname mismatch');
    const run = await cli(server.url, [`ca: ${pki.caFile}`, 'servername: wrong.example']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('hostname mismatch');
  });

  it('servername makes an endpoint reached by address verify against its certificate name', async () => {
    // Like a load balancer or tunnel: the URL is an address, the certificate names only the service.
    const byAddress = await failure(cluster(named.url, [`ca: ${pki.caFile}`]));
    expect(byAddress.values.reason).toBe('hostname_mismatch');
    expect(errorText(byAddress, t, 'en')).toContain('set tls.servername');
    const report = await checkStatus(
      cluster(named.url, [`ca: ${pki.caFile}`, 'servername: redis.internal.example']),
    );
    expect(report.redis.version).toMatch(/^\d+\./);
  });

  it('an expired server certificate: "expired"', async () => {
    const err = await failure(cluster(expired.url, [`ca: ${pki.caFile}`]));
    expect(err.values.reason).toBe('expired');
    expect(errorText(err, t, 'en')).toContain('expired');
    const run = await cli(expired.url, [`ca: ${pki.caFile}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the server's certificate has expired");
  });

  it('insecure: true connects without the CA, and the report says verification is off', async () => {
    const report = await checkStatus(cluster(server.url, ['insecure: true']));
    expect(report.notes.map((n) => n.key)).toContain('notes.tls_insecure');
    const view = buildStatusView(report, { t, lang: 'en' });
    expect(view.notes.join('\n')).toContain('TLS certificate verification is off');
    const run = await cli(server.url, ['insecure: true']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('TLS certificate verification is off');
    const zh = await cli(server.url, ['insecure: true'], ['--lang', 'zh']);
    expect(zh.stdout).toContain('已关闭 TLS 证书校验');
  });
});

describe('mutual TLS (the server requires client certificates)', () => {
  it('works with the client certificate and key', async () => {
    const report = await checkStatus(
      cluster(mutual.url, [`ca: ${pki.caFile}`, `cert: ${pki.clientCertFile}`, `key: ${pki.clientKeyFile}`]),
    );
    expect(report.redis.version).toMatch(/^\d+\./);
  });

  it('fails clearly without one', async () => {
    // Redis answers with a TLS alert, then closes; which one the client reads first is a race
    // (measured: about half the time the reset wins). Both are worded as the missing certificate.
    for (let attempt = 0; attempt < 4; attempt++) {
      const err = await failure(cluster(mutual.url, [`ca: ${pki.caFile}`]));
      expect(err.code).toBe(ErrorCode.RedisTls);
      expect(['client_cert_required', 'closed_after_handshake']).toContain(err.values.reason);
      expect(errorText(err, t, 'en')).toMatch(/requires a client certificate.*\(?set tls\.cert and tls\.key/);
    }
    const run = await cli(mutual.url, [`ca: ${pki.caFile}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('client certificate');
    expect(run.stderr).toContain('set tls.cert and tls.key');
  });

  it('fails clearly with a certificate from a CA the server does not trust', async () => {
    const err = await failure(
      cluster(mutual.url, [
        `ca: ${pki.caFile}`,
        `cert: ${pki.strangerCertFile}`,
        `key: ${pki.strangerKeyFile}`,
      ]),
    );
    expect(['client_cert_rejected', 'closed_after_handshake']).toContain(err.values.reason);
    expect(errorText(err, t, 'en')).toMatch(/rejected our client certificate|client certificate it trusts/);
  });
});
